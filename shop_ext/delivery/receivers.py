"""Keep private storage and past grants in step with ProductFile and
ProductFileVersion rows."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from shop_ext.delivery.grants import grant_file_to_past_buyers
from shop_ext.models import ProductFile, ProductFileVersion, StampedCopy


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
