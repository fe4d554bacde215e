"""Data and in-process measurements for bench/checkout.py (run via bench.task)."""

import time
from decimal import Decimal
from statistics import median

from cartridge.shop import checkout as cartridge_checkout
from cartridge.shop.models import DiscountCode, Order, OrderItem, Product, ProductOption
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore

from shop_ext.models import ProductFile


def _product(title, fmt, price, stock):
    ProductOption.objects.get_or_create(type=3, name=fmt)
    product = Product.objects.create(title=title, content=f"<p>{title}</p>", available=True, status=2)
    product.variations.create_from_options({"option3": [fmt]})
    product.variations.manage_empty()
    for variation in product.variations.all():
        variation.unit_price = Decimal(price)
        variation.num_in_stock = stock
        variation.default = True
        variation.save()
    product.copy_default_variation()
    return product


def session_for(user):
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "shop_ext.accounts.backends.ShopBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def setup(clients, sides):
    """A paperback, an ebook with a file, a 10% code, and one signed-in
    session per client and side."""
    paperback = _product("Bench paperback", "Paperback", "12.00", 10**6)
    ebook = _product("Bench ebook", "eBook", "7.00", None)
    product_file = ProductFile.objects.create(
        product=ebook,
        file=f"products/{ebook.pk}/bench.epub",
        original_filename="bench.epub",
        size=1_234_567,
        content_type="application/epub+zip",
        sha256="0" * 64,
    )
    product_file.variations.set(ebook.variations.all())
    DiscountCode.objects.create(title="Bench", code="BENCH10", active=True, discount_percent=Decimal(10))
    User = get_user_model()
    sessions = {side: [] for side in sides}
    for n in range(clients):
        user = User.objects.create_user(f"bench-{n}", f"bench-{n}@example.com", None)
        for side in sides:
            sessions[side].append(session_for(user))
    return {
        "paperback": paperback.get_absolute_url(),
        "ebook": ebook.get_absolute_url(),
        "sessions": sessions,
        "skus": [paperback.variations.get().sku, ebook.variations.get().sku],
    }


# The billing and the shipping address of the generated orders.
ADDRESS = {
    "first_name": "Dana",
    "last_name": "Reader",
    "street": "1 Paper Lane",
    "city": "Bookham",
    "postcode": "BK1",
    "country": "UK",
    "phone": "0123",
}


def _unpaid_order(user, skus, n):
    order = Order.objects.create(
        user_id=user.pk,
        site_id=1,
        status=1,
        **{f"billing_detail_{field}": value for field, value in ADDRESS.items()},
        **{f"shipping_detail_{field}": value for field, value in ADDRESS.items()},
        billing_detail_email=f"{user.username}@example.com",
        item_total=Decimal("19.00"),
        total=Decimal("23.50"),
        shipping_total=Decimal("4.50"),
        transaction_id=f"BENCH-{n}",
    )
    for sku in skus:
        OrderItem.objects.create(
            order=order,
            sku=sku,
            description=sku,
            quantity=1,
            unit_price=Decimal("9.50"),
            total_price=Decimal("9.50"),
        )
    return order


def paid_cost(orders, skus):
    """Time our order-paid routine (grants, status, files email over SMTP
    after commit) against Cartridge's default order handler (a no-op), on
    fresh unpaid orders, alternating the two."""
    from shop_ext.orders.actions import mark_order_paid

    user = get_user_model().objects.get(username="bench-0")
    ours, stock = [], []
    for n in range(orders):
        for side, call, samples in (
            ("ours", lambda o: mark_order_paid(o), ours),
            ("stock", lambda o: cartridge_checkout.default_order_handler(None, None, o), stock),
        ):
            order = _unpaid_order(user, skus, f"{side}-{n}")
            start = time.perf_counter()
            call(order)
            samples.append((time.perf_counter() - start) * 1000)
    paid = Order.objects.filter(transaction_id__startswith="BENCH-ours", delivery__isnull=False).count()
    return {
        "ours_ms": ours,
        "stock_ms": stock,
        "median_ours_ms": median(ours),
        "median_stock_ms": median(stock),
        "orders_paid": paid,
    }
