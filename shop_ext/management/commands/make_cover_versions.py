"""Make the WebP versions of every product image saved before they existed
(shop_ext/catalogue/covers.py); images saved since get them on save."""

from cartridge.shop.models import ProductImage
from django.core.management.base import BaseCommand

from shop_ext.catalogue import covers


class Command(BaseCommand):
    help = "Make the WebP cover versions (1x, 2x) of every product image."

    def handle(self, *args, **options):
        images = list(ProductImage.objects.exclude(file="").order_by("pk"))
        made = sum(bool(covers.make_for_image(image)) for image in images)
        self.stdout.write(f"WebP versions made for {made} of {len(images)} images.")
