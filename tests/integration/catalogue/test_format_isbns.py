"""ISBNs per format: entered on the product form's variation rows (ISBN-10
stored as 13), unique across the shop with the error beside the field,
shown on the product page and found by the search."""

import pytest
from django.db import IntegrityError, transaction

from shop_ext.models import VariationIsbn
from tests.admin_forms import admin_form_data
from tests.factories import make_book, variation

pytestmark = pytest.mark.django_db


def row(data, product, fmt):
    """The variations formset's prefix of the row for this format."""
    wanted = str(variation(product, option3=fmt).pk)
    for key, value in data.items():
        if key.startswith("variations-") and key.endswith("-id") and value == wanted:
            return key[: -len("id")]
    raise AssertionError(fmt)


def test_editor_gives_each_format_its_isbn(admin_client):
    book = make_book()
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(admin_client.get(url))
    data[row(data, book, "Paperback") + "isbn"] = "0-306-40615-2"
    data[row(data, book, "eBook") + "isbn"] = "978-1-4028-9462-6"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert variation(book, option3="Paperback").isbn_record.isbn == "9780306406157"
    assert variation(book, option3="eBook").isbn_record.isbn == "9781402894626"

    # Cleared: the record goes.
    data = admin_form_data(admin_client.get(url))
    assert data[row(data, book, "eBook") + "isbn"] == "9781402894626"
    data[row(data, book, "eBook") + "isbn"] = ""
    assert admin_client.post(url, data).status_code == 302
    assert not VariationIsbn.objects.filter(variation=variation(book, option3="eBook")).exists()


def test_a_bad_or_taken_isbn_is_refused_beside_its_field(admin_client):
    other = make_book(title="Taken Title")
    VariationIsbn.objects.create(variation=variation(other, option3="eBook"), isbn="9780306406157")
    book = make_book()
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(admin_client.get(url))
    data[row(data, book, "Paperback") + "isbn"] = "0306406152"
    data[row(data, book, "eBook") + "isbn"] = "978-0-306-40615-8"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "already the ISBN of Taken Title Format: eBook" in html
    assert "978-0-306-40615-8 is not a valid ISBN" in html
    assert not VariationIsbn.objects.filter(variation__product=book).exists()


def test_two_formats_of_one_product_cannot_share_an_isbn(admin_client):
    book = make_book()
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(admin_client.get(url))
    data[row(data, book, "Paperback") + "isbn"] = "9780306406157"
    data[row(data, book, "eBook") + "isbn"] = "0306406152"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Two formats of this product have the same ISBN." in response.content.decode()
    assert not VariationIsbn.objects.exists()


def test_the_database_refuses_a_duplicate_isbn():
    first, second = make_book(), make_book()
    VariationIsbn.objects.create(variation=variation(first, option3="eBook"), isbn="9780306406157")
    with pytest.raises(IntegrityError), transaction.atomic():
        VariationIsbn.objects.create(variation=variation(second, option3="eBook"), isbn="9780306406157")


def test_the_product_page_shows_each_formats_isbn(client):
    book = make_book()
    VariationIsbn.objects.create(variation=variation(book, option3="eBook"), isbn="9780306406157")
    html = client.get(book.get_absolute_url()).content.decode()
    assert "ISBN 978-0-306-40615-7" in html
    ebook_card = html.split('id="format-ebook"')[1].split("</label>")[0]
    assert "978-0-306-40615-7" in ebook_card


@pytest.mark.parametrize("query", ["9780306406157", "978-0-306-40615-7", "0306406152", "40615"])
def test_search_finds_a_title_by_a_formats_isbn(client, query):
    book = make_book(title="Formats Have Numbers", isbn="")
    make_book(title="Unrelated Title", isbn="")
    VariationIsbn.objects.create(variation=variation(book, option3="eBook"), isbn="9780306406157")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Formats Have Numbers" in html
    assert "Unrelated Title" not in html


def test_the_error_summary_links_to_the_field_in_its_row(admin_client):
    book = make_book()
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(admin_client.get(url))
    prefix = row(data, book, "eBook")
    data[prefix + "isbn"] = "12345"
    html = admin_client.post(url, data).content.decode()
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert f'href="#id_{prefix}isbn"' in summary
    assert "12345 is not a valid ISBN" in summary
    assert html.index('id="error-summary"') < html.index(f'id="id_{prefix}isbn"')
