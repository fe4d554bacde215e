"""Sales apply to what they cover, always: a book added through the admin
(formats first, prices after) into a category on sale gets the sale price
without anyone saving the Sale; a price changed later is reduced again; a
sale's dates hold when a price is read, with nothing saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop_ext.models import Book
from tests.admin_forms import admin_form_data
from tests.factories import CategoryFactory, SaleFactory, format_option, make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def fiction():
    category = CategoryFactory(title="Fiction")
    SaleFactory(categories=[category], discount_percent=Decimal("20"))
    return category


def add_book_in_admin(staff, category, prices):
    """What an editor does: save the new book with its formats ticked,
    then enter each format's price on its change page."""
    for name in prices:
        format_option(name)
    data = admin_form_data(staff.get("/admin/shop_ext/book/add/"))
    data.update(title="New Novel", author="A. Writer", categories=[str(category.pk)], option3=list(prices))
    response = staff.post("/admin/shop_ext/book/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    book = Book.objects.get(title="New Novel")
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(staff.get(url))
    for index, variation in enumerate(book.variations.order_by("id")):
        assert data[f"variations-{index}-id"] == str(variation.pk)
        data[f"variations-{index}-unit_price"] = prices[variation.option3]
    response = staff.post(url, data)
    assert response.status_code == 302
    return book


def test_book_added_in_admin_to_a_category_on_sale_gets_the_sale_price(staff, client, fiction):
    book = add_book_in_admin(staff, fiction, {"Paperback": "10.00", "eBook": "5.00"})

    prices = {v.option3: (v.unit_price, v.price()) for v in book.variations.all()}
    assert prices == {
        "Paperback": (Decimal("10.00"), Decimal("8.00")),
        "eBook": (Decimal("5.00"), Decimal("4.00")),
    }
    client.logout()
    # On sale (the admin's new book is not yet for sale: its card prices show once it is).
    type(book).objects.filter(pk=book.pk).update(available=True)
    html = client.get(book.get_absolute_url()).content.decode()
    assert '<del class="old-price">$10.00</del>' in html
    assert "$8.00" in html


def test_a_book_moved_into_a_category_on_sale_gets_the_sale_price(fiction):
    book = make_book({"Paperback": "10.00"})

    book.categories.add(fiction)

    assert book.variations.get().price() == Decimal("8.00")


def test_a_new_price_is_reduced_again(fiction):
    book = make_book({"Paperback": "10.00"})
    book.categories.add(fiction)
    paperback = book.variations.get()

    paperback.unit_price = Decimal("20.00")
    paperback.save()

    paperback.refresh_from_db()
    assert paperback.price() == Decimal("16.00")


def test_a_book_moved_out_of_the_sale_returns_to_its_price(fiction):
    book = make_book({"Paperback": "10.00"})
    book.categories.add(fiction)

    book.categories.remove(fiction)

    assert book.variations.get().price() == Decimal("10.00")


def test_deleting_the_sale_returns_prices(client, fiction):
    book = make_book({"Paperback": "10.00"})
    book.categories.add(fiction)

    fiction.sale_related.get().delete()

    assert book.variations.get().price() == Decimal("10.00")
    assert "$10.00" in client.get(book.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(timedelta(days=-10), timedelta(days=-1)), (timedelta(days=1), timedelta(days=10))],
    ids=["ended", "not started"],
)
def test_a_sale_outside_its_dates_gives_nothing_off_though_applied(client, starts, ends):
    """The dates are checked when the price is read: a sale that ended (or
    has not started) needs no save for the full price to show."""
    book = make_book({"Paperback": "10.00"})
    now = timezone.now()
    SaleFactory(products=[book], valid_from=now + starts, valid_to=now + ends)

    assert book.variations.get().sale_price == Decimal("8.00")  # applied...
    html = client.get(book.get_absolute_url()).content.decode()
    assert "old-price" not in html  # ...but not running
    assert "$10.00" in html
