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


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


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
    assert "This page lists 1 published product(s)." in html
