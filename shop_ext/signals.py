"""Keep private storage in step with ProductFile rows."""
from django.db import transaction
from django.db.models.signals import post_delete, pre_save
from django.dispatch import receiver

from .models import ProductFile


def _delete_after_commit(storage, name):
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(pre_save, sender=ProductFile)
def remove_replaced_file(sender, instance, **kwargs):
    if instance.pk is None:
        return
    old = ProductFile.objects.filter(pk=instance.pk).values_list("file", flat=True).first()
    if old and old != instance.file.name:
        _delete_after_commit(instance.file.storage, old)


@receiver(post_delete, sender=ProductFile)
def remove_deleted_file(sender, instance, **kwargs):
    _delete_after_commit(instance.file.storage, instance.file.name)
