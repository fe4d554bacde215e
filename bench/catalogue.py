#!/usr/bin/env python3
"""Catalogue at scale: category pages and the product page, ours vs stock Cartridge.

One PostgreSQL database grows from 50 to 500 to 5,000 generated products
(bench/catalogue_data.py: some with 6 or 9 variations, a third digital). Two
gunicorn servers (one sync worker each, production settings) read it:
"ours" (project.settings.production) and "stock" (bench/settings_stock.py:
Cartridge's category processor, views and templates switched back in). For
each page and size the requests alternate ours, stock, ours, stock...; the
table gives SQL queries per page (X-Bench-Queries, counted by
bench/querycount.py), median and p95 latency measured by the client, and the
ratio ours / stock of the medians.

Goals: ratio <= 1.0; our query count the same at every size.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.stack import OURS, STOCK, Deployment, median, p95, parser, ratio, table, write_results  # noqa: E402

MODES = {
    "quick": {"sizes": [50, 500], "requests": 5},
    "default": {"sizes": [50, 500, 5000], "requests": 20},
    "full": {"sizes": [50, 500, 5000], "requests": 100},
}
PAGES = [
    ("category (chosen products)", "chosen"),
    ("category (option filter)", "filtered"),
    ("product (9 variations)", "product"),
]


def get(session, url):
    start = time.perf_counter()
    response = session.get(url)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}\n{response.text[:1000]}")
    return elapsed * 1000, int(response.headers["X-Bench-Queries"])


def main():
    args = parser(
        "catalogue",
        __doc__,
        quick="50 and 500 products, 5 requests per page and side",
        default="50, 500 and 5,000 products, 20 requests per page and side",
        full="50, 500 and 5,000 products, 100 requests per page and side",
    ).parse_args()
    mode = MODES[args.mode]
    rows, data = [], []
    with Deployment("catalogue", smtp=False) as d:
        servers = {"ours": d.start_gunicorn(OURS), "stock": d.start_gunicorn(STOCK)}
        sessions = {side: requests.Session() for side in servers}
        for size in mode["sizes"]:
            info = d.task("bench.catalogue_data:grow", total=size)
            print(
                f"catalogue: {info['products']} products, {info['variations']} variations, "
                f"{info['digital_products']} digital",
                flush=True,
            )
            for label, key in PAGES:
                samples = {side: {"ms": [], "queries": []} for side in servers}
                for side, server in servers.items():  # warm-up: templates, connections
                    for _ in range(2):
                        get(sessions[side], server.url + info[key])
                for _ in range(mode["requests"]):
                    for side, server in servers.items():  # alternate ours, stock
                        ms, queries = get(sessions[side], server.url + info[key])
                        samples[side]["ms"].append(ms)
                        samples[side]["queries"].append(queries)
                o, s = samples["ours"], samples["stock"]
                row = {
                    "page": label,
                    "products": size,
                    "queries_ours": max(o["queries"]),
                    "queries_stock": max(s["queries"]),
                    "median_ms_ours": median(o["ms"]),
                    "median_ms_stock": median(s["ms"]),
                    "p95_ms_ours": p95(o["ms"]),
                    "p95_ms_stock": p95(s["ms"]),
                }
                row["ratio"] = ratio(row["median_ms_ours"], row["median_ms_stock"])
                data.append({**row, "samples": samples})
                rows.append(
                    [
                        label,
                        size,
                        row["queries_ours"],
                        row["queries_stock"],
                        row["median_ms_ours"],
                        row["median_ms_stock"],
                        row["p95_ms_ours"],
                        row["p95_ms_stock"],
                        row["ratio"],
                    ]
                )
                print(
                    f"  {label:28} N={size:5}: ours {row['median_ms_ours']:.1f} ms "
                    f"({row['queries_ours']} q), stock {row['median_ms_stock']:.1f} ms "
                    f"({row['queries_stock']} q)",
                    flush=True,
                )
    headers = [
        "page",
        "products",
        "queries ours",
        "queries stock",
        "median ms ours",
        "median ms stock",
        "p95 ms ours",
        "p95 ms stock",
        "ratio ours/stock",
    ]
    flat = all(len({r["queries_ours"] for r in data if r["page"] == label}) == 1 for label, _ in PAGES)
    worst = max(r["ratio"] for r in data)
    goals = [
        {
            "goal": "median latency ratio ours/stock <= 1.0 on every page and size",
            "met": worst <= 1.0,
            "observed": f"worst ratio {worst:.2f}",
        },
        {
            "goal": "our SQL queries per page independent of N",
            "met": flat,
            "observed": ", ".join(
                f"{label}: {sorted({r['queries_ours'] for r in data if r['page'] == label})}"
                for label, _ in PAGES
            ),
        },
    ]
    write_results(
        "catalogue", args, {"Catalogue: ours vs stock Cartridge": table(headers, rows)}, data, goals
    )


if __name__ == "__main__":
    main()
