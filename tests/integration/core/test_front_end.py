"""The shop's pages stand on the shop's own CSS and scripts (issue 35): no
Bootstrap class in their markup, no stylesheet or script but the theme's
(no Bootstrap, no jQuery)."""

import re

import pytest
from cartridge.shop.models import Category, Product

from shop_ext.models import Book
from tests.shopper import add_to_cart

pytestmark = pytest.mark.django_db

# Bootstrap 3's class names, as a shop page would have used them.
BOOTSTRAP_CLASS = re.compile(
    r"^(btn(-\w+)*|col-(xs|sm|md|lg)-\d+|row|container(-fluid)?|navbar(-\w+)*|nav|dropdown(-\w+)*|caret|"
    r"panel(-\w+)*|form-(group|control|horizontal|inline)|control-label|help-block|has-error|input-(sm|lg)|"
    r"alert(-\w+)*|sr-only|list-unstyled|text-muted|pull-(left|right)|table|pagination|pager|lead|"
    r"collapse|icon-bar|visible-\w+|hidden-\w+|checkbox|radio|clearfix|label-\w+|well|jumbotron)$"
)


def classes_in(html):
    return {token for value in re.findall(r'class="([^"]*)"', html) for token in value.split()}


@pytest.fixture
def shop_pages(client, demo):
    """The anonymous shopper's pages, with a paperback and an ebook in the cart."""
    category = Category.objects.get(slug="books/fiction")
    book = Book.objects.get(title="A Short History of Paper")
    tote = Product.objects.get(title="Canvas Tote Bag")
    pages = [
        "/",
        category.get_absolute_url(),
        book.get_absolute_url(),
        tote.get_absolute_url(),
        "/search/?q=paper",
        "/accounts/login/",
        "/accounts/signup/",
        "/account/downloads/resend/",
        "/contact/",
        "/help/",
    ]
    add_to_cart(client, book, option3="Paperback")
    add_to_cart(client, book, option3="eBook")
    pages += ["/shop/cart/", "/shop/checkout/"]
    return pages


def test_shop_pages_use_no_bootstrap_class_and_only_the_themes_files(client, shop_pages):
    for url in shop_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        used = classes_in(html)
        assert not {name for name in used if BOOTSTRAP_CLASS.match(name)}, url
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert stylesheets, url
        assert all(href.startswith("/static/theme/css/") for href in stylesheets), (url, stylesheets)
        assert all(src.startswith("/static/theme/js/") for src in scripts), (url, scripts)
