#!/usr/bin/env python3
"""Anonymous pages under concurrency: from the page cache, built, stock Cartridge, and a static copy.

One PostgreSQL database with 500 generated products (bench/catalogue_data.py).
Three gunicorn servers (production settings, as many sync workers as
deploy/gunicorn.conf.py starts by default): ours, ours with
SHOP_PAGE_CACHE_SECONDS=0 and stock Cartridge (bench/settings_stock.py). The
sides, for each page and number of clients, in turn, round after round:

* warm: ours as deployed, through nginx with deploy/nginx.conf (its page
  cache, each copy kept for the second it was made in, in front of the
  app's; docs/caching.md);
* app: ours straight at gunicorn: every page from the shared Redis cache;
* cold: ours straight at gunicorn, every page built (as on a miss);
* stock: stock Cartridge straight at gunicorn;
* static: nginx serving, from /static/, a copy of the very HTML ours serves.

The table gives requests per second and p50 / p99 latency over every
request of the rounds.

Goals (issue 21): warm at least 0.5 x static and at least 20 x stock in
requests per second, warm p99 under 50 ms; cold at least 1.0 x stock.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.load import Load, run_wrk  # noqa: E402
from bench.stack import OURS, STOCK, Deployment, parser, ratio, table, write_results  # noqa: E402
from deploy.local_stack import free_port  # noqa: E402

MODES = {
    "quick": {"clients": [16, 64], "rounds": 1, "seconds": 1},
    "default": {"clients": [16, 64], "rounds": 2, "seconds": 8},
    "full": {"clients": [16, 64], "rounds": 4, "seconds": 10},
}
PRODUCTS = 500
WARM_UP_SECONDS = 1
SIDES = ("warm", "app", "cold", "stock", "static")
GOAL_STATIC = 0.5
GOAL_STOCK = 20
GOAL_P99_MS = 50
GOAL_COLD = 1.0


def fetch(url):
    response = requests.get(url, timeout=60)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}\n{response.text[:1000]}")
    return response


def static_copy(d, nginx, name, html):
    """``html`` under STATIC_ROOT, readable by nginx's workers: its URL."""
    folder = d.static_root / "bench-copy"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.html"
    path.write_bytes(html)
    path.chmod(0o644)
    return f"{nginx.url}/static/bench-copy/{name}.html"


def main():
    args = parser(
        "pages",
        __doc__,
        quick="16 and 64 clients, 1 round of 1 s per page and side (a smoke run)",
        default="16 and 64 clients, 2 rounds of 8 s per page and side",
        full="16 and 64 clients, 4 rounds of 10 s per page and side",
    ).parse_args()
    mode = MODES[args.mode]
    rows, data = [], []
    with Deployment("pages", args, smtp=False) as d:
        info = d.task("bench.catalogue_data:grow", total=PRODUCTS)
        apps = {
            "app": d.start_gunicorn(OURS, name="ours"),
            "cold": d.start_gunicorn(OURS, name="cold", SHOP_PAGE_CACHE_SECONDS=0),
            "stock": d.start_gunicorn(STOCK),
        }
        nginx = d.start_nginx(apps["app"], port=free_port())
        pages = [("home", "/"), ("category", info["chosen"]), ("product", info["product"])]
        for name, path in pages:
            urls = {side: app.url + path for side, app in apps.items()}
            urls["warm"] = nginx.url + path
            fetch(urls["app"])
            served = fetch(urls["app"])
            if served.headers.get("X-Page-Cache") != "hit":
                raise RuntimeError(f"{urls['app']} was not served from the page cache: {served.headers}")
            urls["static"] = static_copy(d, nginx, name, served.content)
            for url in urls.values():  # warm-up: every worker, templates, connections
                run_wrk(url, 16, WARM_UP_SECONDS)
            for clients in mode["clients"]:
                loads = {side: Load() for side in SIDES}
                for _ in range(mode["rounds"]):
                    for side in SIDES:
                        loads[side] += run_wrk(urls[side], clients, mode["seconds"])
                row = {"page": name, "clients": clients}
                for side in SIDES:
                    row[f"rps_{side}"] = loads[side].requests_per_s
                    row[f"p50_ms_{side}"] = loads[side].percentile_ms(50)
                    row[f"p99_ms_{side}"] = loads[side].percentile_ms(99)
                row["warm_vs_static"] = ratio(row["rps_warm"], row["rps_static"])
                row["warm_vs_stock"] = ratio(row["rps_warm"], row["rps_stock"])
                row["app_vs_static"] = ratio(row["rps_app"], row["rps_static"])
                row["cold_vs_stock"] = ratio(row["rps_cold"], row["rps_stock"])
                data.append({**row, **{f"requests_{side}": loads[side].requests for side in SIDES}})
                rows.append(
                    [
                        name,
                        clients,
                        *(row[f"rps_{side}"] for side in SIDES),
                        row["p50_ms_warm"],
                        row["p99_ms_warm"],
                        row["p99_ms_app"],
                        row["p99_ms_cold"],
                        row["p99_ms_stock"],
                        row["warm_vs_static"],
                        row["app_vs_static"],
                        row["warm_vs_stock"],
                        row["cold_vs_stock"],
                    ]
                )
                print(
                    f"  {name:9} {clients:3} clients: req/s warm {row['rps_warm']:.0f}, app "
                    f"{row['rps_app']:.0f}, cold "
                    f"{row['rps_cold']:.0f}, stock {row['rps_stock']:.0f}, static {row['rps_static']:.0f}",
                    flush=True,
                )
    headers = [
        "page",
        "clients",
        "req/s warm",
        "req/s app",
        "req/s cold",
        "req/s stock",
        "req/s static",
        "p50 ms warm",
        "p99 ms warm",
        "p99 ms app",
        "p99 ms cold",
        "p99 ms stock",
        "warm / static",
        "app / static",
        "warm / stock",
        "cold / stock",
    ]
    worst = {key: min(r[key] for r in data) for key in ("warm_vs_static", "warm_vs_stock", "cold_vs_stock")}
    worst_p99 = max(r["p99_ms_warm"] for r in data)
    goals = [
        {
            "goal": f"warm req/s >= {GOAL_STATIC} x the static copy",
            "met": worst["warm_vs_static"] >= GOAL_STATIC,
            "observed": f"lowest {worst['warm_vs_static']:.2f}",
        },
        {
            "goal": f"warm req/s >= {GOAL_STOCK} x stock Cartridge",
            "met": worst["warm_vs_stock"] >= GOAL_STOCK,
            "observed": f"lowest {worst['warm_vs_stock']:.1f}",
        },
        {
            "goal": f"warm p99 < {GOAL_P99_MS} ms",
            "met": worst_p99 < GOAL_P99_MS,
            "observed": f"highest {worst_p99:.1f} ms",
        },
        {
            "goal": f"cold req/s >= {GOAL_COLD} x stock Cartridge",
            "met": worst["cold_vs_stock"] >= GOAL_COLD,
            "observed": f"lowest {worst['cold_vs_stock']:.2f}",
        },
    ]
    write_results(
        "pages",
        args,
        {
            f"Anonymous pages, {PRODUCTS} products: nginx + page cache (warm), page cache (app), "
            "built (cold), stock Cartridge, static copy (wrk)": table(headers, rows)
        },
        data,
        goals,
        memory=d.memory,
    )


if __name__ == "__main__":
    main()
