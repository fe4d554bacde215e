"""The shop's look: pages render the catalogue the way shoppers see it."""

import re

from cartridge.shop.models import Category, Product
from django.db import connection
from django.test.utils import CaptureQueriesContext
from mezzanine.core.models import CONTENT_STATUS_DRAFT

from shop_ext.models import Book


def test_home_page_lists_new_books_with_prices(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'class="skip-link"' in html
    newest = Book.objects.order_by("-date_added").first()
    assert newest.title.replace("'", "&#x27;") in html
    assert f"by {newest.author}" in html
    assert 'class="price' in html
    assert "$" in html
    # Every image has an alt attribute.
    assert not re.search(r"<img(?![^>]*\balt=)[^>]*>", html)


def test_home_page_shows_sale_price_struck_through(client, demo):
    html = client.get("/").content.decode()
    on_sale = [p for p in Product.objects.filter(content_model="book") if p.on_sale()]
    assert on_sale, "the demo has a sale on fiction"
    assert '<del class="old-price">' in html
    assert 'class="price on-sale"' in html


def home_page_queries(client):
    """(queries, product cards) of one home page, caches warm."""
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    return len(queries), html.count('class="product-card')


def test_home_page_queries_do_not_grow_with_products(client, demo, settings):
    settings.SHOP_PAGE_CACHE_SECONDS = 0  # the cost of building the page
    many, many_cards = home_page_queries(client)
    keep = Book.objects.order_by("-date_added", "-id").values_list("pk", flat=True)[:2]
    Product.objects.exclude(pk__in=list(keep)).update(status=CONTENT_STATUS_DRAFT)
    few, few_cards = home_page_queries(client)
    assert many_cards > few_cards > 0
    assert many == few


def test_category_page_shows_digital_badge_and_sorting(client, demo):
    category = Category.objects.get(slug="books/fiction")
    response = client.get(category.get_absolute_url() + "?sort=unit_price")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="badge-digital"' in html
    assert re.search(r'class="badge-digital"[^>]*>eBook · EPUB', html)
    assert '<option value="unit_price" selected>' in html
    assert 'for="sort-select"' in html


def test_category_page_with_unknown_sort_still_renders(client, demo):
    category = Category.objects.get(slug="books")
    assert client.get(category.get_absolute_url() + "?sort=nope").status_code == 200


def test_book_page_shows_author_isbn_and_unavailable_format(client, demo):
    book = Book.objects.get(title="The Cartographer's Daughter")
    response = client.get(book.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert book.author in html
    assert book.isbn in html
    assert book.publisher in html
    # The eBook has no files yet: its card says so, with the reason, and cannot be chosen.
    card = re.search(
        r'<input type="radio" name="option3" value="eBook"[^>]*>\s*<label[^>]*>(.*?)</label>', html, re.S
    )
    assert " disabled" in card.group(0)
    assert "Not available" in card.group(1)
    assert "This format is not available yet." in card.group(1)
    # The cards need no script: no variations data for Cartridge's drop-down script.
    assert 'id="variations-data"' not in html


def test_cart_marks_download_lines(client, demo):
    book = Book.objects.get(title="Salt and Static")
    client.post(book.get_absolute_url(), {"option3": "eBook", "quantity": 1, "add_cart": "1"})
    html = client.get("/shop/cart/").content.decode()
    assert "Download · no shipping" in html
    assert re.search(r'class="cart-count">1<span class="cart-items-word"> item</span>', html)


def test_account_pages_render_under_the_theme(client, db):
    for url in ("/accounts/login/", "/accounts/signup/"):
        html = client.get(url).content.decode()
        assert 'class="account-form"' in html
        assert html.count("<h1") == 1
