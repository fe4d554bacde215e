#!/usr/bin/env python3
"""Download limit under load: 50 concurrent requests, 5 attempts left.

A paid order on PostgreSQL whose delivery allows 5 attempts, gunicorn (5 sync
workers, production settings) behind nginx. Each round resets the order to
5 attempts left and fires 50 simultaneous requests for its file (threads,
http.client, the buyer's session). Counted per round: served (200, must be
exactly 5), denied (403), and the download log's "served" rows. Latency:
median and p95 of the denials, next to those of the served requests (the
two sides of the table, from the same rounds).
"""

import http.client
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import OURS, Deployment, median, p95, parser, table, write_results  # noqa: E402

MODES = {"quick": {"rounds": 2}, "default": {"rounds": 6}, "full": {"rounds": 20}}
CONCURRENT = 50
ATTEMPTS = 5


def fetch(port, path, cookie, barrier):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    barrier.wait()
    start = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    return response.status, elapsed * 1000


def main():
    args = parser(
        "download_limit",
        __doc__,
        quick="2 rounds of 50 requests",
        default="6 rounds of 50 requests",
        full="20 rounds of 50 requests",
    ).parse_args()
    rounds = []
    served_ms, denied_ms = [], []
    with Deployment("limit", args) as d:
        (d.private_root / "bench").mkdir()
        path = d.private_root / "bench" / "file.bin"
        with open(path, "wb") as f:
            f.truncate(256 * 1024)
        path.chmod(0o644)
        info = d.task("bench.delivery_data:paid_order", files={"file.bin": 256 * 1024})
        gunicorn = d.start_gunicorn(OURS, workers=5)
        nginx = d.start_nginx(gunicorn)
        url = f"/account/orders/{info['order']}/files/{info['grants']['file.bin']}/"
        for n in range(MODES[args.mode]["rounds"]):
            d.sql(
                "UPDATE shop_ext_orderdelivery SET max_attempts = %s, attempts_used = 0 WHERE order_id = %s",
                ATTEMPTS,
                info["order"],
            )
            d.sql("DELETE FROM shop_ext_downloadattempt WHERE order_id = %s", info["order"])
            barrier = threading.Barrier(CONCURRENT)
            with ThreadPoolExecutor(CONCURRENT) as pool:
                results = list(
                    pool.map(
                        lambda _, barrier=barrier: fetch(nginx.port, url, info["session"], barrier),
                        range(CONCURRENT),
                    )
                )
            served = [ms for status, ms in results if status == 200]
            denied = [ms for status, ms in results if status == 403]
            other = [status for status, _ in results if status not in (200, 403)]
            logged = d.sql(
                "SELECT count(*) FROM shop_ext_downloadattempt WHERE order_id = %s AND outcome = 'served'",
                info["order"],
            )[0][0]
            used = d.sql(
                "SELECT attempts_used FROM shop_ext_orderdelivery WHERE order_id = %s", info["order"]
            )[0][0]
            rounds.append(
                {
                    "served": len(served),
                    "denied": len(denied),
                    "other": other,
                    "logged_served": logged,
                    "attempts_used": used,
                }
            )
            served_ms += served
            denied_ms += denied
            print(
                f"round {n + 1}: served {len(served)}, denied {len(denied)}, other {other}, "
                f"log {logged}, attempts_used {used}",
                flush=True,
            )
    rows = [
        [
            label,
            sum(r[outcome] for r in rounds),
            min(r[outcome] for r in rounds),
            max(r[outcome] for r in rounds),
            median(ms),
            p95(ms),
        ]
        for label, outcome, ms in [
            ("served (200)", "served", served_ms),
            ("denied (403)", "denied", denied_ms),
        ]
    ]
    exact = all(
        r["served"] == ATTEMPTS
        and r["logged_served"] == ATTEMPTS
        and r["attempts_used"] == ATTEMPTS
        and not r["other"]
        for r in rounds
    )
    goals = [
        {
            "goal": f"exactly {ATTEMPTS} served per round of {CONCURRENT}, log and counter agree",
            "met": exact,
            "observed": ", ".join(str(r["served"]) for r in rounds),
        },
    ]
    headers = ["outcome", "total", "min per round", "max per round", "median ms", "p95 ms"]
    write_results(
        "download_limit",
        args,
        {
            f"Download limit: {CONCURRENT} concurrent requests, {ATTEMPTS} attempts left, "
            f"{len(rounds)} rounds": table(headers, rows)
        },
        {"rounds": rounds, "served_ms": served_ms, "denied_ms": denied_ms},
        goals,
        memory=d.memory,
    )
    if any(r["other"] for r in rounds):
        # An answer other than served or denied is an error: make bench (and CI's smoke run) stops.
        sys.exit("download_limit: answers other than 200 and 403 (per round above)")


if __name__ == "__main__":
    main()
