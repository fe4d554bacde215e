#!/usr/bin/env python3
"""Checkout throughput, ours vs stock Cartridge, and the cost of our order-paid routine.

Part 1: completed checkouts per second with 8 concurrent shoppers against
gunicorn (production settings, as many sync workers as deploy/gunicorn.conf.py
starts by default) on PostgreSQL. A checkout is a flow of dependent requests
(each form carries the CSRF token and cart of the one before), which a
one-URL load generator such as wrk cannot drive, so each shopper is a thread
with its own signed-in session doing whole checkouts back to back. One checkout: view the
paperback and the ebook, add both to the cart, enter discount code BENCH10,
billing/shipping step, confirmation step -> order placed, completion page.
"ours" is the project (our product/cart/checkout wrappers, our handlers, the
order marked paid by the demo payment handler: grants + files email over
SMTP); "stock" is bench/settings_stock.py (Cartridge's views, forms,
templates and default handlers: nothing is paid). Rounds alternate ours,
stock, ours, stock...; the table gives the median of the rounds' rates.

Part 2: in-process, the added cost per order of shop_ext.orders.actions.mark_order_paid
(grants + status + files email sent to an SMTP sink after commit) against
Cartridge's default order handler (a no-op), alternating on fresh orders.

Goal (issue 33): ours >= 1.0 x stock throughput.
"""

import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.stack import OURS, STOCK, Deployment, median, parser, ratio, table, write_results  # noqa: E402

MODES = {
    "quick": {"rounds": 2, "per_client": 1, "orders": 20},
    "default": {"rounds": 4, "per_client": 3, "orders": 100},
    "full": {"rounds": 8, "per_client": 6, "orders": 400},
}
CLIENTS = 8
BILLING = {
    "billing_detail_first_name": "Dana",
    "billing_detail_last_name": "Reader",
    "billing_detail_street": "1 Paper Lane",
    "billing_detail_city": "Bookham",
    "billing_detail_state": "",
    "billing_detail_postcode": "BK1 2AB",
    "billing_detail_country": "UK",
    "billing_detail_phone": "0123456789",
    "billing_detail_email": "dana@example.com",
}
DETAILS = {
    **BILLING,
    **{k.replace("billing_", "shipping_"): "" for k in BILLING if k != "billing_detail_email"},
    "same_billing_shipping": "on",
    "discount_code": "BENCH10",
    # Ours asks the buyer of downloads to consent to their immediate
    # delivery (shop_ext.orders.consent); stock Cartridge ignores the field.
    "digital_supply_consent": "on",
}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Both sides' completion pages (ours: templates/shop/complete.html, Cartridge's
# shop/complete.html) hold the placed order's "re-send order email" form.
ORDER_PLACED = re.compile(r'class="order-complete-form" method="post" action="[^"]*/\d+/')


class Failed(Exception):
    pass


def expect(response, *statuses):
    if response.status_code not in statuses:
        raise Failed(
            f"{response.request.method} {response.url}: {response.status_code}\n{response.text[:800]}"
        )
    return response


def one_checkout(session, base, info):
    page = expect(session.get(base + info["paperback"]), 200)
    token = TOKEN.search(page.text).group(1)
    headers = {"Referer": base + "/"}
    post = lambda path, data: session.post(  # noqa: E731
        base + path,
        data={**data, "csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
    )
    expect(post(info["paperback"], {"option3": "Paperback", "quantity": 1, "add_cart": 1}), 302)
    expect(session.get(base + info["ebook"]), 200)
    expect(post(info["ebook"], {"option3": "eBook", "quantity": 1, "add_cart": 1}), 302)
    expect(post("/shop/cart/", {"discount_code": "BENCH10"}), 200, 302)
    expect(session.get(base + "/shop/checkout/"), 200)
    expect(post("/shop/checkout/", {**DETAILS, "step": 1}), 200)
    done = expect(post("/shop/checkout/", {**DETAILS, "step": 2}), 302)
    if not done.headers["Location"].endswith("/shop/checkout/complete/"):
        raise Failed(f"checkout ended at {done.headers['Location']}")
    # The completion page names the order placed; anything else (the cart or
    # the checkout again, after a redirect) is a checkout that did not complete.
    complete = expect(session.get(base + "/shop/checkout/complete/"), 200)
    if not complete.url.endswith("/shop/checkout/complete/") or not ORDER_PLACED.search(complete.text):
        raise Failed(f"the completion page did not show an order: {complete.url}\n{complete.text[:800]}")


def run_round(base, sessions, info, per_client):
    errors = []

    def client(session_key):
        with requests.Session() as s:
            s.cookies.set("sessionid", session_key, domain="127.0.0.1")
            for _ in range(per_client):
                try:
                    one_checkout(s, base, info)
                except Exception as error:  # counted, shown once
                    errors.append(str(error)[:800])

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, sessions))
    elapsed = time.perf_counter() - start
    completed = len(sessions) * per_client - len(errors)
    return completed / elapsed, completed, errors


def main():
    args = parser(
        "checkout",
        __doc__,
        quick="2 rounds x 8 clients x 1 checkout; 20 paid orders",
        default="4 rounds x 8 clients x 3 checkouts per side; 100 paid orders per side",
        full="8 rounds x 8 clients x 6 checkouts per side; 400 paid orders per side",
    ).parse_args()
    mode = MODES[args.mode]
    rates = {"ours": [], "stock": []}
    done = {"ours": 0, "stock": 0}
    attempted = {"ours": 0, "stock": 0}
    errors = {"ours": [], "stock": []}
    with Deployment("checkout", args) as d:
        info = d.task("bench.checkout_data:setup", clients=CLIENTS, sides=["ours", "stock"])
        servers = {
            "ours": d.start_gunicorn(
                OURS,
                SHOP_PAYMENT_GATEWAY="shop_ext.payments.gateways.pay_instantly_for_demo",
            ),
            "stock": d.start_gunicorn(STOCK),
        }
        for side, server in servers.items():  # warm-up: every worker imports and connects
            _rate, _completed, errs = run_round(server.url, info["sessions"][side], info, 1)
            errors[side] += errs  # a failure here is one too, not a cold start
        for n in range(mode["rounds"]):
            for side, server in servers.items():
                rate, completed, errs = run_round(
                    server.url, info["sessions"][side], info, mode["per_client"]
                )
                rates[side].append(rate)
                done[side] += completed
                attempted[side] += CLIENTS * mode["per_client"]
                errors[side] += errs
                print(f"round {n + 1} {side:5}: {rate:.2f} checkouts/s ({completed} completed)", flush=True)
        paid_orders = d.sql("SELECT count(*) FROM shop_ext_orderdelivery")[0][0]
        emails = len(d.smtp.messages)
        cost = d.task("bench.checkout_data:paid_cost", orders=mode["orders"], skus=info["skus"])
    for side in errors:
        if errors[side]:
            print(f"{side}: {len(errors[side])} failed checkouts, first:\n{errors[side][0]}")
    r = ratio(median(rates["ours"]), median(rates["stock"]))
    rows = [
        ["checkouts/s, 8 clients", median(rates["ours"]), median(rates["stock"]), r],
        [
            "completed / attempted checkouts",
            f"{done['ours']} / {attempted['ours']}",
            f"{done['stock']} / {attempted['stock']}",
            None,
        ],
        ["failed checkouts", len(errors["ours"]), len(errors["stock"]), None],
    ]
    added = cost["median_ours_ms"] - cost["median_stock_ms"]
    cost_rows = [
        [
            "order paid (ms per order)",
            cost["median_ours_ms"],
            cost["median_stock_ms"],
            ratio(cost["median_ours_ms"], cost["median_stock_ms"]) if cost["median_stock_ms"] else None,
            added,
        ]
    ]
    tables = {
        "Checkout throughput (median of rounds)": table(
            ["measure", "ours", "stock", "ratio ours/stock"], rows
        ),
        "Order-paid routine, in-process (median)": table(
            [
                "measure",
                "ours: mark_order_paid",
                "stock: default_order_handler",
                "ratio",
                "added ms per order",
            ],
            cost_rows,
        ),
    }
    goals = [
        {
            "goal": "checkout throughput ours >= 1.0 x stock",
            "met": r is not None and r >= 1.0,
            "observed": f"ratio {r:.2f}" if r else "no data",
        },
        {
            "goal": "every checkout completed",
            "met": not errors["ours"] and not errors["stock"],
            "observed": f"completed / attempted: ours {done['ours']} / {attempted['ours']}, "
            f"stock {done['stock']} / {attempted['stock']} (warm-up failures: see failed checkouts)",
        },
    ]
    data = {
        "rates": rates,
        "completed": done,
        "attempted": attempted,
        "paid_orders_during_run": paid_orders,
        "emails_received": emails,
        "paid_cost": cost,
        "errors": {k: v[:3] for k, v in errors.items()},
    }
    write_results("checkout", args, tables, data, goals, memory=d.memory)
    if errors["ours"] or errors["stock"]:
        # A failed checkout is an error, not a slow one: make bench (and CI's smoke run) stops.
        sys.exit("checkout: some checkouts failed (the first of each side is shown above)")


if __name__ == "__main__":
    main()
