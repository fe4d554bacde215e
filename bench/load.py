"""Concurrent load with wrk (Debian's package; `make bench` installs it).

``run_wrk`` keeps ``clients`` connections busy on one URL for ``seconds``
(keep-alive, each connection sends its next request when the last response
has fully arrived) and returns a ``Load``: requests, bytes received and the
latency histogram, from bench/wrk_report.lua. ``Load``s of the same side add
up (``+``), so percentiles are taken over every request of the alternating
rounds.
"""

import json
import os
import shutil
import statistics
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

WRK = shutil.which("wrk")
WRK_MISSING = "wrk is not installed (Debian: apt-get install wrk; `make bench` does it)"
REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")
LINKS_SCRIPT = Path(__file__).with_name("wrk_links.lua")
MARKER = "BENCH-JSON "
MB = 1024 * 1024


class LoadFailed(RuntimeError):
    pass


@dataclass
class Load:
    requests: int = 0
    seconds: float = 0.0
    bytes: int = 0
    latency_us: Counter = field(default_factory=Counter)

    def __add__(self, other):
        return Load(
            self.requests + other.requests,
            self.seconds + other.seconds,
            self.bytes + other.bytes,
            self.latency_us + other.latency_us,
        )

    @property
    def requests_per_s(self):
        return self.requests / self.seconds

    @property
    def mb_per_s(self):
        """Bytes received (headers, bodies, and the part of the responses in
        flight when the run stopped) per second of the run."""
        return self.bytes / MB / self.seconds

    def percentile_ms(self, p):
        """The latency that ``p`` percent of the requests did not exceed."""
        rank = p / 100 * sum(self.latency_us.values())
        seen = 0
        for value, count in sorted(self.latency_us.items()):
            seen += count
            if seen >= rank:
                return value / 1000
        return None


def run_wrk(url, clients, seconds, headers=(), timeout_s=120, paths_file=None):
    """One wrk run; a ``LoadFailed`` when any response was an error (status
    >= 400, time-out, socket error), since its time would not be a page's.
    ``paths_file``: a file of paths on ``url``'s host, one a line: the
    requests rotate over them (bench/wrk_links.lua) instead of all asking
    for ``url``."""
    if WRK is None:
        raise SystemExit(WRK_MISSING)
    threads = min(clients, os.cpu_count())
    argv = [WRK, f"-t{threads}", f"-c{clients}", f"-d{seconds}s", f"--timeout={timeout_s}s"]
    for header in headers:
        argv += ["-H", header]
    if paths_file is None:
        argv += ["-s", str(REPORT_SCRIPT), url]
    else:
        argv += ["-s", str(LINKS_SCRIPT), url, "--", str(paths_file), str(threads)]
    result = subprocess.run(argv, capture_output=True, text=True)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith(MARKER)), None)
    if result.returncode != 0 or line is None:
        raise LoadFailed(f"wrk {url} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    report = json.loads(line[len(MARKER) :])
    errors = {kind: count for kind, count in report["errors"].items() if count}
    if errors:
        raise LoadFailed(f"wrk {url}: errors {errors}\n{result.stdout}")
    return Load(
        report["requests"],
        report["duration_us"] / 1e6,
        report["bytes"],
        Counter(dict(report["latency_us"])),
    )


def download_results(baseline, measured, goals, goal_text):
    """The result rows of a download benchmark: the app's downloads ("accel")
    against nginx alone (``baseline``: "static", "proxy"). ``measured``:
    (size label, clients, accel Load, baseline Load, gunicorn's times of the
    accel requests in us) per row; ``goals``: the least ratio per size
    label, ``goal_text`` the goal's words with {least} and {size}. Returns
    (headers, table rows, data rows for the JSON, goals)."""
    rows, data = [], []
    for size, clients, accel, base, app_us in measured:
        row = {
            "size": size,
            "clients": clients,
            f"{baseline}_mb_per_s": base.mb_per_s,
            "accel_mb_per_s": accel.mb_per_s,
            "ratio": accel.mb_per_s / base.mb_per_s,
            f"{baseline}_p50_ms": base.percentile_ms(50),
            "accel_p50_ms": accel.percentile_ms(50),
            f"{baseline}_p99_ms": base.percentile_ms(99),
            "accel_p99_ms": accel.percentile_ms(99),
            "accel_app_p50_ms": statistics.median(app_us) / 1000 if app_us else None,
        }
        data.append({**row, "accel_downloads": accel.requests, f"{baseline}_requests": base.requests})
        rows.append(list(row.values()))
    headers = [
        "size",
        "clients",
        f"{baseline} MB/s",
        "accel MB/s",
        f"ratio accel/{baseline}",
        f"{baseline} p50 ms",
        "accel p50 ms",
        f"{baseline} p99 ms",
        "accel p99 ms",
        "accel app p50 ms",
    ]
    met = [
        {
            "goal": goal_text.format(least=least, size=size),
            "met": all(r["ratio"] >= least for r in data if r["size"] == size),
            "observed": ", ".join(
                f"{r['clients']} clients {r['ratio']:.2f}" for r in data if r["size"] == size
            ),
        }
        for size, least in goals.items()
        if any(r["size"] == size for r in data)
    ]
    return headers, rows, data, met
