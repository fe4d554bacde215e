"""The shopper's texts are looked up for translation, in templates (their
shared includes too) and in Python: a made-up language
(tests/pseudo_locale.py) shows its text where the English stood."""

from decimal import Decimal

import pytest

from tests.factories import DiscountCodeFactory, make_product
from tests.pseudo_locale import pseudo_translated
from tests.shopper import CART_URL, add_to_cart

pytestmark = pytest.mark.django_db

MESSAGES = {
    ("%(total)s match", "%(total)s matches"): ("xx-%(total)s-match", "xx-%(total)s-matches"),
    "Sort by": "xx-sort-by",
    "Best match": "xx-best-match",
    "Nothing matches “%(query)s”. Try an author's surname, a title word or an ISBN.": (
        "xx-nothing-for-%(query)s"
    ),
    "Your cart is empty.": "xx-cart-empty",
    "Find something to read": "xx-find-a-book",
    "The code %(code)s needs a minimum purchase of %(minimum)s; your cart comes to %(total)s.": (
        "xx-%(code)s-needs-%(minimum)s-not-%(total)s"
    ),
}


@pytest.fixture
def translated(settings, tmp_path):
    with pseudo_translated(settings, tmp_path, MESSAGES):
        yield


def test_search_results_count_and_sort_are_translated(client, translated):
    make_product({"Paperback": "25.00"}, title="Canvas Tote Bag")

    html = client.get("/search/", {"q": "tote"}).content.decode()

    assert "xx-1-match" in html
    assert '<label for="search-sort">xx-sort-by</label>' in html
    assert '<option value="relevance" selected>xx-best-match</option>' in html


def test_search_without_results_says_so_translated(client, translated):
    html = client.get("/search/", {"q": "<zeppelin>"}).content.decode()

    assert '<div class="empty-state">\n  <p>xx-nothing-for-&lt;zeppelin&gt;</p>' in html


def test_empty_cart_is_translated(client, translated):
    html = client.get(CART_URL).content.decode()

    assert "<p>xx-cart-empty</p>" in html
    assert ">xx-find-a-book</a>" in html


def test_a_refused_discount_code_says_why_translated(client, translated):
    add_to_cart(client, make_product({"Paperback": "30.00"}, title="Reading lamp"), option3="Paperback")
    DiscountCodeFactory(code="BIGSPEND", discount_percent=Decimal("10"), min_purchase=Decimal("50.00"))

    html = client.post(CART_URL, {"discount_code": "bigspend"}).content.decode()

    assert "xx-BIGSPEND-needs-$50.00-not-$30.00" in html
