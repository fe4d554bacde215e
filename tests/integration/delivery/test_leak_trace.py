"""The leak trace: staff upload a found copy and the shop names the order
and buyer it was stamped for, or says plainly that it is not ours."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter

from shop_ext.models import StampedCopy
from tests.factories import staff_with
from tests.integration.delivery.conftest import BOOK_PDF
from tests.integration.delivery.test_stamping import body, download_stamped, grant_of
from tests.shopper import quiet_client

pytestmark = pytest.mark.django_db

TRACE_URL = "/admin/shop_ext/stampedcopy/trace/"


@pytest.fixture
def tracer(db):
    return quiet_client(staff_with("shop_ext.view_stampedcopy", "shop_ext.trace_leak"))


def trace(tracer, name, data):
    return tracer.post(TRACE_URL, {"found_file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize("name", ["salt.pdf", "salt.epub"])
def test_a_found_copy_names_its_order_and_buyer(client, stamped_order, tracer, name):
    found = body(download_stamped(client, grant_of(stamped_order, name)))

    page = trace(tracer, "found-" + name, found).content.decode()

    copy = StampedCopy.objects.get()
    assert f"Stamped for order #{stamped_order.pk}" in page
    assert "Ada Byron, dana@example.com" in page
    assert copy.copy_id in page


def test_a_copy_whose_metadata_was_stripped_is_found_by_its_page_text(client, stamped_order, tracer):
    found = PdfReader(io.BytesIO(body(download_stamped(client, grant_of(stamped_order, "salt.pdf")))))
    stripped = PdfWriter()
    for page in found.pages:
        stripped.add_page(page)
    out = io.BytesIO()
    stripped.write(out)
    assert "/ShopCopyId" not in (PdfReader(io.BytesIO(out.getvalue())).metadata or {})

    page = trace(tracer, "stripped.pdf", out.getvalue()).content.decode()

    assert f"Stamped for order #{stamped_order.pk}" in page


def damaged_epub(damage):
    """A small EPUB-shaped zip whose mimetype member is then damaged:
    "crc" changes its stored bytes, "encrypted" sets its encryption flag."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr("META-INF/container.xml", "<container/>")
    data = bytearray(out.getvalue())
    if damage == "crc":
        data[data.index(b"application/epub+zip")] = ord("A")
    else:
        for header, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            data[data.index(header) + flags_at] |= 1
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("book.pdf", BOOK_PDF, "it was not stamped here"),
        ("bad-crc.epub", damaged_epub("crc"), "cannot be read as a PDF or EPUB"),
        ("encrypted.epub", damaged_epub("encrypted"), "cannot be read as a PDF or EPUB"),
        ("notes.txt", b"just some notes", "cannot be read as a PDF or EPUB"),
        ("broken.epub", b"PK\x03\x04 broken", "cannot be read as a PDF or EPUB"),
        ("other.pdf", None, "matches no copy made by this shop"),
    ],
)
def test_a_file_that_is_not_ours_gets_a_clear_message(tracer, stamped_order, name, data, message):
    if data is None:  # another shop's identifier, or one made up
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(BOOK_PDF)))
        writer.add_metadata({"/ShopCopyId": "0" * 32})
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()

    response = trace(tracer, name, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Stamped for order" not in response.content.decode()


def test_an_empty_upload_is_a_form_error(tracer):
    response = tracer.post(TRACE_URL, {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_staff_without_the_permission_cannot_trace(stamped_order):
    client = quiet_client(staff_with("shop_ext.view_stampedcopy"))
    assert client.get(TRACE_URL).status_code == 403
    assert "Trace a found copy" not in client.get("/admin/shop_ext/stampedcopy/").content.decode()


def changelist(client, query):
    return client.get("/admin/shop_ext/stampedcopy/", {"q": query}).content.decode()


def test_searching_copies_by_identifier_or_email_needs_the_trace_permission(client, stamped_order, tracer):
    download_stamped(client, grant_of(stamped_order, "salt.pdf"))
    copy = StampedCopy.objects.get()
    viewer = quiet_client(staff_with("shop_ext.view_stampedcopy"))
    order_link = f"/admin/shop/order/{stamped_order.pk}/change/"

    for query in (copy.copy_id, "dana@example.com"):
        assert order_link not in changelist(viewer, query)
        assert order_link in changelist(tracer, query)
    # Without the permission: found by order number, no identifier shown.
    by_order = changelist(viewer, str(stamped_order.pk))
    assert order_link in by_order
    assert copy.copy_id not in by_order
    assert copy.copy_id in changelist(tracer, str(stamped_order.pk))
    # Nor by filters written into the list's address.
    for lookup in (
        f"copy_id={copy.copy_id}",
        f"copy_id__startswith={copy.copy_id[:3]}",
        f"sha256={copy.sha256}",
        f"file__contains={copy.copy_id[:6]}",
    ):
        refused = viewer.get(f"/admin/shop_ext/stampedcopy/?{lookup}")
        assert refused.status_code == 400
        assert order_link not in refused.content.decode()
        assert order_link in tracer.get(f"/admin/shop_ext/stampedcopy/?{lookup}").content.decode()
    assert viewer.get("/admin/shop_ext/stampedcopy/?status=ready").status_code == 200
