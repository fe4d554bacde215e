"""The order-paid routine and the order statuses it moves between."""
import logging
from datetime import timedelta

from cartridge.shop.models import Order, OrderItem, ProductVariation
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import digital
from .models import DownloadGrant, DownloadPolicy, OrderDelivery

log = logging.getLogger(__name__)

# Keep in step with SHOP_ORDER_STATUS_CHOICES in project/settings/base.py.
UNPAID, PAID, SHIPPED, COMPLETE, CANCELLED, REFUNDED = 1, 2, 3, 4, 5, 6
PAID_STATUSES = frozenset({PAID, SHIPPED, COMPLETE})


def is_paid(order):
    return order.status in PAID_STATUSES


def mark_order_paid(order):
    """The only way an order becomes paid. Safe to call again or from two
    workers at once: one set of grants, one email.

    Returns True if this call changed the order to paid.
    """
    with transaction.atomic():
        # Lock the order row before reading it. A no-op UPDATE takes the row
        # lock on PostgreSQL and the write lock on SQLite (where
        # SELECT ... FOR UPDATE does nothing), so a second caller waits here.
        Order.objects.filter(pk=order.pk).update(status=F("status"))
        locked = Order.objects.get(pk=order.pk)
        if locked.status in PAID_STATUSES:
            order.status = locked.status
            return False
        variations = _line_variations(locked)
        delivery = OrderDelivery.objects.filter(order=locked).first()
        first_payment = delivery is None
        if first_payment:
            delivery = _grant_files(locked, variations)
        ships = any(not digital.is_digital_only(v) for v in variations.values())
        locked.status = PAID if ships or delivery.unmatched_skus else COMPLETE
        locked.save(update_fields=["status"])
        if first_payment and locked.download_grants.exists():
            from .emails import send_files_email

            transaction.on_commit(lambda: send_files_email(locked))
    order.status = locked.status
    log.info("Order #%s marked paid (status %s)", order.pk, locked.status)
    return True


def set_order_status(order, status):
    """Move an order to ``status``; becoming paid goes through mark_order_paid.

    Cancelled and refunded orders keep their grants, but the download rules
    (shop_ext.access) refuse them until the order is paid again.
    """
    if status in PAID_STATUSES and not is_paid(order):
        mark_order_paid(order)
        if status == PAID:
            return  # mark_order_paid chose Paid or, with nothing to ship, Complete
    if order.status != status:
        Order.objects.filter(pk=order.pk).update(status=status)
        order.status = status


def _line_variations(order):
    skus = order.items.values_list("sku", flat=True)
    return digital.variations_for_skus(skus, site_id=order.site_id)


def _limits(variations):
    """Attempts and days for an order: the strictest of its products' own
    limits, else the site defaults."""
    attempts = [settings.SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS]
    days = [settings.SHOP_DOWNLOAD_EXPIRY_DAYS]
    policies = DownloadPolicy.objects.filter(product_id__in={v.product_id for v in variations})
    for policy in policies:
        attempts.append(policy.max_attempts)
        days.append(policy.expiry_days)
    attempts = [a for a in attempts if a]
    days = [d for d in days if d]
    return (min(attempts) if attempts else None), (min(days) if days else None)


def _grant_files(order, variations):
    """Record the order's limits and a grant per line and file; ``variations``
    maps the lines' SKUs to the catalogue's variations."""
    now = timezone.now()
    max_attempts, expiry_days = _limits(variations.values())
    delivery = OrderDelivery.objects.create(
        order=order,
        paid_at=now,
        expires_at=now + timedelta(days=expiry_days) if expiry_days else None,
        max_attempts=max_attempts,
    )
    grants = []
    for item in order.items.all():
        variation = variations.get(item.sku)
        if variation is None:
            delivery.unmatched_skus.append(item.sku)
            log.warning("Order #%s: line SKU %r matches no variation; nothing granted", order.pk, item.sku)
            continue
        grants += [DownloadGrant(order=order, order_item=item, file=f) for f in digital.files_for(variation)]
    DownloadGrant.objects.bulk_create(grants, ignore_conflicts=True)
    if delivery.unmatched_skus:
        delivery.save(update_fields=["unmatched_skus"])
    return delivery


def grant_file_to_past_buyers(product_file):
    """Give a newly added file to orders already paid for a variation that
    now delivers it. Runs only with SHOP_GRANT_NEW_FILES_TO_PAST_BUYERS on:
    by default a purchase delivers what it delivered when it was paid."""
    variations = ProductVariation.objects.filter(product_id=product_file.product_id)
    if not product_file.for_all_variations:
        variations = variations.filter(files=product_file)
    skus = list(variations.values_list("sku", flat=True))
    items = OrderItem.objects.filter(
        sku__in=skus,
        order__site_id=product_file.product.site_id,
        order__delivery__isnull=False,
    )
    grants = [DownloadGrant(order_id=item.order_id, order_item=item, file=product_file) for item in items]
    DownloadGrant.objects.bulk_create(grants, ignore_conflicts=True)
    return len(grants)
