"""What a stamped copy says and where it is kept (shop_ext.delivery.stamping):
the buyer's licence line, the EPUB's licence page, the copy identifier the
leak trace reads back, the copy's file name, which files are stamped. No
database: the rows are built and never saved. Making copies through the
queue and the download views: tests/integration/delivery/test_stamping.py."""

import io

import pytest
from cartridge.shop.models import Order, Product
from lxml import etree
from pypdf import PdfReader, PdfWriter

from shop_demo.media import pdf_bytes
from shop_ext.delivery import stamping
from shop_ext.models import DownloadGrant, DownloadPolicy, ProductFileVersion, StampedCopy

COPY_ID = "0123456789abcdef0123456789abcdef"
XHTML = "{http://www.w3.org/1999/xhtml}"


def order_of(first="Dana", last="Reader", email="dana@example.com", number=1042):
    return Order(
        pk=number, billing_detail_first_name=first, billing_detail_last_name=last, billing_detail_email=email
    )


def test_the_licence_line_names_the_buyer_the_order_and_the_copy():
    line = stamping.licence_line(order_of(), COPY_ID)
    assert line == f"Licensed to Dana Reader, dana@example.com, order 1042 · copy {COPY_ID}"


@pytest.mark.parametrize(("first", "last", "name"), [("", "Reader", "Reader"), ("Dana", "", "Dana")])
def test_a_buyer_with_one_name_gets_no_stray_space(first, last, name):
    line = stamping.licence_line(order_of(first=first, last=last), COPY_ID)
    assert line.startswith(f"Licensed to {name}, dana@example.com,")


def test_the_leak_trace_reads_the_copy_id_back_from_the_line():
    copy_id = stamping.new_copy_id()
    found = stamping.COPY_ID_IN_TEXT.search(stamping.licence_line(order_of(), copy_id))
    assert found.group(1) == copy_id


def test_a_copy_id_is_128_random_bits_in_lowercase_hex():
    first, second = stamping.new_copy_id(), stamping.new_copy_id()
    assert len(first) == 32
    assert set(first) <= set("0123456789abcdef")
    assert first != second


@pytest.mark.parametrize("text", [f"copy {COPY_ID[:31]}", f"copy {COPY_ID}0", f"copy {COPY_ID.upper()}"])
def test_text_that_only_looks_like_a_copy_id_is_not_one(text):
    assert stamping.COPY_ID_IN_TEXT.search(text) is None


def test_the_licence_page_is_xhtml_with_the_title_and_the_line_as_text():
    """A title or a buyer's name with markup in it stays text."""
    line = stamping.licence_line(order_of(first="<b>Dana</b> & Co"), COPY_ID)
    page = etree.fromstring(stamping.licence_page(line, "Salt & <Roads>"), stamping.safe_xml())
    paragraphs = [p.text for p in page.iter(f"{XHTML}p")]
    assert paragraphs[:2] == ["Salt & <Roads>", line]
    assert page.find(f".//{XHTML}b") is None
    assert stamping.COPY_ID_IN_TEXT.search(paragraphs[1]).group(1) == COPY_ID


def stamped_copy(filename, order_id=7):
    return StampedCopy(
        grant=DownloadGrant(order_id=order_id),
        version=ProductFileVersion(original_filename=filename),
        copy_id=COPY_ID,
    )


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("Salt Roads.PDF", f"stamped/order-7/{COPY_ID}.pdf"),
        ("salt.epub", f"stamped/order-7/{COPY_ID}.epub"),
        ("../../etc/passwd.pdf", f"stamped/order-7/{COPY_ID}.pdf"),
    ],
)
def test_a_copy_is_kept_in_its_order_s_folder_named_by_its_id(filename, name):
    """Only the upload's extension is kept, lower case: never a path of the buyer's or the editor's."""
    assert stamping.copy_path(stamped_copy(filename)) == name


def product_with(stamp_copies=None):
    product = Product(title="Salt Roads")
    if stamp_copies is not None:
        DownloadPolicy(product=product, stamp_copies=stamp_copies)
    return product


@pytest.mark.parametrize(
    ("stamp_copies", "content_type", "stamped"),
    [
        (True, stamping.PDF, True),
        (True, stamping.EPUB, True),
        (True, "audio/mpeg", False),
        (False, stamping.PDF, False),
        (None, stamping.PDF, False),  # no download settings of its own
    ],
)
def test_only_pdf_and_epub_files_of_a_product_that_asks_for_it_are_stamped(
    stamp_copies, content_type, stamped
):
    version = ProductFileVersion(content_type=content_type)
    assert stamping.applies(product_with(stamp_copies), version) is stamped


def stamped_pdf(line, copy_id=COPY_ID, pages=3):
    out = io.BytesIO()
    stamping.stamp_pdf(
        io.BytesIO(pdf_bytes("Salt Roads", "Mara Quill", "The salt flats.", pages)), out, line, copy_id
    )
    out.seek(0)
    return out


def test_every_page_of_a_stamped_pdf_carries_the_licence_line():
    line = stamping.licence_line(order_of(), COPY_ID)
    reader = PdfReader(stamped_pdf(line))
    assert len(reader.pages) == 3
    assert all(line in page.extract_text() for page in reader.pages)
    assert reader.metadata[stamping.PDF_COPY_ID_KEY] == COPY_ID


def test_the_copy_id_is_read_from_the_page_text_when_the_metadata_is_gone():
    line = stamping.licence_line(order_of(), COPY_ID)
    stripped = PdfWriter(clone_from=PdfReader(stamped_pdf(line)))
    stripped.metadata = None
    out = io.BytesIO()
    stripped.write(out)
    out.seek(0)
    assert PdfReader(out).metadata is None
    out.seek(0)
    assert stamping.pdf_copy_id(out) == COPY_ID
