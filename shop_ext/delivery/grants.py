"""Download grants: what a paid order may download, recorded at paid time
so that later catalogue edits do not change what a buyer got."""

import logging
from datetime import timedelta

from cartridge.shop.models import OrderItem, ProductVariation
from django.conf import settings
from django.utils import timezone

from shop_ext.catalogue import availability
from shop_ext.models import DownloadGrant, DownloadPolicy, OrderDelivery

log = logging.getLogger(__name__)


def limits_for(variations):
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


def grant_files(order, lines, variations):
    """Record the order's limits and a grant per line and file; ``lines``:
    the order's items, ``variations`` maps their SKUs to the catalogue's
    variations. The files of every line are read in one query."""
    now = timezone.now()
    max_attempts, expiry_days = limits_for(variations.values())
    delivery = OrderDelivery.objects.create(
        order=order,
        paid_at=now,
        expires_at=now + timedelta(days=expiry_days) if expiry_days else None,
        max_attempts=max_attempts,
    )
    files = availability.files_of_products({v.product_id for v in variations.values()})
    grants = []
    for item in lines:
        variation = variations.get(item.sku)
        if variation is None:
            delivery.unmatched_skus.append(item.sku)
            log.warning("Order #%s: line SKU %r matches no variation; nothing granted", order.pk, item.sku)
            continue
        grants += [
            DownloadGrant(order=order, order_item=item, file=f, version_id=f.current_version_id)
            for f in files
            if availability.delivers(f, variation)
        ]
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
    grants = [
        DownloadGrant(
            order_id=item.order_id,
            order_item=item,
            file=product_file,
            version_id=product_file.current_version_id,
        )
        for item in items
    ]
    DownloadGrant.objects.bulk_create(grants, ignore_conflicts=True)
    return len(grants)


# What a download query joins so that served_version needs no query of its own.
SERVED_VERSION_RELATED = ("file__current_version", "file__product__download_policy", "version")


def buyers_get_updates(product):
    policy = getattr(product, "download_policy", None)  # reverse one-to-one: absent raises, getattr copes
    return policy is None or policy.buyers_get_updates


def served_version(grant):
    """The version this grant downloads: the newest when the product gives
    buyers updates (the default), else the version bought."""
    version = grant.file.current_version if buyers_get_updates(grant.file.product) else grant.version
    version.product_file = grant.file  # the row at hand: no query for its download name
    return version


def is_update(grant, version):
    """Is ``version`` newer than what the grant's order bought?"""
    return version.number > grant.version.number
