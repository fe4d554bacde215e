"""The order-paid routine and the order statuses it moves between."""
import logging
from datetime import timedelta

from cartridge.shop.models import Order
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import digital
from .models import DownloadGrant, OrderDelivery

log = logging.getLogger(__name__)

# Keep in step with SHOP_ORDER_STATUS_CHOICES in project/settings/base.py.
UNPAID, PAID, SHIPPED, COMPLETE, CANCELLED, REFUNDED = 1, 2, 3, 4, 5, 6
PAID_STATUSES = frozenset({PAID, SHIPPED, COMPLETE})
REVOKED_STATUSES = frozenset({CANCELLED, REFUNDED})


def is_paid(order):
    return order.status in PAID_STATUSES


def mark_order_paid(order):
    """The only way an order becomes paid. Safe to call again or from two
    workers at once: one set of grants, one email.

    Returns True if this call changed the order to paid.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status in PAID_STATUSES:
            order.status = locked.status
            return False
        delivery = OrderDelivery.objects.filter(order=locked).first()
        first_payment = delivery is None
        if first_payment:
            delivery = _grant_files(locked)
        ships = any(not digital.is_digital_only(v) for v in _line_variations(locked).values())
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


def _grant_files(order):
    now = timezone.now()
    expiry_days = settings.SHOP_DOWNLOAD_EXPIRY_DAYS
    delivery = OrderDelivery.objects.create(
        order=order,
        paid_at=now,
        expires_at=now + timedelta(days=expiry_days) if expiry_days else None,
        max_attempts=settings.SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS,
    )
    variations = _line_variations(order)
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
