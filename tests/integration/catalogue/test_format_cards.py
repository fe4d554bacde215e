"""The product page's format cards (issue 35): one card per format with its
price once, what the buyer gets, unbuyable formats without a price, the
format the shopper came for chosen first, and the category in the breadcrumb."""

import re

import pytest
from cartridge.shop.models import Category

from shop_ext.models import Book

pytestmark = pytest.mark.django_db


def cards(html):
    """Each card as (format, checked, disabled, its text in one line)."""
    found = []
    for attributes, label in re.findall(
        r'<input type="radio" name="option3"([^>]*)>\s*<label[^>]*>(.*?)</label>', html, re.S
    ):
        value = re.search(r'value="([^"]+)"', attributes).group(1)
        text = " ".join(re.sub(r"<[^>]+>", " ", label).split())
        found.append((value, " checked" in attributes, " disabled" in attributes, text))
    return found


def test_an_ebook_card_says_what_it_is_with_each_files_size(client, demo):
    book = Book.objects.get(title="A Short History of Paper")

    html = client.get(book.get_absolute_url()).content.decode()

    by_format = {value: (checked, disabled, text) for value, checked, disabled, text in cards(html)}
    assert list(by_format) == ["Paperback", "eBook", "Paperback + eBook"]
    checked, disabled, text = by_format["eBook"]
    assert not disabled
    assert re.fullmatch(
        r"eBook \$8\.50 EPUB \+ PDF, DRM-free, instant download, [\d.]+ \w+ / [\d.]+ \w+", text
    ), text
    assert by_format["Paperback"][2].startswith("Paperback $14.50 Ships in 2 days")
    # The default variation (the paperback) is chosen when no format is asked for.
    assert [value for value, checked, _d, _t in cards(html) if checked] == ["Paperback"]
    # No drop-down, no second table of prices.
    assert 'class="format-prices"' not in html
    assert '<select name="option3"' not in html


def test_the_cards_keep_their_order_when_a_variation_is_updated(client, demo):
    """Cartridge orders variations by "default" only; PostgreSQL returns an
    updated row after the others (the eBook's stock or price changed)."""
    book = Book.objects.get(title="A Short History of Paper")
    ebook = book.variations.get(option3="eBook")
    ebook.save()

    html = client.get(book.get_absolute_url()).content.decode()

    assert [value for value, _c, _d, _t in cards(html)] == ["Paperback", "eBook", "Paperback + eBook"]


def test_the_format_asked_for_is_chosen(client, demo):
    book = Book.objects.get(title="Mending")

    html = client.get(book.get_absolute_url() + "?format=ebook").content.decode()

    assert [(value, text.split()[1]) for value, checked, _d, text in cards(html) if checked] == [
        ("eBook", "$3.99")
    ]


def test_a_format_that_cannot_be_bought_shows_no_price(client, demo):
    book = Book.objects.get(title="The Cartographer's Daughter")  # on sale; no ebook file yet

    html = client.get(book.get_absolute_url() + "?format=ebook").content.decode()

    by_format = {value: (checked, disabled, text) for value, checked, disabled, text in cards(html)}
    checked, disabled, text = by_format["eBook"]
    assert disabled
    assert not checked
    assert text == "eBook Not available This format is not available yet."
    assert "$6.39" not in html  # the ebook's sale price is nowhere on the page
    # The format asked for cannot be bought: the default one is chosen instead.
    assert by_format["Paperback"][0]


def test_a_sale_price_is_shown_once_per_card(client, demo):
    book = Book.objects.get(title="Salt and Static")  # fiction: 20% off

    html = client.get(book.get_absolute_url()).content.decode()

    by_format = {value: text for value, _c, _d, text in cards(html)}
    assert by_format["eBook"].startswith("eBook Was $5.99 now $4.79 ")
    assert html.count("$4.79") == 1


def test_the_card_posts_the_variation(client, demo):
    book = Book.objects.get(title="Mending")

    response = client.post(book.get_absolute_url(), {"option3": "eBook", "quantity": 1, "add_cart": "1"})

    assert response.status_code == 302
    (line,) = client.get("/shop/cart/").context["request"].cart.items.all()
    assert line.sku == book.variations.get(option3="eBook").sku


def test_the_breadcrumb_names_the_category(client, demo):
    book = Book.objects.get(title="Mending")
    html = client.get(book.get_absolute_url()).content.decode()

    crumbs = html[
        html.index('<ol class="breadcrumb">') : html.index("</ol>", html.index('<ol class="breadcrumb">'))
    ]
    names = [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li[^>]*>(.*?)</li>", crumbs, re.S)
    ]
    assert names[-3:] == ["Books", "Non-fiction", "Mending"]


def test_the_ebooks_listing_links_to_the_ebook_at_the_price_it_shows(client, demo):
    listing = client.get(Category.objects.get(slug="ebooks").get_absolute_url()).content.decode()
    link = re.search(r'<a href="([^"]+)">Mending</a>', listing).group(1)
    assert link.endswith("?format=ebook")
    assert "$3.99" in listing

    html = client.get(link).content.decode()

    assert [(value, text.split()[1]) for value, checked, _d, text in cards(html) if checked] == [
        ("eBook", "$3.99")
    ]
