"""A page built while an edit is still uncommitted shows the old price, and
must not be what the next request gets once the edit commits: generations
move on after the commit, never before it. Each thread has its own database
connection, so on PostgreSQL the edit's transaction really is open while
another request builds the page."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tests.client import Client
from tests.factories import make_book, variation

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_page_built_during_an_uncommitted_edit_is_not_served_after_it():
    book = make_book({"Paperback": "10.00"}, title="The Harbour")
    url = book.get_absolute_url()
    assert b"$10.00" in Client().get(url).content
    edited, release = threading.Event(), threading.Event()

    def edit():
        try:
            with transaction.atomic():
                paperback = variation(book, option3="Paperback")
                paperback.unit_price = Decimal("14.00")
                paperback.save()
                edited.set()
                release.wait(10)
        finally:
            connection.close()

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        assert edited.wait(10)
        Client().get(url + "?page=1")  # built and stored while the edit is open
        during = Client().get(url + "?page=1")
        assert b"$10.00" in during.content
        assert during["X-Page-Cache"] == "hit"
    finally:
        release.set()
        editor.join()
    for address in (url, url + "?page=1"):
        html = Client().get(address).content
        assert b"$14.00" in html
        assert b"$10.00" not in html
