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


def test_an_ebook_added_again_after_its_price_changed_stays_one_line(client, book):
    add_to_cart(client, book, option3="eBook")
    ebook = variation(book, option3="eBook")
    type(ebook).objects.filter(pk=ebook.pk).update(unit_price=Decimal("5.99"))
    add_to_cart(client, book, option3="eBook")

    assert cart_lines(client) == {ebook.sku: (1, Decimal("5.99"))}


def test_checkout_clamps_a_cart_saved_before_the_rule(client, book):
    """A cart from before (two weeks of session) with three copies of an ebook."""
    from cartridge.shop.models import CartItem

    add_to_cart(client, book, option3="eBook")
    CartItem.objects.update(quantity=3)

    response = client.post("/shop/checkout/", {"step": 1})

    assert response.status_code == 302
    assert response["Location"] == CART_URL
    assert CartItem.objects.get().quantity == 1
