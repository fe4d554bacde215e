"""Responsive covers: a product image saved (an upload in the admin) gets
WebP versions at 1x and 2x, made by the worker once the save commits, and
which were made is stored; listings offer them with srcset from that record,
asking the storage nothing and costing no query per cover. One without
versions keeps its original."""

import io
from unittest import mock

import pytest
from cartridge.shop.models import ProductImage
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from shop_demo.media import cover_png
from shop_ext.models import CoverVersions
from tests.admin_forms import add_inline_forms, admin_form_data
from tests.client import Client
from tests.factories import make_book

pytestmark = pytest.mark.django_db

SRCSET = (
    'src="/media/product/webp/{stem}-240.webp" srcset="/media/product/webp/{stem}-240.webp 1x, '
    '/media/product/webp/{stem}-480.webp 2x"'
)


@pytest.fixture
def save_cover(django_capture_on_commit_callbacks):
    """Give a product a cover image as the admin saves it; the worker's task
    (run at once without a broker) makes the versions once it commits."""

    def save(product, name="product/harbour.png", content=None):
        default_storage.save(name, ContentFile(content or cover_png(product.title, "A. Writer", "#336699")))
        with django_capture_on_commit_callbacks(execute=True):
            ProductImage.objects.create(product=product, file=name, description="cover")
        product.image = name
        product.save()
        return name

    return save


def test_an_upload_in_the_admin_makes_both_versions(staff, harbour):
    default_storage.save("product/harbour.png", ContentFile(cover_png("The Harbour", "A. Writer", "#336699")))
    change_url = f"/admin/shop_ext/book/{harbour.pk}/change/"
    data = add_inline_forms(
        admin_form_data(staff.get(change_url)),
        "images",
        [{"file": "product/harbour.png", "description": "cover"}],
    )

    response = staff.post(change_url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    for width in (240, 480):
        with (
            default_storage.open(f"product/webp/harbour-{width}.webp") as version,
            Image.open(version) as image,
        ):
            assert image.format == "WEBP"
            assert image.size == (width, width * 3 // 2)
    assert CoverVersions.objects.get(image__product=harbour).widths == [240, 480]


def test_listings_offer_the_versions_with_srcset(harbour, category, save_cover):
    save_cover(harbour)

    page = Client().get(category.get_absolute_url()).content.decode()

    assert SRCSET.format(stem="harbour") in page


def covers_on_the_category_page(category, numbers, save_cover):
    """Add books numbered ``numbers`` with covers; (storage exists() calls,
    queries) of the category page listing every cover so far."""
    for number in numbers:
        book = make_book({"Paperback": "9.00"}, stock=3, title=f"Listed {number}")
        book.categories.add(category)
        save_cover(book, name=f"product/listed-{number}.png")
    exists = mock.patch.object(
        FileSystemStorage, "exists", autospec=True, side_effect=FileSystemStorage.exists
    )
    with exists as asked, CaptureQueriesContext(connection) as queries:
        page = Client().get(category.get_absolute_url())
    assert page.status_code == 200
    assert page.content.decode().count("-480.webp 2x") == numbers.stop
    return asked.call_count, len(queries)


def test_a_listing_asks_the_storage_nothing_and_no_query_per_cover(harbour, category, save_cover):
    # The first request of a process reads what the next ones reuse (the site's
    # domains and settings, content types).
    Client().get(category.get_absolute_url())
    few = covers_on_the_category_page(category, range(0, 1), save_cover)
    more = covers_on_the_category_page(category, range(1, 4), save_cover)

    assert few[0] == more[0] == 0  # no exists() (on S3, a HEAD each)
    assert few[1] == more[1]


def test_the_product_pages_related_covers_ask_the_storage_nothing(harbour, save_cover):
    related = make_book({"Paperback": "9.00"}, stock=3, title="Next Door")
    save_cover(related, name="product/next-door.png")
    harbour.related_products.add(related)
    exists = mock.patch.object(
        FileSystemStorage, "exists", autospec=True, side_effect=FileSystemStorage.exists
    )

    with exists as asked:
        page = Client().get(harbour.get_absolute_url())

    assert SRCSET.format(stem="next-door") in page.content.decode()
    assert asked.call_count == 0


def test_an_image_pillow_cannot_read_keeps_its_original_and_saves(harbour, category, save_cover):
    save_cover(harbour, name="product/broken.png", content=b"not an image")

    page = Client().get(category.get_absolute_url())

    assert page.status_code == 200
    assert "broken-240.webp" not in page.content.decode()
    assert not default_storage.exists("product/webp/broken-240.webp")
    assert CoverVersions.objects.get(image__product=harbour).widths == []


def test_a_cover_whose_versions_are_not_made_yet_shows_its_original(harbour, category):
    default_storage.save("product/harbour.png", ContentFile(cover_png("The Harbour", "A. Writer", "#336699")))
    ProductImage.objects.create(product=harbour, file="product/harbour.png")  # the worker has not run
    harbour.image = "product/harbour.png"
    harbour.save()

    page = Client().get(category.get_absolute_url()).content.decode()

    assert "harbour-240.webp" not in page
    assert 'src="/media/product/.thumbnails/harbour.png/harbour-240x360.png"' in page


def test_images_saved_before_get_their_versions_from_the_command(harbour, category):
    default_storage.save("product/harbour.png", ContentFile(cover_png("The Harbour", "A. Writer", "#336699")))
    ProductImage.objects.create(product=harbour, file="product/harbour.png")
    harbour.image = "product/harbour.png"
    harbour.save()
    out = io.StringIO()

    call_command("make_cover_versions", stdout=out)

    assert default_storage.exists("product/webp/harbour-240.webp")
    assert "1 of 1" in out.getvalue()
    assert SRCSET.format(stem="harbour") in Client().get(category.get_absolute_url()).content.decode()
