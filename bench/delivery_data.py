"""A paid order whose files already sit in private storage (bench.task helper)
for bench/delivery.py and bench/download_limit.py."""

from decimal import Decimal

from cartridge.shop.models import Order, OrderItem
from django.contrib.auth import get_user_model

from bench.checkout_data import _product, session_for
from shop_ext.models import DownloadGrant, ProductFile
from shop_ext.orders.actions import mark_order_paid


def paid_order(files, orders=1):
    """``files``: {name: size} of files already at SENDFILE_ROOT/bench/<name>.
    ``orders``: how many paid orders the buyer has, each with a grant of
    every file (a download counts against its own order's attempts, so
    clients loading different orders do not wait on one row).

    Returns the first order's id and grants by file name (the one-order
    benches), every order's id, every grant's id by file name, and the
    buyer's session key."""
    ebook = _product("Bench download", "eBook", "5.00", None)
    for name, size in files.items():
        f = ProductFile.objects.create(
            product=ebook,
            file=f"bench/{name}",
            original_filename=name,
            size=size,
            content_type="application/octet-stream",
            sha256="0" * 64,
        )
        f.variations.set(ebook.variations.all())
    user = get_user_model().objects.create_user("bench-buyer", "bench-buyer@example.com", None)
    variation = ebook.variations.get()
    paid = [_paid_order(user, variation.sku) for _ in range(orders)]
    grants = {}
    for grant in DownloadGrant.objects.filter(order__in=paid).select_related("file").order_by("order_id"):
        grants.setdefault(grant.file.original_filename, []).append(grant.pk)
    return {
        "order": paid[0].pk,
        "grants": {name: ids[0] for name, ids in grants.items()},
        "orders": [order.pk for order in paid],
        "all_grants": grants,
        "session": session_for(user),
    }


def _paid_order(user, sku):
    order = Order.objects.create(
        user_id=user.pk,
        site_id=1,
        status=1,
        billing_detail_email=user.email,
        item_total=Decimal(5),
        total=Decimal(5),
        transaction_id="BENCH",
    )
    OrderItem.objects.create(
        order=order,
        sku=sku,
        description="ebook",
        quantity=1,
        unit_price=Decimal(5),
        total_price=Decimal(5),
    )
    mark_order_paid(order)
    return order


def cpu_per_download(session, downloads, rounds):
    """bench.task helper: the process CPU of one counted download, in this
    process (the deployment's settings and PostgreSQL, Django's test
    client, no nginx): ``rounds`` rounds of ``downloads`` whole-file
    downloads through the order history's first link. Less noisy on a
    shared machine than the load benchmark, whose clients, nginx and
    database share the CPUs. Returns the median of the rounds' CPU ms per
    download, each round's, and the queries of one download."""
    import re
    import time
    from statistics import median

    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session
    history = client.get("/account/orders/", secure=True)
    link = re.search(r'href="(/account/orders/\d+/files/\d+/\?key=[^"]+)"', history.content.decode())[1]
    link = link.replace("&amp;", "&")
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    def download():
        response = client.get(link, secure=True)
        if response.status_code != 200 or not response.has_header("X-Accel-Redirect"):
            raise RuntimeError(f"{link}: {response.status_code}\n{response.content[:800]!r}")

    download()  # warms up: not measured
    with connection.execute_wrapper(count):
        download()
    per_round = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(downloads):
            download()
        per_round.append((time.process_time() - start) * 1000 / downloads)
    return {"cpu_ms": median(per_round), "rounds_cpu_ms": per_round, "queries": len(queries)}
