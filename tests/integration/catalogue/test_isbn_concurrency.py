"""Two saves of one ISBN at the same instant (PostgreSQL): both pass the
form's check before either writes, the unique index lets one win, and the
other gets the "already the ISBN of …" error beside its field (the admin)
or on its row (the import), never a 500. On SQLite, which writes one at a
time, the two run one after the other."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from shop_ext.catalogue import format_rows, isbns
from shop_ext.models import VariationIsbn
from tests.admin_forms import admin_form_data
from tests.concurrency import run_at_once
from tests.factories import make_book, make_product, variation

pytestmark = pytest.mark.django_db(transaction=True)

ISBN = "9780306406157"
concurrent = connection.vendor == "postgresql"


@pytest.fixture
def both_checked_first(monkeypatch):
    """Each thread's first check of ISBN (the admin form's, or the import's
    row's) waits for the other's, so both pass it before either saves: the
    race, every time."""
    barrier = threading.Barrier(2)
    waited = threading.local()

    def together(check):
        def checked_together(*args):
            result = check(*args)
            if concurrent and result == ISBN and not getattr(waited, "done", False):
                waited.done = True
                barrier.wait(timeout=20)
            return result

        return checked_together

    monkeypatch.setattr(isbns, "clean_isbn", together(isbns.clean_isbn))
    monkeypatch.setattr(format_rows.CatalogueLookups, "isbn", together(format_rows.CatalogueLookups.isbn))


def isbn_saver(admin_user, book, admin_path="shop_ext/book"):
    """Posting the book's form with ISBN on its eBook, as an editor would.
    Two threads use two admins (books', and products' for a product that
    is not a book): Cartridge's ProductAdmin keeps a request's
    formsets on its one shared instance (safe under gunicorn's sync
    workers, one request per process; not with two threads in one)."""
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/{admin_path}/{book.pk}/change/"
    data = admin_form_data(client.get(url))
    ebook = str(variation(book, option3="eBook").pk)
    prefix = next(key[: -len("id")] for key, value in data.items() if key.endswith("-id") and value == ebook)
    data[prefix + "isbn"] = ISBN
    return lambda: client.post(url, data)


def test_two_editors_saving_one_isbn_at_once_one_wins_the_other_sees_why(admin_user, both_checked_first):
    first = make_book(title="First")
    second = make_product({"Paperback": "12.99", "eBook": "6.99"}, title="Second")
    responses = run_at_once(
        isbn_saver(admin_user, first), isbn_saver(admin_user, second, admin_path="shop/product")
    )

    for response in responses:
        assert not isinstance(response, BaseException), response
    assert sorted(response.status_code for response in responses) == [200, 302]
    refused = next(response for response in responses if response.status_code == 200)
    winner = VariationIsbn.objects.get(isbn=ISBN).variation
    html = refused.content.decode()
    assert f"already the ISBN of {winner}" in html
    assert html.count("errorlist") >= 1
    assert VariationIsbn.objects.count() == 1


def test_an_editor_and_an_import_saving_one_isbn_at_once_one_wins(admin_user, both_checked_first, tmp_path):
    make_book(title="Imported")
    edited = make_book(title="Edited")
    sheet = tmp_path / "isbn.csv"
    sheet.write_text(f"title,format,isbn,price\nImported,eBook,{ISBN},5.00\n")

    def run_import():
        out = io.StringIO()
        try:
            call_command("import_catalogue", str(sheet), stdout=out)
        except CommandError as error:
            return f"{out.getvalue()}\n{error}"
        return out.getvalue()

    response, report = run_at_once(isbn_saver(admin_user, edited), run_import)

    assert not isinstance(response, BaseException), response
    assert not isinstance(report, BaseException), report
    holder = VariationIsbn.objects.get(isbn=ISBN).variation
    if holder.product.title == "Edited":
        assert response.status_code == 302
        assert f"row 2: refused: isbn: ISBN 978-0-306-40615-7 is already the ISBN of {holder}" in report
        assert "Nothing was imported" in report
    else:
        assert holder.product.title == "Imported"
        assert "1 changed" in report
        assert response.status_code == 200
        assert f"already the ISBN of {holder}" in response.content.decode()
    assert VariationIsbn.objects.count() == 1
