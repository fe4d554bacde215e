"""The buyer's library (/account/library/): one entry per book across orders
and formats, the same download rule and counting as the order pages, and a
constant number of queries whatever the number of books."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop_ext.models import DownloadAttempt, OrderDelivery
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import set_order_status
from tests.factories import book_with_files

pytestmark = pytest.mark.django_db

LIBRARY = "/account/library/"


def books_on(response):
    return [
        (entry.product.title, sorted(g.download_name for g in entry.files))
        for entry in response.context["books"]
    ]


def test_a_book_bought_twice_in_two_formats_is_there_once(client, book, buy):
    first = buy(book, "eBook")
    second = buy(book, "Paperback + eBook")
    response = client.get(LIBRARY)
    assert response.status_code == 200
    assert books_on(response) == [
        (book.title, ["the-lighthouse-keepers-almanac.epub", "the-lighthouse-keepers-almanac.pdf"])
    ]
    # The links are the newest order's, the order pages' own download route.
    (entry,) = response.context["books"]
    assert {g.order_id for g in entry.files} == {second.pk}
    assert first.pk != second.pk


def test_library_link_downloads_and_counts_like_the_order_page(client, book, buy):
    order = buy(book)
    (entry,) = client.get(LIBRARY).context["books"]
    epub = next(g for g in entry.files if g.download_name.endswith(".epub"))
    assert epub.url.startswith(f"/account/orders/{order.pk}/files/{epub.pk}/")
    response = client.get(epub.url)
    assert response.status_code == 200
    assert OrderDelivery.objects.get(order=order).attempts_used == 1
    assert DownloadAttempt.objects.get(order=order).outcome == DownloadAttempt.SERVED


def test_refunded_and_revoked_books_leave_the_library(client, book, buy):
    other = book_with_files(title="Salt Roads")
    refunded = buy(book)
    revoked = buy(other)
    assert len(client.get(LIBRARY).context["books"]) == 2
    set_order_status(refunded, OrderStatus.REFUNDED)
    revoked.download_grants.update(revoked_at=timezone.now())
    response = client.get(LIBRARY)
    assert response.context["books"] == []
    assert "Books you buy appear here" in response.content.decode()


def test_a_file_out_of_attempts_in_one_order_is_offered_from_another(client, book, buy):
    spent = buy(book)
    OrderDelivery.objects.filter(order=spent).update(max_attempts=1, attempts_used=1)
    fresh = buy(book)
    OrderDelivery.objects.filter(order=spent).update(max_attempts=1, attempts_used=1)
    (entry,) = client.get(LIBRARY).context["books"]
    assert {g.order_id for g in entry.files} == {fresh.pk}
    OrderDelivery.objects.filter(order=fresh).update(max_attempts=1, attempts_used=1)
    (entry,) = client.get(LIBRARY).context["books"]
    assert not any(g.decision for g in entry.files)
    assert "All download attempts" in client.get(LIBRARY).content.decode()


def test_library_needs_sign_in(client):
    response = client.get(LIBRARY)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_queries_do_not_grow_with_the_books(client, buy):
    buy(book_with_files(title="Book A"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIBRARY).status_code == 200
    for title in ("Book B", "Book C", "Book D"):
        buy(book_with_files(title=title))
    with CaptureQueriesContext(connection) as four:
        response = client.get(LIBRARY)
    assert len(response.context["books"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_library_pages(client, buy, settings):
    settings.SHOP_LIBRARY_PAGE_SIZE = 2
    for title in ("Book A", "Book B", "Book C"):
        buy(book_with_files(title=title))
    assert [t for t, _files in books_on(client.get(LIBRARY))] == ["Book A", "Book B"]
    assert [t for t, _files in books_on(client.get(LIBRARY + "?page=2"))] == ["Book C"]
    # Bad page numbers show a page, never an error.
    assert client.get(LIBRARY + "?page=x").status_code == 200
    assert [t for t, _files in books_on(client.get(LIBRARY + "?page=99"))] == ["Book C"]
