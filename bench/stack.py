"""The benchmarks' deployment and their report format.

``Deployment`` is deploy/local_stack.py's stack as the benchmarks use it: a
database per benchmark, gunicorn per settings module (so "ours" and the
baseline run side by side on the same data), gunicorn's access log with the
request time (%(D)s), more nginx connections and no nginx access log, and
``task`` to run a helper inside the deployment's Django.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from deploy.local_stack import ADMIN_DB_URL, BASE_DIR, PYTHON, LocalStack

RESULTS_DIR = BASE_DIR / "bench" / "results"
OURS = "bench.settings_ours"
STOCK = "bench.settings_stock"
# %(D)s: request time in microseconds, as gunicorn measured it (read_access_log).
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


# ------------------------------------------------------------ processes


def proc_status_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def reset_peak_rss(pid):
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Deployment(LocalStack):
    """One database, its directories, and the servers started on it."""

    def __init__(self, name, smtp=True):
        super().__init__(
            f"bench_{name}",
            settings=OURS,
            smtp=smtp,
            admin_db_url=os.environ.get("BENCH_POSTGRES_URL", ADMIN_DB_URL),
            extra_env={"ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONPATH": str(BASE_DIR)},
            nginx_worker_connections=512,
            nginx_access_log=False,
        )

    def task(self, function, settings=OURS, env=None, **kwargs):
        """Run ``bench.<module>:<function>(**kwargs)`` in this deployment's
        Django, in a subprocess; it returns a JSON value."""
        result = subprocess.run(
            [PYTHON, "-m", "bench.task", function, json.dumps(kwargs)],
            cwd=BASE_DIR,
            env=env or self.environ(settings),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{function} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start_gunicorn(self, settings=OURS, workers=1, name=None, **extra_env):
        name = name or settings.rsplit(".", 1)[-1]
        return super().start_gunicorn(
            settings,
            workers,
            name=f"gunicorn-{name}",
            access_log_format=ACCESS_LOG_FORMAT,
            GUNICORN_LOGLEVEL="warning",
            **extra_env,
        )


def read_access_log(server):
    """[(method, path, status, microseconds)] from a gunicorn started here."""
    rows = []
    for line in Path(server.access_log).read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3].isdigit():
            rows.append((parts[0], parts[1], int(parts[2]), int(parts[3])))
    return rows


# ------------------------------------------------------------ reporting


def median(values):
    return statistics.median(values) if values else None


def p95(values):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def ratio(ours, baseline):
    if ours is None or not baseline:
        return None
    return ours / baseline


def machine():
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = proc_status_kb_meminfo()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def proc_status_kb_meminfo():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return None


def fmt(value, digits=2):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers, rows):
    """A Markdown table (prints well in a terminal and pastes into docs)."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [
        max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)
    ]
    lines = [
        "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=False)) + " |" for row in cells
    ]
    return "\n".join(lines)


def write_results(name, args, tables, data, goals):
    """Print the tables and goals; write bench/results/<name>.json."""
    out = {
        "benchmark": name,
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": args.mode,
        "machine": machine(),
        "tables": tables,
        "goals": goals,
        "data": data,
    }
    for title, text in tables.items():
        print(f"\n### {title}\n\n{text}")
    if goals:
        print()
        for goal in goals:
            print(f"- {'MET' if goal['met'] else 'MISSED'}: {goal['goal']} ({goal['observed']})")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nwrote {path.relative_to(BASE_DIR)}")
    return out


def parser(name, doc, quick, default, full):
    """--quick / (default) / --full, with what each mode runs in the help."""
    p = argparse.ArgumentParser(
        prog=f"bench/{name}.py",
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"modes:\n  --quick   {quick}\n  default   {default}\n  --full    {full}",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="smallest run (smoke)"
    )
    group.add_argument("--full", dest="mode", action="store_const", const="full", help="largest run")
    p.set_defaults(mode="default")
    return p
