"""File versions: a replaced file is a new version; buyers download the
newest or the one they bought, as the product says; the log says which."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop_ext.models import DownloadAttempt, DownloadGrant, DownloadPolicy
from tests.admin_forms import admin_form_data
from tests.factories import EPUB, add_file, make_book, staff_with
from tests.integration.delivery.conftest import replace_file
from tests.shopper import quiet_client

pytestmark = pytest.mark.django_db

FIXED = b"PK\x03\x04" + b"corrected epub bytes " * 64


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def epub_grant(order):
    return order.download_grants.select_related("file").get(file__original_filename="almanac.epub")


def test_buyers_get_the_newest_version_marked_updated_with_its_note(client, paid_order):
    grant = epub_grant(paid_order)
    replace_file(grant.file, FIXED, note="fixed typos in chapter 3")

    response = client.get(f"/account/orders/{paid_order.pk}/files/{grant.pk}/")

    assert body(response) == FIXED
    attempt = DownloadAttempt.objects.get(order=paid_order)
    assert (attempt.outcome, attempt.version.number) == ("served", 2)
    history = client.get("/account/orders/").content.decode()
    assert "<dt>Version</dt><dd>2</dd>" in history
    assert "updated" in history
    assert "fixed typos in chapter 3" in history


def test_with_updates_off_buyers_keep_the_version_they_bought(client, book, paid_order, buy):
    DownloadPolicy.objects.create(product=book, buyers_get_updates=False)
    grant = epub_grant(paid_order)
    replace_file(grant.file, FIXED)

    response = client.get(f"/account/orders/{paid_order.pk}/files/{grant.pk}/")

    assert body(response) == EPUB
    assert DownloadAttempt.objects.get(order=paid_order).version.number == 1
    history = client.get("/account/orders/").content.decode()
    assert "<dt>Version</dt><dd>1</dd>" in history
    assert "updated" not in history
    # Who buys after the update buys the new version.
    later = buy(book, "eBook")
    later_grant = epub_grant(later)
    assert body(client.get(f"/account/orders/{later.pk}/files/{later_grant.pk}/")) == FIXED


def test_the_zip_holds_the_versions_the_grants_serve(client, book, paid_order):
    DownloadPolicy.objects.create(product=book, buyers_get_updates=False)
    replace_file(epub_grant(paid_order).file, FIXED)
    response = client.get(f"/account/orders/{paid_order.pk}/files/all.zip")
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        assert archive.read("the-lighthouse-keepers-almanac.epub") == EPUB


def test_old_versions_stay_and_staff_may_delete_only_one_no_order_bought(
    book, paid_order, django_capture_on_commit_callbacks
):
    product_file = epub_grant(paid_order).file
    bought = product_file.current_version
    unbought = replace_file(product_file, FIXED)
    newest = replace_file(product_file, FIXED + b"again")
    assert [v.number for v in product_file.versions.all()] == [3, 2, 1]
    staff = quiet_client(staff_with("shop_ext.view_productfileversion", "shop_ext.delete_productfileversion"))

    def delete(version):
        with django_capture_on_commit_callbacks(execute=True):
            return staff.post(f"/admin/shop_ext/productfileversion/{version.pk}/delete/", {"post": "yes"})

    assert "protected" in delete(newest).content.decode().lower()  # the current one is in use
    assert "protected" in delete(bought).content.decode().lower()  # a grant bought it
    assert delete(unbought).status_code == 302
    assert [v.number for v in product_file.versions.all()] == [3, 1]
    assert bought.file.storage.exists(bought.file.name)
    assert not unbought.file.storage.exists(unbought.file.name)


def test_a_new_file_is_version_one_with_its_own_facts(db):
    book = make_book({"eBook": "5.00"}, title="Tide Tables")
    product_file = add_file(book, "eBook", name="tides.pdf", content=b"%PDF-1.4 tides")
    version = product_file.current_version
    assert (version.number, version.size, version.original_filename) == (1, 14, "tides.pdf")
    assert version.sha256 == product_file.sha256


def test_a_grant_cannot_lack_the_version_it_bought(paid_order):
    from django.db import IntegrityError, transaction

    grant = epub_grant(paid_order)
    with pytest.raises(IntegrityError), transaction.atomic():
        DownloadGrant.objects.filter(pk=grant.pk).update(version=None)


def test_staff_replace_a_file_with_a_note_in_the_product_page(client, admin_user, book, paid_order):
    product_file = epub_grant(paid_order).file
    client.force_login(admin_user)
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(client.get(url))
    row = next(
        k
        for k, v in data.items()
        if k.startswith("files-") and k.endswith("-id") and v == str(product_file.pk)
    )
    row = row.removesuffix("-id")
    data[f"{row}-file"] = SimpleUploadedFile("almanac-fixed.epub", FIXED)
    data[f"{row}-version_note"] = "fixed typos in chapter 3"

    response = client.post(url, data)

    assert response.status_code == 302
    product_file.refresh_from_db()
    version = product_file.current_version
    assert (version.number, version.note, version.size) == (2, "fixed typos in chapter 3", len(FIXED))
    assert "version 2 · almanac-fixed.epub" in client.get(url).content.decode()


def test_a_file_stored_by_a_script_is_a_version_too(client, paid_order):
    from shop_ext.models import ProductFile

    epub = epub_grant(paid_order)
    product_file = ProductFile.objects.create(
        product=epub.file.product,
        file=epub.file.file.name,  # already in private storage
        original_filename="extra.epub",
        size=epub.file.size,
        content_type="application/epub+zip",
        sha256=epub.file.sha256,
    )
    grant = DownloadGrant.objects.create(
        order=paid_order, order_item=epub.order_item, file=product_file, version=product_file.current_version
    )

    assert product_file.current_version.number == 1
    assert body(client.get(f"/account/orders/{paid_order.pk}/files/{grant.pk}/")) == EPUB
