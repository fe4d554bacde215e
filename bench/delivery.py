#!/usr/bin/env python3
"""File delivery under concurrency: X-Accel-Redirect vs nginx serving the same file as static.

gunicorn (production settings, as many sync workers as deploy/gunicorn.conf.py
starts by default) behind nginx (deploy/nginx.conf). One file per size (sparse,
hard-linked into the private and the static root, so both sides read one
inode) is fetched by wrk with 16 and then 64 concurrent keep-alive clients,
alternating the sides run by run:

  accel   our download view, as the signed-in buyer of ORDERS paid
          orders, each with a grant of every file, through the links their
          order history shows (signed for their session: the view reads no
          session or user). Django checks the order and grant, counts an
          attempt (a conditional UPDATE of the order's delivery row), logs
          the download, and nginx sends the file (X-Accel-Redirect). The
          requests rotate over the ORDERS links of the size
          (bench/wrk_links.lua, each wrk thread its own share), so, as in a
          shop where each buyer downloads their own files, concurrent
          downloads seldom count against one row. Every request is a
          whole-file download (no Range), so each one is counted; the
          orders have no attempt limit (max_attempts NULL), so none is
          refused.
  one-order  at 1 MB only: every client downloads through one order's
          link, so every counted download waits for the row lock of the
          one before (what one buyer's many parallel downloads cost).
  floor   the physical limit of any app-served download here: the same
          gunicorn (config and worker count) behind the same nginx, serving
          bench/floor_app.py, a bare WSGI callable (no Django) that answers
          every request with an X-Accel-Redirect to the same file.
  static  nginx sending the file from /static/: no app at all.

Per size and client count: throughput (bytes received per second of the
runs), its ratios accel / static, accel / floor (what is ours) and
floor / static (what a gunicorn worker and the proxy hop cost), p50 and p99 latency at the client (a
request ends when the last byte has arrived), and gunicorn's own median time
for the accel requests (access log %(D)s). Before the load, the process
CPU of one counted download in-process (delivery_data.cpu_per_download):
the steadier figure on a shared machine.

Goals: ratio >= 0.9 at 10 MB and above, >= 0.5 at 1 MB.
"""

import os
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.load import MB, Load, download_results, run_wrk  # noqa: E402
from bench.stack import Deployment, parser, read_access_log, table, write_results  # noqa: E402
from deploy.local_stack import free_port  # noqa: E402

MODES = {
    "quick": {"rounds": 1, "seconds": 1},
    "default": {"rounds": 2, "seconds": 5},
    "full": {"rounds": 4, "seconds": 10},
}
SIZES = {"1MB": MB, "10MB": 10 * MB, "100MB": 100 * MB}
# The least ratio accel / static each size must reach.
GOALS = {"1MB": 0.5, "10MB": 0.9, "100MB": 0.9}
# The in-process measure of one counted download's CPU (delivery_data.cpu_per_download).
CPU_RUNS = {
    "quick": {"downloads": 20, "rounds": 1},
    "default": {"downloads": 300, "rounds": 5},
    "full": {"downloads": 300, "rounds": 10},
}
CLIENTS = (16, 64)
# Twice the most clients: a wrk thread's connections then seldom ask for
# one order's link at once (bench/wrk_links.lua).
ORDERS = 2 * max(CLIENTS)
SIDES = ("accel", "floor", "static")
# The one-order side's size: where the app's share of a download weighs most.
ONE_ORDER_SIZE = "1MB"
WARM_UP_SECONDS = 1
# Warm-up runs repeat, each twice as long as the one before, until this many
# responses have completed: on a loaded machine a 1 s run can end before any
# 1 MB download has, let alone a 100 MB one. Past WARM_UP_LIMIT_SECONDS the
# benchmark goes on and says so (a smoke run must not fail on a slow machine).
WARM_UP_RESPONSES = CLIENTS[0]
WARM_UP_LIMIT_SECONDS = 120


def run_seconds(mode, size):
    """Long enough for 64 clients to finish several 100 MB responses each."""
    return mode["seconds"] * (2 if size >= 100 * MB else 1)


def order_history_links(base_url, session):
    """The download links the buyer's order history shows, on all its
    pages, by grant id: each signed for this session, for
    SHOP_SIGNED_DOWNLOAD_MINUTES (asked again for each size, so a long run
    never outlives them)."""
    links, page_number = {}, 1
    while True:
        page = requests.get(
            f"{base_url}/account/orders/",
            params={"page": page_number},
            cookies={"sessionid": session},
            timeout=30,
        )
        page.raise_for_status()
        found = {
            int(grant): link
            for link, grant in re.findall(r'href="(/account/orders/\d+/files/(\d+)/\?key=[^"]+)"', page.text)
        }
        if found.keys() <= links.keys():  # past the last page: the last one again
            return links
        links.update(found)
        page_number += 1


def measure(url, clients, seconds, size, session, paths_file=None):
    load = run_wrk(url, clients, seconds, headers=[f"Cookie: sessionid={session}"], paths_file=paths_file)
    if load.requests and load.bytes < load.requests * size:
        raise RuntimeError(f"{url}: {load.bytes} bytes for {load.requests} responses of {size}")
    return load


def warm_up(url, size, session, paths_file=None):
    """Load ``url`` until WARM_UP_RESPONSES responses have completed."""
    completed, seconds, spent = 0, WARM_UP_SECONDS, 0
    while completed < WARM_UP_RESPONSES and spent < WARM_UP_LIMIT_SECONDS:
        completed += measure(url, CLIENTS[0], seconds, size, session, paths_file).requests
        spent += seconds
        seconds *= 2
    if completed < WARM_UP_RESPONSES:
        print(f"warm-up of {url}: only {completed} responses completed in {spent} s", flush=True)


def main():
    args = parser(
        "delivery",
        __doc__,
        quick="1 round of 1 s per side (2 s at 100 MB) at each size and client count (a smoke run)",
        default="2 rounds of 5 s per side (10 s at 100 MB)",
        full="4 rounds of 10 s per side (20 s at 100 MB)",
    ).parse_args()
    mode = MODES[args.mode]
    loads, app_us = {}, {}
    with Deployment("delivery", args) as d:
        (d.private_root / "bench").mkdir()
        (d.static_root / "bench").mkdir()
        for label, size in SIZES.items():
            path = d.private_root / "bench" / f"file-{label}.bin"
            with open(path, "wb") as f:
                f.truncate(size)
            path.chmod(0o644)
            os.link(path, d.static_root / "bench" / path.name)
        info = d.task(
            "bench.delivery_data:paid_order",
            files={f"file-{label}.bin": size for label, size in SIZES.items()},
            orders=ORDERS,
        )
        # No attempt limit: every download is counted, none refused
        # (bench/download_limit.py measures the limit).
        d.sql("UPDATE shop_ext_orderdelivery SET max_attempts = NULL")
        cpu = d.task("bench.delivery_data:cpu_per_download", session=info["session"], **CPU_RUNS[args.mode])
        print(
            f"in-process CPU per counted download: {cpu['cpu_ms']:.2f} ms, {cpu['queries']} queries",
            flush=True,
        )
        gunicorn = d.start_gunicorn()
        nginx = d.start_nginx(gunicorn)
        floor = d.start_gunicorn(name="floor", app="bench.floor_app")
        floor_nginx = d.start_nginx(floor, name="nginx-floor", port=free_port())
        for label, size in SIZES.items():
            name = f"file-{label}.bin"
            links = order_history_links(nginx.url, info["session"])
            paths_file = d.tmp / f"links-{label}.txt"
            paths_file.write_text("".join(f"{links[grant]}\n" for grant in info["all_grants"][name]))
            # side: (url, the paths its requests rotate over)
            targets = {
                "accel": (nginx.url, paths_file),
                "floor": (f"{floor_nginx.url}/floor/bench/{name}", None),
                "static": (f"{nginx.url}/static/bench/{name}", None),
            }
            if label == ONE_ORDER_SIZE:
                targets["one-order"] = (f"{nginx.url}{links[info['grants'][name]]}", None)
            for url, paths in targets.values():  # warm-up: workers, connections, page cache
                warm_up(url, size, info["session"], paths)
            for clients in CLIENTS:
                for _ in range(mode["rounds"]):
                    for side, (url, paths) in targets.items():
                        logged = len(read_access_log(gunicorn))
                        load = measure(url, clients, run_seconds(mode, size), size, info["session"], paths)
                        key = (label, clients, side)
                        loads[key] = loads.get(key, Load()) + load
                        app_us.setdefault(key, []).extend(
                            us for *_, status, us in read_access_log(gunicorn)[logged:] if status == 200
                        )
                print(
                    f"{label} x {clients}: "
                    + ", ".join(
                        f"{side} {loads[(label, clients, side)].mb_per_s:.0f} MB/s" for side in targets
                    ),
                    flush=True,
                )
    measured = [
        (
            label,
            clients,
            loads[(label, clients, "accel")],
            loads[(label, clients, "static")],
            app_us[(label, clients, "accel")],
        )
        for label in SIZES
        for clients in CLIENTS
    ]
    headers, rows, data, goals = download_results(
        "static", measured, GOALS, "X-Accel-Redirect throughput >= {least} x nginx static at {size}"
    )
    floor_rows = []
    for label in SIZES:
        for clients in CLIENTS:
            accel, floor_load, static = (loads[(label, clients, side)] for side in SIDES)
            floor_rows.append(
                {
                    "size": label,
                    "clients": clients,
                    "floor_mb_per_s": floor_load.mb_per_s,
                    "accel_per_floor": accel.mb_per_s / floor_load.mb_per_s,
                    "floor_per_static": floor_load.mb_per_s / static.mb_per_s,
                    "floor_p50_ms": floor_load.percentile_ms(50),
                    "floor_p99_ms": floor_load.percentile_ms(99),
                }
            )
    one_order_rows = []
    for clients in CLIENTS:
        one_order, accel, static = (
            loads[(ONE_ORDER_SIZE, clients, side)] for side in ("one-order", "accel", "static")
        )
        one_order_rows.append(
            {
                "size": ONE_ORDER_SIZE,
                "clients": clients,
                "one_order_mb_per_s": one_order.mb_per_s,
                "one_order_per_accel": one_order.mb_per_s / accel.mb_per_s,
                "one_order_per_static": one_order.mb_per_s / static.mb_per_s,
                "one_order_p50_ms": one_order.percentile_ms(50),
                "one_order_app_p50_ms": statistics.median(app_us[(ONE_ORDER_SIZE, clients, "one-order")])
                / 1000,
            }
        )
    write_results(
        "delivery",
        args,
        {
            "Delivery under concurrency: X-Accel-Redirect vs nginx static (wrk)": table(headers, rows),
            "The floor: a bare WSGI app's X-Accel-Redirect through the same gunicorn and nginx": table(
                [
                    "size",
                    "clients",
                    "floor MB/s",
                    "ratio accel/floor",
                    "ratio floor/static",
                    "floor p50 ms",
                    "floor p99 ms",
                ],
                [list(row.values()) for row in floor_rows],
            ),
            "Every client through one order's link (each download waits on the one row)": table(
                [
                    "size",
                    "clients",
                    "one-order MB/s",
                    "ratio one-order/accel",
                    "ratio one-order/static",
                    "one-order p50 ms",
                    "gunicorn p50 ms",
                ],
                [list(row.values()) for row in one_order_rows],
            ),
            "One counted download in-process (test client, no nginx)": table(
                ["CPU ms, median of rounds", "CPU ms per round", "queries"],
                [[cpu["cpu_ms"], ", ".join(f"{ms:.2f}" for ms in cpu["rounds_cpu_ms"]), cpu["queries"]]],
            ),
        },
        {"rows": data, "floor": floor_rows, "one_order": one_order_rows, "in_process": cpu},
        goals,
        memory=d.memory,
    )


if __name__ == "__main__":
    main()
