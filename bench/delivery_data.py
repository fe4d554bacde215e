"""A paid order whose files already sit in private storage (bench.task helper)
for bench/delivery.py and bench/download_limit.py."""

from decimal import Decimal

from cartridge.shop.models import Order, OrderItem
from django.contrib.auth import get_user_model

from bench.checkout_data import _product, session_for
from shop_ext.models import DownloadGrant, ProductFile
from shop_ext.orders.actions import mark_order_paid


def paid_order(files):
    """``files``: {name: size} of files already at SENDFILE_ROOT/bench/<name>."""
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
    order = Order.objects.create(
        user_id=user.pk,
        site_id=1,
        status=1,
        billing_detail_email=user.email,
        item_total=Decimal(5),
        total=Decimal(5),
        transaction_id="BENCH",
    )
    variation = ebook.variations.get()
    OrderItem.objects.create(
        order=order,
        sku=variation.sku,
        description="ebook",
        quantity=1,
        unit_price=Decimal(5),
        total_price=Decimal(5),
    )
    mark_order_paid(order)
    grants = {
        g.file.original_filename: g.pk
        for g in DownloadGrant.objects.filter(order=order).select_related("file")
    }
    return {"order": order.pk, "grants": grants, "session": session_for(user)}
