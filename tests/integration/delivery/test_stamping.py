"""Stamped copies: made once per grant and version by the queue, served
like any file, faithful to the book, and never another buyer's."""

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader, PdfWriter

from shop_demo.media import pdf_bytes
from shop_ext.delivery.stamping import PDF_COPY_ID_KEY
from shop_ext.models import DownloadAttempt, DownloadPolicy, OrderDelivery, StampedCopy
from tests.factories import staff_with
from tests.integration.delivery.conftest import BOOK_EPUB, BOOK_PDF, replace_file
from tests.shopper import quiet_client

pytestmark = pytest.mark.django_db

OPF = "{http://www.idpf.org/2007/opf}"


def url(grant):
    return f"/account/orders/{grant.order_id}/files/{grant.pk}/"


def grant_of(order, name):
    return order.download_grants.get(file__original_filename=name)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def download_stamped(client, grant):
    """The first request shows "preparing your copy" (the eager queue makes
    the copy after it); the next one downloads it."""
    waiting = client.get(url(grant))
    assert waiting.status_code == 202
    assert "Preparing your copy" in waiting.content.decode()
    assert waiting["Refresh"] == "3"
    return client.get(url(grant))


def test_a_stamped_pdf_keeps_pages_outline_links_and_names_the_buyer(client, stamped_order):
    grant = grant_of(stamped_order, "salt.pdf")

    response = download_stamped(client, grant)

    assert response.status_code == 200
    stamped = PdfReader(io.BytesIO(body(response)))
    original = PdfReader(io.BytesIO(BOOK_PDF))
    assert len(stamped.pages) == len(original.pages) == 5
    assert [item.title for item in stamped.outline] == [item.title for item in original.outline]
    assert [len(page["/Annots"]) for page in stamped.pages] == [1] * 5
    copy = StampedCopy.objects.get(grant=grant)
    for page, source in zip(stamped.pages, original.pages, strict=True):
        text = page.extract_text()
        assert source.extract_text().splitlines()[0] in text
        assert f"Licensed to Ada Byron, dana@example.com, order {stamped_order.pk}" in text
        assert copy.copy_id in text
    assert stamped.metadata[PDF_COPY_ID_KEY] == copy.copy_id
    assert len(copy.copy_id) == 32
    # Counted like any download, and logged with the version.
    assert OrderDelivery.objects.get(order=stamped_order).attempts_used == 1
    attempt = DownloadAttempt.objects.get(order=stamped_order)
    assert (attempt.outcome, attempt.version) == ("served", grant.version)


def test_a_stamped_epub_follows_the_epub_container_rules(client, stamped_order):
    grant = grant_of(stamped_order, "salt.epub")

    data = body(download_stamped(client, grant))

    with zipfile.ZipFile(io.BytesIO(data)) as epub:
        first = epub.infolist()[0]
        assert (first.filename, first.compress_type, first.extra) == ("mimetype", zipfile.ZIP_STORED, b"")
        assert epub.read("mimetype") == b"application/epub+zip"
        assert data[30:38] == b"mimetype"  # the name right after the first local header
        container = etree.fromstring(epub.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        package = etree.fromstring(epub.read(opf_path))
        items = {item.get("id"): item for item in package.find(f"{OPF}manifest")}
        names = set(epub.namelist())
        for item in items.values():
            assert item.get("href") in names
        spine = [ref.get("idref") for ref in package.find(f"{OPF}spine")]
        assert set(spine) <= set(items)
        assert [i.get("properties") for i in items.values()].count("nav") == 1
        licence = items[spine[-1]]
        assert licence.get("media-type") == "application/xhtml+xml"
        page = etree.fromstring(epub.read(licence.get("href")))  # well-formed XHTML
        copy = StampedCopy.objects.get(grant=grant)
        text = "".join(page.itertext())
        assert f"Licensed to Ada Byron, dana@example.com, order {stamped_order.pk}" in text
        metas = {m.get("name"): m.get("content") for m in package.iter(f"{OPF}meta") if m.get("name")}
        assert metas["shop-copy-id"] == copy.copy_id
        # The book's own files are unchanged.
        with zipfile.ZipFile(io.BytesIO(BOOK_EPUB)) as source:
            assert epub.read("chapter1.xhtml") == source.read("chapter1.xhtml")


def test_a_copy_is_made_once_per_grant_and_version_and_never_shared(client, stamped_order, paid_order_of):
    grant = grant_of(stamped_order, "salt.pdf")
    first = body(download_stamped(client, grant))
    again = client.get(url(grant))
    assert body(again) == first
    assert StampedCopy.objects.filter(grant=grant).count() == 1

    # Another buyer of the same book gets a copy of their own.
    eli_order = paid_order_of(grant.file.product, "eli")
    eli = quiet_client(get_user_model().objects.get(pk=eli_order.user_id))
    eli_copy = body(download_stamped(eli, grant_of(eli_order, "salt.pdf")))
    eli_text = PdfReader(io.BytesIO(eli_copy)).pages[0].extract_text()
    assert "eli@example.com" in eli_text
    assert "dana@example.com" not in eli_text
    # And cannot reach Dana's, by her grant or by mixing ids.
    assert eli.get(url(grant)).status_code == 404
    assert eli.get(f"/account/orders/{eli_order.pk}/files/{grant.pk}/").status_code == 404

    # A new version is a new copy.
    replace_file(
        grant.file, pdf_bytes("Salt Roads", "Mara Quill", "Second edition.", pages=3), name="salt.pdf"
    )
    newer = body(download_stamped(client, grant))
    assert len(PdfReader(io.BytesIO(newer)).pages) == 3
    assert StampedCopy.objects.filter(grant=grant).count() == 2


def test_the_zip_leaves_stamped_files_out(client, stamped_order):
    response = client.get(f"/account/orders/{stamped_order.pk}/files/all.zip")
    assert response.status_code == 404
    # Nothing to zip: no page or email offers one.
    history = client.get("/account/orders/").content.decode()
    assert "salt" in history.lower()
    assert "Download all files (zip)" not in history


def test_no_copy_is_made_for_someone_who_may_not_download(client, stamped_order):
    OrderDelivery.objects.filter(order=stamped_order).update(max_attempts=1, attempts_used=1)
    response = client.get(url(grant_of(stamped_order, "salt.pdf")))
    assert response.status_code == 403
    assert not StampedCopy.objects.exists()


def epub_with(replacements):
    """The test EPUB with some members' bytes replaced (None: left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(BOOK_EPUB)) as source, zipfile.ZipFile(out, "w") as epub:
        for member in source.infolist():
            data = replacements.get(member.filename, source.read(member))
            if data is not None:
                epub.writestr(member, data)
    return out.getvalue()


BAD_INPUTS = {
    "corrupt": b"%PDF-1.7\n" + b"\x00garbage" * 100,
    "not a zip": b"PK\x03\x04 this is no zip at all",
    "no mimetype": epub_with({"mimetype": None}),
    "broken package": epub_with({"book.opf": b"<package><metadata>"}),
    "entity in package": epub_with(
        {"book.opf": b'<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><p>&x;</p>'}
    ),
}


def encrypted_pdf():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(BOOK_PDF)))
    writer.encrypt("owner-secret", "owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("salt.pdf", BAD_INPUTS["corrupt"], "cannot be read"),
        ("salt.pdf", None, "encrypted"),
        ("salt.epub", BAD_INPUTS["not a zip"], "not a valid zip"),
        ("salt.epub", BAD_INPUTS["no mimetype"], "does not start with its 'mimetype'"),
        ("salt.epub", BAD_INPUTS["broken package"], "not well-formed"),
        ("salt.epub", BAD_INPUTS["entity in package"], "lacks metadata, manifest or spine"),
    ],
)
def test_a_file_that_cannot_be_stamped_is_delayed_and_staff_are_told(
    client, stamped_order, caplog, name, content, reason
):
    grant = grant_of(stamped_order, name)
    replace_file(grant.file, content or encrypted_pdf(), name=name)

    waiting = client.get(url(grant))
    delayed = client.get(url(grant))

    assert waiting.status_code == 202
    assert delayed.status_code == 503
    assert "delayed" in delayed.content.decode()
    copy = StampedCopy.objects.get(grant=grant)
    assert (copy.status, reason in copy.error) == ("failed", True)
    assert any(reason in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    assert OrderDelivery.objects.get(order=stamped_order).attempts_used == 0


def test_the_original_is_delivered_when_the_product_says_so(client, stamped_order, stamped_book):
    DownloadPolicy.objects.filter(product=stamped_book).update(deliver_if_stamping_fails="original")
    grant = grant_of(stamped_order, "salt.epub")
    replace_file(grant.file, BAD_INPUTS["not a zip"], name="salt.epub")

    client.get(url(grant))
    response = client.get(url(grant))

    assert response.status_code == 200
    assert body(response) == BAD_INPUTS["not a zip"]
    assert OrderDelivery.objects.get(order=stamped_order).attempts_used == 1


def test_a_file_over_the_stamping_limit_is_not_stamped(client, stamped_order, settings):
    settings.SHOP_STAMP_MAX_BYTES = 100
    grant = grant_of(stamped_order, "salt.pdf")
    client.get(url(grant))
    assert client.get(url(grant)).status_code == 503
    assert "stamping limit" in StampedCopy.objects.get(grant=grant).error


def test_staff_see_failed_copies(client, stamped_order):
    grant = grant_of(stamped_order, "salt.epub")
    replace_file(grant.file, BAD_INPUTS["not a zip"], name="salt.epub")
    client.get(url(grant))
    staff = quiet_client(staff_with("shop_ext.view_stampedcopy"))
    page = staff.get("/admin/shop_ext/stampedcopy/?status__exact=failed").content.decode()
    assert "not a valid zip" in page
    assert "FAILED" in page


def test_a_copy_no_worker_made_is_queued_again_after_a_while(client, stamped_order):
    grant = grant_of(stamped_order, "salt.pdf")
    # As if the broker lost the task: the row waits, never made.
    copy = StampedCopy.objects.create(grant=grant, version=grant.version, copy_id="c" * 32)
    assert client.get(url(grant)).status_code == 202  # not yet: a worker may be on it
    StampedCopy.objects.filter(pk=copy.pk).update(requested_at=timezone.now() - timedelta(minutes=5))

    assert client.get(url(grant)).status_code == 202  # queued again (made when the request ends)
    response = client.get(url(grant))

    assert response.status_code == 200
    assert "c" * 32 in PdfReader(io.BytesIO(body(response))).pages[0].extract_text()


def test_the_order_page_and_email_show_the_buyers_copy_not_the_master(mailoutbox, client, stamped_order):
    grant = grant_of(stamped_order, "salt.pdf")
    master = grant.version
    # Paid before any copy was made: no master size or sum, only what the buyer will get.
    files_email = next(m for m in mailoutbox if f"/files/{grant.pk}/" in m.body)
    assert "your personalised copy, version 1" in files_email.body
    assert filesizeformat(master.size) not in files_email.body
    before = client.get("/account/orders/").content.decode()
    assert master.sha256 not in before
    assert "your personalised copy" in before

    data = body(download_stamped(client, grant))

    after = client.get("/account/orders/").content.decode()
    copy = StampedCopy.objects.get(grant=grant)
    assert copy.sha256 == hashlib.sha256(data).hexdigest()
    assert copy.size == len(data)
    assert copy.sha256 in after
    assert f"your personalised copy, {filesizeformat(len(data))}" in after
    assert master.sha256 not in after
