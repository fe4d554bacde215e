"""The library's feed against the OPDS 1.2 schema itself: the OPDS
community's RELAX NG grammar, which includes RFC 4287's Atom grammar
(tests/schemas/opds/README.md says where both come from and how the .rng
files were made). Every page of a paged feed with several books, with their
acquisition links, must be valid; so must every page of a buyer's 1,000."""

from pathlib import Path

import pytest
from cartridge.shop.models import Product
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from shop_ext.models import DownloadGrant, ProductFile
from tests.factories import EPUB, book_with_files

from .test_library_feed import ATOM, acquisition_links, make_feed, parse

pytestmark = pytest.mark.django_db

OPDS_SCHEMA = etree.RelaxNG(etree.parse(Path(__file__).parents[2] / "schemas" / "opds" / "opds.rng"))


def assert_valid_opds(root):
    assert OPDS_SCHEMA.validate(root), OPDS_SCHEMA.error_log


def test_every_page_of_the_feed_is_valid_opds(client, buy, settings):
    settings.SHOP_LIBRARY_PAGE_SIZE = 2
    for title in ("Book A", "Book B", "Book C"):
        buy(book_with_files(title=title))
    feed_path = make_feed(client)
    client.logout()
    first = parse(client.get(feed_path))
    assert_valid_opds(first)
    (next_link,) = [link for link in first.findall(f"{ATOM}link") if link.get("rel") == "next"]
    second = parse(client.get(next_link.get("href")))
    assert_valid_opds(second)
    assert [link.get("rel") for link in second.findall(f"{ATOM}link") if link.get("rel") == "previous"]
    # Two books on the first page, each an EPUB and a PDF to acquire.
    assert len(first.findall(f"{ATOM}entry")) == 2
    assert len(acquisition_links(first)) == 4


def test_the_schema_refuses_what_opds_forbids(client, book, buy):
    """The check has teeth: the same feed made invalid in two ways OPDS
    forbids is refused."""
    buy(book)
    root = parse(client.get(make_feed(client)))
    assert_valid_opds(root)
    entry = root.find(f"{ATOM}entry")
    no_id = etree.fromstring(etree.tostring(root))
    no_id.find(f"{ATOM}entry").remove(no_id.find(f"{ATOM}entry/{ATOM}id"))
    assert not OPDS_SCHEMA.validate(no_id)
    # A "buy" acquisition link without an opds:price (OPDS 1.2, section 5.5.2).
    acquisition_links(entry)[0].set("rel", "http://opds-spec.org/acquisition/buy")
    assert not OPDS_SCHEMA.validate(root)


def test_a_thousand_books_page_through_valid_feeds_in_the_same_queries(client, book, buy):
    """A buyer with 1,000 books: the feed sends SHOP_LIBRARY_PAGE_SIZE (100)
    a page; following its next links lists every book once, each page valid
    and read in as many queries as the first. (The 999 books beyond the one
    bought through checkout are granted on its order line directly: 999
    checkouts would take a quarter of an hour.)"""
    order = buy(book, "eBook")
    line = order.items.get()
    files = []
    for n in range(999):
        product = Product.objects.create(title=f"Shelf book {n:03d}")
        product_file = ProductFile(product=product, file=ContentFile(EPUB, name=f"shelf-{n:03d}.epub"))
        product_file.save()
        files.append(product_file)
    DownloadGrant.objects.bulk_create(
        DownloadGrant(order=order, order_item=line, file=f, version=f.current_version) for f in files
    )
    path = make_feed(client)
    client.logout()
    titles, queries = [], []
    while path:
        with CaptureQueriesContext(connection) as read:
            root = parse(client.get(path))
        queries.append(len(read.captured_queries))
        assert_valid_opds(root)
        entries = root.findall(f"{ATOM}entry")
        assert len(entries) == 100
        titles += [entry.findtext(f"{ATOM}title") for entry in entries]
        path = next(
            (link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "next"), None
        )
    assert len(queries) == 10
    assert len(set(titles)) == 1000
    assert book.title in titles
    assert len(set(queries)) == 1, queries
