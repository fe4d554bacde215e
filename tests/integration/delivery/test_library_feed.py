"""The library's OPDS 1.2 feed: reached only with the buyer's token (in the
address or as HTTP Basic's password), its content read back by a feed
parser, paged, rotated and revoked, and its acquisition links downloading
through the one rule, counting an attempt."""

import base64
import re

import feedparser
import pytest
from django.test import Client
from lxml import etree

from shop_ext.core.logging import hide_private_links
from shop_ext.models import DownloadAttempt, LibraryFeed, OrderDelivery
from tests.factories import UserFactory, book_with_files

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
ACQUISITION = "http://opds-spec.org/acquisition"
FEED_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"


def shown_feed_url(response):
    """The feed address the library page shows, or None."""
    found = re.search(r'id="feed-url"[^>]*value="([^"]+)"', response.content.decode())
    return found and found.group(1)


def make_feed(client):
    """POST "make a feed address" on the library page and follow its
    redirect; the feed's path."""
    response = client.post("/account/library/feed-token/", {"action": "new"}, follow=True)
    assert response.redirect_chain == [("/account/library/#feed", 302)]
    return shown_feed_url(response).removeprefix("https://shop.example.com")


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == FEED_TYPE
    return etree.fromstring(response.content)


def acquisition_links(root):
    return [link for link in root.iter(f"{ATOM}link") if link.get("rel") == ACQUISITION]


def test_feed_lists_the_library_and_a_feed_parser_reads_it(client, book, buy):
    buy(book, "eBook")
    buy(book, "Paperback + eBook")
    feed_path = make_feed(client)
    client.logout()  # apps have no session
    response = client.get(feed_path)
    root = parse(response)
    assert root.tag == f"{ATOM}feed"
    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == book.title
    assert sorted(link.get("type") for link in acquisition_links(entry)) == [
        "application/epub+zip",
        "application/pdf",
    ]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    (item,) = parsed.entries
    assert item.title == book.title
    hrefs = [link.href for link in item.links if link.rel == ACQUISITION]
    assert len(hrefs) == 2
    assert all(href.startswith("https://shop.example.com/account/library/opds/") for href in hrefs)
    assert "Referrer-Policy" in response


def test_a_download_through_the_feed_counts_an_attempt(client, book, buy, buyer):
    order = buy(book)
    feed_path = make_feed(client)
    client.logout()
    (link, _pdf) = sorted(acquisition_links(parse(client.get(feed_path))), key=lambda a: a.get("type"))
    response = client.get(link.get("href"))
    assert response.status_code == 200
    assert OrderDelivery.objects.get(order=order).attempts_used == 1
    attempt = DownloadAttempt.objects.get(order=order)
    assert (attempt.outcome, attempt.user_id) == (DownloadAttempt.SERVED, buyer.pk)
    # The order's limits hold through the feed too.
    OrderDelivery.objects.filter(order=order).update(max_attempts=1)
    assert client.get(link.get("href")).status_code == 403


def test_feed_links_open_no_one_elses_order(client, book, buy, paid_order_of):
    buy(book)
    feed_path = make_feed(client)
    other = paid_order_of(book, "erin")
    grant = other.download_grants.first()
    assert client.get(f"{feed_path}files/{other.pk}/{grant.pk}/").status_code == 404
    assert OrderDelivery.objects.get(order=other).attempts_used == 0


def test_feed_pages(client, buy, settings):
    settings.SHOP_LIBRARY_PAGE_SIZE = 2
    for title in ("Book A", "Book B", "Book C"):
        buy(book_with_files(title=title))
    feed_path = make_feed(client)
    first = parse(client.get(feed_path))
    assert [e.findtext(f"{ATOM}title") for e in first.findall(f"{ATOM}entry")] == ["Book A", "Book B"]
    (next_link,) = [link for link in first.iter(f"{ATOM}link") if link.get("rel") == "next"]
    second = parse(client.get(next_link.get("href")))
    assert [e.findtext(f"{ATOM}title") for e in second.findall(f"{ATOM}entry")] == ["Book C"]
    assert not [link for link in second.iter(f"{ATOM}link") if link.get("rel") == "next"]


def test_rotation_ends_the_old_token_and_revoking_ends_the_feed(client, book, buy):
    buy(book)
    old = make_feed(client)
    new = make_feed(client)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    revoking = client.post("/account/library/feed-token/", {"action": "revoke"})
    assert (revoking.status_code, revoking["Location"]) == (302, "/account/library/#feed")
    assert not LibraryFeed.objects.exists()
    client.logout()
    revoked, never = client.get(new), client.get(f"/account/library/opds/{'b' * 43}/")
    # No hint: a revoked token answers as one that never was.
    assert revoked.status_code == never.status_code == 404
    token = new.strip("/").rpartition("/")[2].encode()
    assert without_csrf(revoked.content.replace(token, b"T")) == without_csrf(
        never.content.replace(b"b" * 43, b"T")
    )


def test_the_new_address_is_shown_once_and_a_refresh_makes_no_other(client, book, buy):
    """Post/Redirect/Get: the address is on the page the POST redirects to,
    once; reloading that page neither shows it again nor rotates it."""
    buy(book)
    feed_path = make_feed(client)
    stored = LibraryFeed.objects.get().token_sha256
    refreshed = client.get("/account/library/")
    assert refreshed.status_code == 200
    assert shown_feed_url(refreshed) is None
    assert feed_path.strip("/").rpartition("/")[2] not in refreshed.content.decode()
    assert "Your feed is on." in refreshed.content.decode()
    assert LibraryFeed.objects.get().token_sha256 == stored
    assert client.get(feed_path).status_code == 200
    # An address made and switched off before the page showed it is never shown.
    client.post("/account/library/feed-token/", {"action": "new"})
    client.post("/account/library/feed-token/", {"action": "revoke"})
    assert shown_feed_url(client.get("/account/library/")) is None
    # The page that shows an address sends no Referer from it.
    shown = client.post("/account/library/feed-token/", {"action": "new"}, follow=True)
    assert shown["Referrer-Policy"] == "no-referrer"


def test_token_is_stored_hashed(client, book, buy):
    buy(book)
    token = make_feed(client).rstrip("/").rpartition("/")[2]
    assert len(token) == 43
    stored = LibraryFeed.objects.get()
    assert token not in stored.token_sha256


def without_csrf(content):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_feed_token_needs_post_with_csrf(buyer):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(buyer)
    assert csrf_client.get("/account/library/feed-token/").status_code == 405
    assert csrf_client.post("/account/library/feed-token/", {"action": "new"}).status_code == 403
    assert not LibraryFeed.objects.exists()


def test_http_basic_with_the_token(client, book, buy):
    buy(book)
    token = make_feed(client).rstrip("/").rpartition("/")[2]
    client.logout()
    asked = client.get("/account/library/opds/")
    assert asked.status_code == 401
    assert asked["WWW-Authenticate"].startswith("Basic")
    credentials = base64.b64encode(f"reader:{token}".encode()).decode()
    auth = {"HTTP_AUTHORIZATION": f"Basic {credentials}"}
    root = parse(client.get("/account/library/opds/", **auth))
    (epub, _pdf) = sorted(acquisition_links(root), key=lambda a: a.get("type"))
    assert epub.get("href").startswith("/account/library/opds/files/")
    assert client.get(epub.get("href"), **auth).status_code == 200
    wrong = base64.b64encode(b"reader:" + b"x" * 43).decode()
    assert client.get("/account/library/opds/", HTTP_AUTHORIZATION=f"Basic {wrong}").status_code == 404
    assert client.get("/account/library/opds/", HTTP_AUTHORIZATION="Basic !!!").status_code == 401


def test_wrong_tokens_are_rate_limited_per_client(client, settings):
    settings.SHOP_LIBRARY_FEED_MISSES_PER_HOUR = 3
    UserFactory()
    statuses = [client.get(f"/account/library/opds/{'a' * 42}{n}/").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_feed_tokens_are_hidden_in_logs():
    token = "A" * 43
    logged = hide_private_links(
        f"GET /account/library/opds/{token}/files/5/9/ and /account/library/opds/{token}/?page=2 "
        "and /account/library/opds/files/5/9/"
    )
    assert token not in logged
    assert logged.count("/account/library/opds/[private]/") == 2
    assert "/account/library/opds/files/5/9/" in logged


def test_feed_has_what_atom_and_opds_require(client, book, buy):
    """RFC 4287's required elements (feed and entry: id, title, updated; an
    author) and OPDS 1.2's catalogue links (self and start, typed as an
    acquisition feed); every acquisition link has a media type."""
    buy(book)
    root = parse(client.get(make_feed(client)))
    for element in (root, *root.findall(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            assert element.findtext(f"{ATOM}{required}").strip(), required
    assert root.find(f"{ATOM}author/{ATOM}name").text
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == "https://shop.example.com/"
    catalogue_links = {link.get("rel"): link.get("type") for link in root.findall(f"{ATOM}link")}
    assert catalogue_links["self"] == catalogue_links["start"] == FEED_TYPE
    assert all(link.get("type") and link.get("href") for link in acquisition_links(root))
