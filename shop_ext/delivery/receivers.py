"""The delivery's part when an order is paid or emailed (the orders
feature's signals), and private storage and past grants kept in step with
ProductFile and ProductFileVersion rows. Connected by importing this module
(ShopExtConfig.ready)."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from shop_ext.core.links import absolute_url
from shop_ext.delivery.emails import files_email_context
from shop_ext.delivery.grants import grant_file_to_past_buyers, grant_files
from shop_ext.delivery.private_links import holder_of, page_url
from shop_ext.models import OrderDelivery, OrderEmail, ProductFile, ProductFileVersion, StampedCopy
from shop_ext.orders import PAID_STATUSES
from shop_ext.orders.signals import order_email_context, order_paid
from shop_ext.orders.tasks import queue_order_email


@receiver(order_paid)
def grant_paid_files(sender, order, lines, variations, announce, **kwargs):
    """On an order's first payment, its limits and a grant per line and
    file, and the "your files are ready" email if asked for. An order paid
    again (after a refund or cancellation) keeps the grants it has."""
    if OrderDelivery.objects.filter(order=order).exists():
        return
    grant_files(order, lines, variations)
    if announce == OrderEmail.FILES and order.download_grants.exists():
        queue_order_email(order, OrderEmail.FILES)


@receiver(order_email_context)
def order_email_links(sender, order, kind, **kwargs):
    """The buyer's links in an order email: its files, in the files email
    and in the receipt of a paid order (one email per purchase); else, in
    the receipt, the order's private page, where a guest finds the order
    again (to pay again; later, its files)."""
    if kind == OrderEmail.FILES or (order.status in PAID_STATUSES and order.download_grants.exists()):
        return files_email_context(order)
    return {"order_url": absolute_url(page_url(holder_of(order)))}


def _delete_after_commit(storage, name):
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_delete, sender=ProductFileVersion)
@receiver(post_delete, sender=StampedCopy)
def remove_deleted_version_file(sender, instance, **kwargs):
    """A replaced file stays as its version; it goes when staff delete a
    version no order bought (one bought is protected by its grants)."""
    _delete_after_commit(instance.file.storage, instance.file.name)


@receiver(post_delete, sender=ProductFile)
def remove_deleted_file(sender, instance, **kwargs):
    _delete_after_commit(instance.file.storage, instance.file.name)


@receiver(m2m_changed, sender=ProductFile.variations.through)
def offer_new_file_to_past_buyers(sender, instance, action, **kwargs):
    if action == "post_add" and isinstance(instance, ProductFile):
        _grant_after_commit(instance)


@receiver(post_save, sender=ProductFile)
def offer_product_wide_file_to_past_buyers(sender, instance, **kwargs):
    if instance.for_all_variations:
        _grant_after_commit(instance)


def _grant_after_commit(product_file):
    if settings.SHOP_GRANT_NEW_FILES_TO_PAST_BUYERS:
        transaction.on_commit(lambda: grant_file_to_past_buyers(product_file))
