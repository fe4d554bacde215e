"""Responsive covers: a saved product image gets WebP versions at 1x and
2x, which the listings offer with srcset; one without keeps its original."""

import io

import pytest
from cartridge.shop.models import ProductImage
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from shop_demo.media import cover_png
from tests.client import Client

pytestmark = pytest.mark.django_db


def save_cover(product, name="product/harbour.png", content=None):
    default_storage.save(name, ContentFile(content or cover_png("The Harbour", "A. Writer", "#336699")))
    ProductImage.objects.create(product=product, file=name, description="cover")
    product.copy_default_variation()
    product.image = name
    product.save()
    return name


def test_a_saved_image_gets_webp_versions_at_1x_and_2x(harbour):
    save_cover(harbour)

    for width in (240, 480):
        with (
            default_storage.open(f"product/webp/harbour-{width}.webp") as version,
            Image.open(version) as image,
        ):
            assert image.format == "WEBP"
            assert image.size == (width, width * 3 // 2)


def test_listings_offer_the_versions_with_srcset(harbour, category):
    save_cover(harbour)

    page = Client().get(category.get_absolute_url()).content.decode()

    assert (
        'src="/media/product/webp/harbour-240.webp" srcset="/media/product/webp/harbour-240.webp 1x, '
        '/media/product/webp/harbour-480.webp 2x"'
    ) in page


def test_an_image_pillow_cannot_read_keeps_its_original_and_saves(harbour, category):
    save_cover(harbour, name="product/broken.png", content=b"not an image")

    page = Client().get(category.get_absolute_url())

    assert page.status_code == 200
    assert "broken.webp" not in page.content.decode()
    assert not default_storage.exists("product/webp/broken-240.webp")


def test_images_saved_before_get_their_versions_from_the_command(harbour):
    name = save_cover(harbour)
    default_storage.delete("product/webp/harbour-240.webp")
    out = io.StringIO()

    call_command("make_cover_versions", stdout=out)

    assert default_storage.exists("product/webp/harbour-240.webp")
    assert "1 of 1" in out.getvalue()
    assert name
