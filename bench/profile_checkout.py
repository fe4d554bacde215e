#!/usr/bin/env python3
"""Where a checkout's time and queries go, step by step, ours vs stock Cartridge.

The steps of one checkout of bench/checkout.py (product pages, two adds to
the cart, discount code, checkout page, billing/shipping step, confirmation
step, completion page), each a request through Django's test client in a
process of the deployment's own (production settings, PostgreSQL, Redis):
per side and step, the SQL queries (the same every checkout) and the median
time over the checkouts; with --profile STEP, that step's cProfile (the
functions with the most own time, then with the most cumulative time). Deterministic where the load benchmark
is not: the query counts.
"""

import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODES = {"quick": 3, "default": 15, "full": 40}


def _steps(info):
    from bench.checkout import DETAILS

    paperback, ebook = info["paperback"], info["ebook"]
    return [
        ("paperback page", "get", paperback, None),
        ("add paperback", "post", paperback, {"option3": "Paperback", "quantity": 1, "add_cart": 1}),
        ("ebook page", "get", ebook, None),
        ("add ebook", "post", ebook, {"option3": "eBook", "quantity": 1, "add_cart": 1}),
        ("discount code", "post", "/shop/cart/", {"discount_code": "BENCH10"}),
        ("checkout page", "get", "/shop/checkout/", None),
        ("step 1: details", "post", "/shop/checkout/", {**DETAILS, "step": 1}),
        ("step 2: confirm", "post", "/shop/checkout/", {**DETAILS, "step": 2}),
        ("complete page", "get", "/shop/checkout/complete/", None),
    ]


def run(info, session, checkouts, profile_step=None, top=30, sql_step=None):
    """bench.task helper: ``checkouts`` checkouts as the shopper of
    ``session``; per step its queries and median ms, the cProfile of
    ``profile_step`` (as text, by own time then by cumulative time) and the SQL of ``sql_step``'s last run."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session
    steps = _steps(info)
    queries = {name: 0 for name, *_ in steps}
    times = {name: [] for name, *_ in steps}
    profile = cProfile.Profile()
    counted = []
    sql = []

    def count(execute, sql, params, many, context):
        counted.append(sql)
        return execute(sql, params, many, context)

    for n in range(checkouts + 1):  # the first warms up: not measured
        for name, method, path, data in steps:
            counted.clear()
            profiled = name == profile_step and n > 0
            start = time.perf_counter()
            if profiled:
                profile.enable()
            with connection.execute_wrapper(count):
                response = getattr(client, method)(path, data) if data else getattr(client, method)(path)
            if profiled:
                profile.disable()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code >= 400:
                raise RuntimeError(f"{name}: {response.status_code}\n{response.content[:800]!r}")
            if n:
                queries[name] = len(counted)
                if name == sql_step:
                    sql[:] = counted
                times[name].append(elapsed)
    out = io.StringIO()
    if profile_step:
        for order in ("tottime", "cumulative"):
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
    steps = {name: {"queries": queries[name], "ms": median(times[name])} for name in queries}
    return {"steps": steps, "profile": out.getvalue(), "sql": sql}


def main():
    from bench.checkout import CLIENTS
    from bench.stack import OURS, STOCK, Deployment, parser, table

    p = parser(
        "profile_checkout",
        __doc__,
        quick=f"{MODES['quick']} checkouts per side",
        default=f"{MODES['default']} checkouts per side",
        full=f"{MODES['full']} checkouts per side",
    )
    p.add_argument(
        "--profile", metavar="STEP", help="print the cProfile of this step (its name in the table)"
    )
    p.add_argument("--sql", metavar="STEP", help="print the SQL of this step (its name in the table)")
    args = p.parse_args()
    with Deployment("profile_checkout", args) as d:
        info = d.task("bench.checkout_data:setup", clients=CLIENTS, sides=["ours", "stock"])
        results = {}
        for side, settings, extra in (
            ("ours", OURS, {"SHOP_PAYMENT_GATEWAY": "shop_ext.payments.gateways.pay_instantly_for_demo"}),
            ("stock", STOCK, {}),
        ):
            results[side] = d.task(
                "bench.profile_checkout:run",
                env=d.environ(settings, **extra),
                info=info,
                session=info["sessions"][side][0],
                checkouts=MODES[args.mode],
                profile_step=args.profile,
                sql_step=args.sql,
            )
    for side, result in results.items():
        if result["profile"]:
            print(f"{side}, {args.profile}:\n{result['profile']}")
        if result["sql"]:
            print(f"{side}, {args.sql}: {len(result['sql'])} queries")
            print("\n".join(f"  {sql}" for sql in result["sql"]))
    ours, stock = results["ours"]["steps"], results["stock"]["steps"]
    rows = [
        [step, ours[step]["queries"], stock[step]["queries"], ours[step]["ms"], stock[step]["ms"]]
        for step in ours
    ]
    rows.append(["whole checkout", *(sum(r[i] for r in rows) for i in (1, 2, 3, 4))])
    print(table(["step", "queries ours", "queries stock", "ms ours", "ms stock"], rows))


if __name__ == "__main__":
    main()
