"""A download-only variation is one copy per cart: no quantity box, and any
way of asking for more is clamped with a message."""

from decimal import Decimal

import pytest

from tests.factories import variation
from tests.shopper import CART_URL, add_to_cart, cart_lines, update_cart

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_adding_several_copies_of_an_ebook_adds_one_and_says_so(client, book):
    add_to_cart(client, book, quantity=3, option3="eBook")

    page = client.get(CART_URL)
    assert any("one copy" in message for message in messages_of(page))
    assert cart_lines(client) == {variation(book, option3="eBook").sku: (1, Decimal("6.99"))}


def test_adding_the_ebook_again_keeps_one_copy(client, book):
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, book, option3="eBook")

    assert cart_lines(client) == {variation(book, option3="eBook").sku: (1, Decimal("6.99"))}


def test_the_cart_page_offers_no_quantity_box_for_a_download_and_clamps_a_post(client, book):
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, book, quantity=2, option3="Paperback")
    ebook, paperback = variation(book, option3="eBook"), variation(book, option3="Paperback")

    html = client.get(CART_URL).content.decode()
    assert html.count('type="number"') == 1  # the paperback's box only

    update_cart(client, {ebook.sku: 5, paperback.sku: 3})

    lines = cart_lines(client)
    assert lines[ebook.sku][0] == 1
    assert lines[paperback.sku][0] == 3


def test_printed_copies_are_not_clamped(client, book):
    add_to_cart(client, book, quantity=4, option3="Paperback")

    assert cart_lines(client)[variation(book, option3="Paperback").sku][0] == 4
