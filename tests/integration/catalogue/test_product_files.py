"""Product files: upload through the admin, metadata, mapping, storage."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from shop_ext.models import ProductFile
from tests.admin_forms import add_inline_forms, admin_form_data
from tests.factories import EPUB, book_with_files, variation

pytestmark = pytest.mark.django_db


def upload(staff, book, name, content, variations=(), **extra):
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(staff.get(url))
    row = {"file": SimpleUploadedFile(name, content, content_type="text/html"), "title": "", **extra}
    if variations:
        row["variations"] = [str(v.pk) for v in variations]
    add_inline_forms(data, "files", [row])
    return staff.post(url, data)


def test_upload_records_metadata_from_the_bytes_not_the_browser(staff, settings):
    book = book_with_files(files=())
    ebook = variation(book, option3="eBook")
    response = upload(staff, book, "Almanac Final.epub", EPUB, variations=[ebook])
    assert response.status_code == 302, response.context["inline_admin_formsets"][-2].formset.errors
    product_file = ProductFile.objects.get(product=book)
    assert product_file.original_filename == "Almanac Final.epub"
    assert product_file.size == len(EPUB)
    assert product_file.sha256 == hashlib.sha256(EPUB).hexdigest()
    assert (
        product_file.content_type == "application/zip" or product_file.content_type == "application/epub+zip"
    )
    assert product_file.content_type != "text/html"
    stored = Path(product_file.file.path)
    assert stored.is_relative_to(settings.SENDFILE_ROOT)
    assert stored.name != "Almanac Final.epub"
    assert list(ProductFile.objects.for_variation(ebook)) == [product_file]
    assert list(ProductFile.objects.for_variation(variation(book, option3="Paperback"))) == []


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("empty.epub", b"", "empty"),
        ("big.pdf", b"%PDF" + b"x" * 2048, "larger than the limit"),
    ],
)
def test_bad_uploads_get_a_form_error_and_store_nothing(staff, settings, name, content, error):
    settings.SHOP_PRODUCT_FILE_MAX_BYTES = 1024
    book = book_with_files(files=())
    response = upload(staff, book, name, content)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ProductFile.objects.exists()
    assert not Path(settings.SENDFILE_ROOT).exists() or not any(Path(settings.SENDFILE_ROOT).rglob("*.*"))


def test_hostile_filename_is_stored_under_a_safe_name(staff, settings):
    book = book_with_files(files=())
    response = upload(staff, book, "../../evil\x07name.epub", EPUB)
    assert response.status_code == 302
    product_file = ProductFile.objects.get()
    assert "/" not in product_file.original_filename
    assert "\x07" not in product_file.original_filename
    assert Path(product_file.file.path).resolve().is_relative_to(Path(settings.SENDFILE_ROOT).resolve())


def test_product_wide_file_is_delivered_by_every_variation():
    book = book_with_files(files=())
    from django.core.files.base import ContentFile

    bonus = ProductFile.objects.create(
        product=book, file=ContentFile(b"%PDF bonus", name="map.pdf"), for_all_variations=True
    )
    for fmt in ("Paperback", "eBook", "Paperback + eBook"):
        assert list(ProductFile.objects.for_variation(variation(book, option3=fmt))) == [bonus]


def test_replacing_keeps_the_old_version_and_deleting_cleans_storage(django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    book = book_with_files()
    product_file = book.files.first()
    old_path = Path(product_file.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        product_file.file = ContentFile(b"PK\x03\x04 v2", name="v2.epub")
        product_file.save()
    assert old_path.exists()  # version 1 (tests/integration/delivery/test_versions.py)
    assert product_file.sha256 == hashlib.sha256(b"PK\x03\x04 v2").hexdigest()
    new_path = Path(product_file.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        product_file.delete()
    assert not new_path.exists()
    assert not old_path.exists()


def test_a_file_a_paid_order_needs_cannot_be_deleted(paid_order, staff):
    product_file = paid_order.download_grants.first().file
    with pytest.raises(ProtectedError):
        product_file.delete()
    book = product_file.product
    response = staff.post(f"/admin/shop_ext/book/{book.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # the admin explains what protects it
    assert "protected" in response.content.decode().lower()
    assert Path(product_file.file.path).exists()


def test_new_files_reach_past_buyers_only_when_the_setting_says_so(
    paid_order, settings, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    book = paid_order.download_grants.first().file.product
    ebook = variation(book, option3="eBook")
    with django_capture_on_commit_callbacks(execute=True):
        extra = ProductFile.objects.create(product=book, file=ContentFile(b"%PDF map", name="map.pdf"))
        extra.variations.add(ebook)
    assert paid_order.download_grants.count() == 2

    settings.SHOP_GRANT_NEW_FILES_TO_PAST_BUYERS = True
    with django_capture_on_commit_callbacks(execute=True):
        audio = ProductFile.objects.create(product=book, file=ContentFile(b"ID3 audio", name="intro.mp3"))
        audio.variations.add(ebook)
    assert paid_order.download_grants.filter(file=audio).exists()


def test_category_page_queries_do_not_grow_with_products(client, settings):
    from cartridge.shop.models import Category

    settings.SHOP_PER_PAGE_CATEGORY = 50
    settings.SHOP_PAGE_CACHE_SECONDS = 0  # the cost of building the page
    category = Category.objects.create(title="Books", content="")

    def queries_for(count):
        while category.products.count() < count:
            book = book_with_files(title=f"Book {category.products.count()}")
            book.categories.add(category)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(category.get_absolute_url())
        assert response.status_code == 200
        assert len(response.context["products"].object_list) == count
        return len(ctx.captured_queries)

    client.get(category.get_absolute_url())  # warm per-process caches (site, settings)
    assert queries_for(2) == queries_for(8)


def test_product_page_queries_do_not_grow_with_variations(client):
    from tests.factories import add_file, make_product

    def queries_for(formats):
        product = make_product(dict.fromkeys(formats, "5.00"), stock=3)
        add_file(product, formats[0], name=f"{len(formats)}.epub")
        client.get(product.get_absolute_url())  # warm per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(product.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    assert queries_for(["eBook", "Paperback"]) == queries_for(
        ["eBook", "Paperback", "Paperback + eBook", "Download", "Hardback", "Audio CD"]
    )


def test_deleting_an_unsold_product_removes_its_files(staff, django_capture_on_commit_callbacks):
    book = book_with_files()
    paths = [Path(f.file.path) for f in book.files.all()]
    assert paths
    assert all(p.exists() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/admin/shop_ext/book/{book.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ProductFile.objects.exists()
    assert not any(p.exists() for p in paths)


def test_migrations_for_our_apps_and_shop_are_complete():
    from django.core.management import call_command

    call_command("makemigrations", "shop", "shop_ext", check=True, dry_run=True, verbosity=0)
