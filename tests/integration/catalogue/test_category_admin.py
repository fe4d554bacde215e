"""Category pages that cannot silently collapse: the edit that emptied
/ebooks/ (an editor ticked "eBooks" on one book's page, and Cartridge's
combined filter then listed that book alone) is replayed on the demo
catalogue; the category admin says what "combined" does and how many
products the page lists."""

import pytest
from cartridge.shop.models import Category
from django.core.management import call_command

from shop_ext.models import Book
from tests.admin_forms import admin_form_data
from tests.factories import CategoryFactory, add_file, format_option, make_book

pytestmark = pytest.mark.django_db


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {p.title for p in response.context["products"].paginator.object_list}


def test_ticking_a_format_page_on_a_book_cannot_empty_it(staff):
    call_command("load_demo", force=True, verbosity=0)
    ebooks = Category.objects.get(slug="ebooks")
    before = listed(staff, "/ebooks/")
    assert len(before) == 7
    book = Book.objects.get(title="Salt and Static")
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    page = staff.get(url)
    offered = {c.slug for c in page.context["adminform"].form.fields["categories"].queryset}
    assert "ebooks" not in offered
    assert {"books/fiction", "books/non-fiction", "gifts"} <= offered

    data = admin_form_data(page)
    data["categories"] = [*data["categories"], str(ebooks.pk)]
    response = staff.post(url, data)

    assert response.status_code == 200  # refused: not a choice on this page
    assert "categories" in response.context["adminform"].form.errors
    assert listed(staff, "/ebooks/") == before


def test_a_product_already_on_a_filter_page_can_still_be_saved(staff):
    ebooks = CategoryFactory(title="eBooks", options=[format_option("eBook")])
    book = make_book()
    add_file(book, "eBook")
    book.categories.add(ebooks)
    url = f"/admin/shop_ext/book/{book.pk}/change/"

    response = staff.post(url, admin_form_data(staff.get(url)))

    assert response.status_code == 302


def test_category_admin_explains_combined_and_counts_the_products(staff):
    shown = make_book(title="Shown")
    add_file(shown, "eBook")
    make_book(title="No ebook file")
    ebooks = CategoryFactory(title="eBooks", options=[format_option("eBook")])

    html = " ".join(staff.get(f"/admin/shop/category/{ebooks.pk}/change/").content.decode().split())

    assert "Ticked: the page lists a product only if one of its formats matches every filter" in html
    assert "This page will list 1 published product." in html


def count_of(staff, **params):
    response = staff.get("/admin/shop/category/listed-count/", params)
    assert response.status_code == 200
    return response.json()["count"]


def test_count_of_an_edited_page_before_saving(staff):
    books = [make_book(title=f"Book {n}") for n in range(3)]
    for book in books:
        add_file(book, "eBook")
    ebook = format_option("eBook")
    page = CategoryFactory(title="eBooks", options=[ebook])

    assert count_of(staff, page=page.pk, options=[ebook.pk]) == 3
    # The edit that emptied /ebooks/: one product ticked, filters combined.
    assert count_of(staff, page=page.pk, options=[ebook.pk], products=[books[0].pk], combined="on") == 1
    assert count_of(staff, page=page.pk, options=[ebook.pk], products=[books[0].pk]) == 3
    assert count_of(staff, price_max="1.00") == 0
    assert page.products.count() == 0  # nothing was saved


@pytest.mark.parametrize(
    "params",
    [
        {"options": "x"},
        {"price_max": "cheap"},
        {"sale": "999999"},
        {"page": "9" * 30},
        {"options": "9" * 30},
        {"products": "9" * 30},
        {"sale": "9" * 30},
        {"price_min": "1e400"},
    ],
)
def test_count_of_bad_filters_is_a_400(staff, params):
    response = staff.get("/admin/shop/category/listed-count/", params)

    assert response.status_code == 400


def test_count_needs_staff(client):
    response = client.get("/admin/shop/category/listed-count/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
