"""What category pages list and what their cards say: a format page lists
exactly the products with a purchasable variation of that format, a
parent page lists its sub-pages' products (/books/), cards show the price
that matched, "from" when formats differ, and sale prices with the old one
struck through; the product page lists every format with its price."""

import re
from decimal import Decimal

import pytest

from tests.factories import (
    CategoryFactory,
    SaleFactory,
    add_file,
    format_option,
    make_book,
    make_product,
)

pytestmark = pytest.mark.django_db


def cards(client, url, **params):
    """Title -> the card's price text, in the order listed."""
    response = client.get(url, params)
    assert response.status_code == 200
    html = response.content.decode()
    found = {}
    for card in re.findall(r'<li class="product-card">(.*?)</li>', html, re.S):
        title = re.search(r'class="card-title"><a [^>]*>([^<]+)</a>', card)[1]
        price = re.search(r'<div class="price-info">(.*?)</div>', card, re.S)[1]
        found[title] = " ".join(re.sub(r"<[^>]+>", " ", price).split())
    return found


@pytest.fixture
def ebooks():
    return CategoryFactory(title="eBooks", options=[format_option("eBook")])


def test_format_page_lists_only_products_whose_format_can_be_bought(client, ebooks):
    with_file = make_book(title="With file")
    add_file(with_file, "eBook")
    make_book(title="eBook without a file")
    make_book({"Paperback": "9.00"}, title="Paperback only")
    unpriced = make_book(title="eBook without a price")
    add_file(unpriced, "eBook")
    unpriced.variations.filter(option3="eBook").update(unit_price=None)

    assert list(cards(client, ebooks.get_absolute_url())) == ["With file"]


def test_format_page_card_shows_that_formats_price(client, ebooks):
    book = make_book({"Paperback": "12.99", "eBook": "6.99"}, title="Almanac")
    add_file(book, "eBook")

    assert cards(client, ebooks.get_absolute_url()) == {"Almanac": "$6.99"}


def test_unfiltered_page_says_from_the_cheapest_when_formats_differ(client):
    book = make_book({"Paperback": "12.99", "eBook": "6.99"}, title="Almanac")
    add_file(book, "eBook")
    one_price = make_product({"S": "20.00", "L": "20.00"}, option_type=1, title="Tote")
    shelf = CategoryFactory(products=[book, one_price])

    assert cards(client, shelf.get_absolute_url()) == {"Almanac": "from $6.99", "Tote": "$20.00"}


def test_a_format_that_cannot_be_bought_is_not_the_from_price(client):
    book = make_book({"Paperback": "12.99", "eBook": "6.99"}, title="Almanac")  # eBook: no file
    shelf = CategoryFactory(products=[book])

    assert cards(client, shelf.get_absolute_url()) == {"Almanac": "$12.99"}


def test_sale_card_strikes_the_old_price(client, ebooks):
    book = make_book({"Paperback": "12.00", "eBook": "6.00"}, title="Almanac")
    add_file(book, "eBook")
    SaleFactory(products=[book], discount_percent=Decimal("50"))

    assert cards(client, ebooks.get_absolute_url()) == {"Almanac": "Was $6.00 now $3.00"}
    html = client.get(ebooks.get_absolute_url()).content.decode()
    assert '<del class="old-price">$6.00</del>' in html


def test_price_page_card_shows_the_variation_under_the_limit(client):
    book = make_book({"Paperback": "16.00", "eBook": "9.00"}, title="Stars")
    add_file(book, "eBook")
    under_ten = CategoryFactory(price_max=Decimal("10.00"))

    assert cards(client, under_ten.get_absolute_url()) == {"Stars": "$9.00"}


def test_parent_page_lists_its_sub_pages_products(client):
    books = CategoryFactory(title="Books")
    fiction = CategoryFactory(title="Fiction", parent=books)
    poetry = CategoryFactory(title="Poetry", parent=fiction)
    novel = make_book(title="Novel")
    fiction.products.add(novel)
    poems = make_book(title="Poems")
    poetry.products.add(poems)

    assert set(cards(client, books.get_absolute_url())) == {"Novel", "Poems"}
    assert set(cards(client, fiction.get_absolute_url())) == {"Novel", "Poems"}
    assert set(cards(client, poetry.get_absolute_url())) == {"Poems"}


def test_parent_page_is_paged_and_sorted(client, settings):
    books = CategoryFactory(title="Books")
    fiction = CategoryFactory(title="Fiction", parent=books)
    for price in ("3.00", "1.00", "2.00"):
        fiction.products.add(make_book({"Paperback": price}, title=f"Costs {price}"))
    settings.SHOP_PER_PAGE_CATEGORY = 2

    first = cards(client, books.get_absolute_url(), sort="unit_price")
    second = cards(client, books.get_absolute_url(), sort="unit_price", page=2)

    assert list(first) == ["Costs 1.00", "Costs 2.00"]
    assert list(second) == ["Costs 3.00"]


def test_a_paged_category_says_how_many_and_offers_its_sorts(client, settings):
    fiction = CategoryFactory(title="Fiction")
    for price in ("3.00", "1.00", "2.00"):
        fiction.products.add(make_book({"Paperback": price}, title=f"Costs {price}"))
    settings.SHOP_PER_PAGE_CATEGORY = 2

    html = client.get(fiction.get_absolute_url(), {"sort": "unit_price", "page": 2}).content.decode()

    assert '<p class="result-count">3 titles, showing 3–3</p>' in html
    # No "Highest rated": the shop has no ratings (SHOP_USE_RATINGS).
    assert re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', html) == [
        ("-date_added", "", "Recently added"),
        ("unit_price", " selected", "Least expensive"),
        ("-unit_price", "", "Most expensive"),
    ]


def test_an_empty_category_says_so_without_a_toolbar(client):
    html = client.get(CategoryFactory(title="Poetry").get_absolute_url()).content.decode()

    assert '<div class="empty-state">\n  <p>Nothing here yet: new titles are on their way.</p>' in html
    assert "category-toolbar" not in html


def test_product_page_lists_every_format_with_its_price_before_one_is_picked(client):
    book = make_book({"Paperback": "12.00", "eBook": "6.00", "Paperback + eBook": "15.00"})
    add_file(book, "eBook", "Paperback + eBook")
    SaleFactory(products=[book], discount_percent=Decimal("50"))

    html = client.get(book.get_absolute_url()).content.decode()
    # One format card each (radio inputs), each price once.
    labels = re.findall(r'<input type="radio" name="option3"[^>]*>\s*<label[^>]*>(.*?)</label>', html, re.S)
    prices = [
        re.match(r"(.*?\$[\d.]+ now \$[\d.]+)", " ".join(re.sub(r"<[^>]+>", " ", label).split())).group(1)
        for label in labels
    ]

    assert prices == [
        "Paperback Was $12.00 now $6.00",
        "eBook Was $6.00 now $3.00",
        "Paperback + eBook Was $15.00 now $7.50",
    ]
