from cartridge.shop.models import ProductImage
from celery import shared_task

from shop_ext.catalogue import covers
from shop_ext.core.tasks import RETRY_TEMPORARY


@shared_task(name="shop_ext.catalogue.tasks.make_cover_versions", **RETRY_TEMPORARY)
def make_cover_versions(image_id):
    """The WebP versions of one product image (covers.py), made once it is
    saved; safe to run twice (the versions are replaced)."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is not None and image.file:  # else deleted since, or emptied
        covers.make_for_image(image)
