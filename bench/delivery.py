#!/usr/bin/env python3
"""File delivery: X-Accel-Redirect vs nginx static vs Django streaming, by file size.

One gunicorn worker (production settings) behind nginx (deploy/nginx.conf).
The same bytes (sparse files, hard-linked so all three read one inode) are
fetched three ways, alternating per request:

  accel   our download view (signed-in owner of a paid order): Django checks,
          counts and logs, then nginx sends the file (X-Accel-Redirect)
  static  nginx serving the file as a plain static file (/static/)
  stream  a bench-only Django view returning FileResponse (bench/urls_ours.py),
          proxied by nginx: Django sends the bytes itself

Per side and size: median request time at the client, throughput (size /
median time), gunicorn's own time for the request (access log %(D)s), and the
worker's peak RSS during the request (VmHWM, reset before each request via
/proc/<pid>/clear_refs). Goals: accel >= 0.9 x static throughput; app time and
RSS flat in the file size.
"""

import http.client
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import (  # noqa: E402
    OURS,
    Deployment,
    median,
    parser,
    proc_status_kb,
    read_access_log,
    reset_peak_rss,
    table,
    write_results,
)

MB = 1024 * 1024
MODES = {
    "quick": {"sizes": {"1MB": MB}, "requests": {"1MB": 5}},
    "default": {"sizes": {"1MB": MB, "100MB": 100 * MB}, "requests": {"1MB": 20, "100MB": 5}},
    "full": {
        "sizes": {"1MB": MB, "100MB": 100 * MB, "1GB": 1024 * MB},
        "requests": {"1MB": 50, "100MB": 10, "1GB": 3},
    },
}
SIDES = ("accel", "static", "stream")


def fetch(port, path, cookie=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    size = 0
    while chunk := response.read(MB):
        size += len(chunk)
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")
    return elapsed, size


def main():
    args = parser(
        "delivery",
        __doc__,
        quick="1 MB, 5 requests per side",
        default="1 MB (20 requests per side) and 100 MB (5)",
        full="1 MB (50), 100 MB (10) and 1 GB (3)",
    ).parse_args()
    mode = MODES[args.mode]
    samples = {}
    with Deployment("delivery") as d:
        (d.private_root / "bench").mkdir()
        (d.static_root / "bench").mkdir()
        for label, size in mode["sizes"].items():
            path = d.private_root / "bench" / f"file-{label}.bin"
            with open(path, "wb") as f:
                f.truncate(size)
            path.chmod(0o644)
            os.link(path, d.static_root / "bench" / path.name)
        info = d.task(
            "bench.delivery_data:paid_order",
            files={f"file-{label}.bin": size for label, size in mode["sizes"].items()},
        )
        # No attempt limit here (bench/download_limit.py measures the limit).
        d.sql("UPDATE shop_ext_orderdelivery SET max_attempts = NULL WHERE order_id = %s", info["order"])
        gunicorn = d.start_gunicorn(OURS, workers=1)
        nginx = d.start_nginx(gunicorn)
        worker = gunicorn.worker_pids[0]
        can_reset = reset_peak_rss(worker)
        for label, size in mode["sizes"].items():
            name = f"file-{label}.bin"
            paths = {
                "accel": f"/account/orders/{info['order']}/files/{info['grants'][name]}/",
                "static": f"/static/bench/{name}",
                "stream": f"/bench/stream/bench/{name}",
            }
            for side in SIDES:  # warm-up: page cache, connections
                fetch(nginx.port, paths[side], info["session"])
            for _ in range(mode["requests"][label]):
                for side in SIDES:
                    reset_peak_rss(worker)
                    elapsed, got = fetch(nginx.port, paths[side], info["session"])
                    if got != size:
                        raise RuntimeError(f"{side} {label}: got {got} bytes, expected {size}")
                    s = samples.setdefault((label, side), {"s": [], "rss_kb": [], "path": paths[side]})
                    s["s"].append(elapsed)
                    s["rss_kb"].append(proc_status_kb(worker, "VmHWM" if can_reset else "VmRSS"))
            print(f"{label}: done", flush=True)
        log = read_access_log(gunicorn)
    rows, data = [], []
    for label, size in mode["sizes"].items():
        static_rate = size / MB / median(samples[(label, "static")]["s"])
        for side in SIDES:
            s = samples[(label, side)]
            app_us = [us for _, p, status, us in log if p == s["path"] and status == 200]
            app_us = app_us[1:]  # the warm-up request
            rate = size / MB / median(s["s"])
            row = {
                "size": label,
                "side": side,
                "median_ms": median(s["s"]) * 1000,
                "mb_per_s": rate,
                "ratio_to_static": rate / static_rate,
                "app_ms": median(app_us) / 1000 if app_us else None,
                "worker_peak_rss_mb": max(s["rss_kb"]) / 1024 if side != "static" else None,
            }
            data.append({**row, "samples_s": s["s"], "app_us": app_us})
            rows.append(
                [
                    label,
                    side,
                    row["median_ms"],
                    row["mb_per_s"],
                    row["ratio_to_static"],
                    row["app_ms"],
                    row["worker_peak_rss_mb"],
                ]
            )
    sizes = list(mode["sizes"])
    accel = {r["size"]: r for r in data if r["side"] == "accel"}
    worst = min(r["ratio_to_static"] for r in accel.values())
    app = [accel[s]["app_ms"] for s in sizes]
    rss = [accel[s]["worker_peak_rss_mb"] for s in sizes]
    goals = [
        {
            "goal": "X-Accel-Redirect throughput >= 0.9 x nginx static",
            "met": worst >= 0.9,
            "observed": f"worst ratio {worst:.2f}",
        },
        {
            "goal": "app time flat in file size (largest / smallest <= 1.5)",
            "met": app[-1] <= 1.5 * app[0] if len(app) > 1 else True,
            "observed": " -> ".join(f"{a:.1f} ms" for a in app),
        },
        {
            "goal": "worker peak RSS flat in file size (within 5 MB)",
            "met": max(rss) - min(rss) <= 5,
            "observed": " -> ".join(f"{r:.1f} MB" for r in rss),
        },
    ]
    headers = [
        "size",
        "side",
        "median ms",
        "MB/s",
        "ratio to static",
        "app ms (gunicorn)",
        "worker peak RSS MB",
    ]
    write_results(
        "delivery",
        args,
        {"Delivery: X-Accel-Redirect vs nginx static vs Django streaming": table(headers, rows)},
        data,
        goals,
    )


if __name__ == "__main__":
    main()
