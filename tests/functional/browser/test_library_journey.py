"""A reader's library in Debian's Chromium: the buyer finds their book in
/account/library/, makes a feed address for their reading app and copies
it (the feed then lists the book; a reload neither shows nor remakes it),
and anyone downloads the book's free
sample from its product page."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from shop_ext.models import Book, ProductSample
from shop_ext.orders.actions import mark_order_paid
from tests.functional.browser.test_journeys import BOOK, place_ebook_order, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_finds_their_library_copies_the_feed_and_gets_a_sample(
    live_server, demo, client, new_page, shoot, check_a11y
):
    order = place_ebook_order(client)
    mark_order_paid(order)
    book = Book.objects.get(title=BOOK)
    epub = book.files.get(content_type="application/epub+zip")
    ProductSample.objects.create(product=book, product_file=epub)

    reader = new_page()
    reader.goto(live_server.url + "/account/library/")
    sign_in(reader, "demo-buyer", "demo-buyer")
    expect(reader.get_by_role("heading", level=1)).to_have_text("My library")
    entry = reader.locator(f"#book-{book.pk}")
    expect(entry).to_contain_text(BOOK)
    expect(entry.get_by_role("link", name=f"Download {epub.download_name}")).to_be_visible()

    reader.get_by_role("button", name="Make a feed address").click()
    feed_field = reader.get_by_label(re.compile("Your feed's address"))
    feed_url = feed_field.input_value()
    assert re.search(r"/account/library/opds/[A-Za-z0-9_-]{43}/$", feed_url)
    check_a11y(reader)
    shoot(reader, "library")
    # A reload (the browser would re-send a POST; this page came by a redirect)
    # shows the address no more and leaves it working.
    reader.reload()
    expect(reader.get_by_text("Your feed is on.")).to_be_visible()
    expect(reader.get_by_label(re.compile("Your feed's address"))).to_have_count(0)

    # The app that was given the address reads the feed: no session needed.
    app = new_page()
    feed = app.request.get(live_server.url + urlsplit(feed_url).path)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("application/atom+xml;profile=opds-catalog")
    assert BOOK.replace("'", "&#x27;") in feed.text() or BOOK in feed.text()

    visitor = new_page()
    visitor.goto(live_server.url + book.get_absolute_url())
    with visitor.expect_download() as info:
        visitor.get_by_role("link", name="Download a free sample").click()
    download = info.value
    assert download.suggested_filename == "the-lighthouse-keepers-almanac-sample.epub"
    with epub.file.open("rb") as stored:
        assert download.path().read_bytes() == stored.read()
