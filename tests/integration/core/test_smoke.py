"""Every public page of the demo shop renders what a first-time visitor
came for, as one page with one heading and no error."""

import pytest
from cartridge.shop.models import Category

from shop_ext.models import Book

pytestmark = pytest.mark.django_db


def test_every_public_page_shows_its_content(client, demo):
    category = Category.objects.get(slug="books/fiction")
    book = Book.objects.filter(available=True, categories=category).order_by("title").first()
    pages = {
        "/": "Paper &amp; Pixel Books",
        category.get_absolute_url(): book.title.replace("'", "&#x27;"),
        book.get_absolute_url(): book.author,
        "/search/?q=" + book.title.split()[-1]: book.title.replace("'", "&#x27;"),
        "/shop/cart/": "Your cart is empty",
        "/accounts/login/": 'name="password"',
        "/accounts/signup/": 'name="email"',
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert expected in html, url
        assert html.count("<h1") == 1, url
