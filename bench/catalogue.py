#!/usr/bin/env python3
"""Catalogue at scale under concurrency: category pages and the product page, ours vs stock Cartridge.

One PostgreSQL database grows from 50 to 500 to 5,000 generated products
(bench/catalogue_data.py: some with 6 or 9 variations, a third digital). Two
gunicorn servers (production settings, as many sync workers as
deploy/gunicorn.conf.py starts by default) read it: "ours"
(bench/settings_ours.py) and "stock" (bench/settings_stock.py: Cartridge's
category processor, views and templates switched back in). For each page and
size, wrk keeps 16 concurrent anonymous clients busy on one side, then the
other, round after round (ours, stock, ours, stock...). The table gives
requests per second, p50 and p99 latency over every request of the rounds,
the ratios ours / stock, and SQL queries per page (X-Bench-Queries, counted
by bench/querycount.py on one request after the warm-up).

Goals: p50 and p99 ratio <= 1.0; flat in N: our query count the same at every
size and our p50 at 5,000 products within FLAT_IN_N of the one at 50.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.load import Load, run_wrk  # noqa: E402
from bench.stack import OURS, STOCK, Deployment, parser, ratio, table, write_results  # noqa: E402

MODES = {
    "quick": {"sizes": [50, 500], "rounds": 1, "seconds": 1},
    "default": {"sizes": [50, 500, 5000], "rounds": 2, "seconds": 8},
    "full": {"sizes": [50, 500, 5000], "rounds": 4, "seconds": 10},
}
CLIENTS = 16
WARM_UP_SECONDS = 1
# "Flat in N": our p50 at the largest size at most this many times the smallest's.
FLAT_IN_N = 1.25
PAGES = [
    ("category (chosen products)", "chosen"),
    ("category (option filter)", "filtered"),
    ("product (9 variations)", "product"),
]


def queries(url):
    """SQL queries of one request (and a check that the page answers 200)."""
    response = requests.get(url, timeout=60)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}\n{response.text[:1000]}")
    return int(response.headers["X-Bench-Queries"])


def main():
    args = parser(
        "catalogue",
        __doc__,
        quick="50 and 500 products, 1 round of 1 s per page and side (a smoke run)",
        default="50, 500 and 5,000 products, 2 rounds of 8 s per page and side",
        full="50, 500 and 5,000 products, 4 rounds of 10 s per page and side",
    ).parse_args()
    mode = MODES[args.mode]
    rows, data = [], []
    with Deployment("catalogue", args, smtp=False) as d:
        # The cost of building pages: ours without its page cache (bench/pages.py has it).
        servers = {
            "ours": d.start_gunicorn(OURS, SHOP_PAGE_CACHE_SECONDS=0),
            "stock": d.start_gunicorn(STOCK),
        }
        for size in mode["sizes"]:
            info = d.task("bench.catalogue_data:grow", total=size)
            print(
                f"catalogue: {info['products']} products, {info['variations']} variations, "
                f"{info['digital_products']} digital",
                flush=True,
            )
            for label, key in PAGES:
                urls = {side: server.url + info[key] for side, server in servers.items()}
                for url in urls.values():  # warm-up: every worker, templates, connections
                    run_wrk(url, CLIENTS, WARM_UP_SECONDS)
                counted = {side: queries(url) for side, url in urls.items()}
                loads = {side: Load() for side in urls}
                for _ in range(mode["rounds"]):
                    for side, url in urls.items():  # alternate ours, stock
                        loads[side] += run_wrk(url, CLIENTS, mode["seconds"])
                o, s = loads["ours"], loads["stock"]
                row = {
                    "page": label,
                    "products": size,
                    "queries_ours": counted["ours"],
                    "queries_stock": counted["stock"],
                    "rps_ours": o.requests_per_s,
                    "rps_stock": s.requests_per_s,
                    "p50_ms_ours": o.percentile_ms(50),
                    "p50_ms_stock": s.percentile_ms(50),
                    "p99_ms_ours": o.percentile_ms(99),
                    "p99_ms_stock": s.percentile_ms(99),
                }
                row["p50_ratio"] = ratio(row["p50_ms_ours"], row["p50_ms_stock"])
                row["p99_ratio"] = ratio(row["p99_ms_ours"], row["p99_ms_stock"])
                data.append({**row, "requests_ours": o.requests, "requests_stock": s.requests})
                rows.append(list(row.values()))
                print(
                    f"  {label:28} N={size:5}: p50 ours {row['p50_ms_ours']:.0f} ms "
                    f"({row['queries_ours']} q), stock {row['p50_ms_stock']:.0f} ms "
                    f"({row['queries_stock']} q)",
                    flush=True,
                )
    headers = [
        "page",
        "products",
        "queries ours",
        "queries stock",
        "req/s ours",
        "req/s stock",
        "p50 ms ours",
        "p50 ms stock",
        "p99 ms ours",
        "p99 ms stock",
        "p50 ratio",
        "p99 ratio",
    ]
    by_page = {label: [r for r in data if r["page"] == label] for label, _ in PAGES}
    growth = {label: rs[-1]["p50_ms_ours"] / rs[0]["p50_ms_ours"] for label, rs in by_page.items()}
    worst = {p: max(r[f"{p}_ratio"] for r in data) for p in ("p50", "p99")}
    goals = [
        *(
            {
                "goal": f"{p} latency ratio ours/stock <= 1.0 on every page and size",
                "met": worst[p] <= 1.0,
                "observed": f"worst ratio {worst[p]:.2f}",
            }
            for p in ("p50", "p99")
        ),
        {
            "goal": "our SQL queries per page independent of N",
            "met": all(len({r["queries_ours"] for r in rs}) == 1 for rs in by_page.values()),
            "observed": ", ".join(
                f"{label}: {sorted({r['queries_ours'] for r in rs})}" for label, rs in by_page.items()
            ),
        },
        {
            "goal": f"our p50 flat in N (largest N / smallest N <= {FLAT_IN_N})",
            "met": max(growth.values()) <= FLAT_IN_N,
            "observed": ", ".join(f"{label}: {g:.2f}" for label, g in growth.items()),
        },
    ]
    write_results(
        "catalogue",
        args,
        {f"Catalogue: ours vs stock Cartridge, {CLIENTS} concurrent clients (wrk)": table(headers, rows)},
        data,
        goals,
        memory=d.memory,
    )


if __name__ == "__main__":
    main()
