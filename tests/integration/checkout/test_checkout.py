"""Checkout from cart to order: the two steps, the order it creates, the
receipt, sign-in for downloads, and shipping for digital/mixed carts."""

from decimal import Decimal

import pytest
from cartridge.shop.models import Order
from django.core import mail

from shop_ext.orders import OrderStatus
from tests.factories import book_with_files, variation
from tests.shopper import (
    BILLING,
    CHECKOUT_URL,
    COMPLETE_URL,
    add_to_cart,
    cart_lines,
    checkout,
    checkout_details,
    checkout_step,
    update_cart,
)

pytestmark = pytest.mark.django_db

FLAT_SHIPPING = Decimal("4.50")


@pytest.fixture
def signed_in_buyer(client, buyer):
    client.force_login(buyer)
    return buyer


def test_guest_checkout_of_physical_goods_creates_one_unpaid_order(client, book, tote):
    add_to_cart(client, book, quantity=2, option3="Paperback")
    add_to_cart(client, tote, option3="Paperback")

    response = checkout(client)

    assert response.status_code == 302
    assert response.url == COMPLETE_URL
    order = Order.objects.get()
    assert order.status == OrderStatus.UNPAID
    assert order.transaction_id is None
    assert order.billing_detail_email == BILLING["billing_detail_email"]
    assert order.shipping_detail_street == BILLING["billing_detail_street"]
    paperback, bag = variation(book, option3="Paperback"), variation(tote, option3="Paperback")
    assert {(i.sku, i.quantity, i.unit_price, i.total_price) for i in order.items.all()} == {
        (paperback.sku, 2, Decimal("12.99"), Decimal("25.98")),
        (bag.sku, 1, Decimal("8.00"), Decimal("8.00")),
    }
    assert order.item_total == Decimal("33.98")
    assert order.shipping_total == FLAT_SHIPPING
    assert order.total == Decimal("38.48")


def test_completion_page_links_to_the_invoice_of_the_order(client, tote):
    add_to_cart(client, tote, option3="Paperback")
    checkout(client)
    order = Order.objects.get()

    response = client.get(COMPLETE_URL)

    assert response.status_code == 200
    invoice_url = f"/shop/invoice/{order.id}/"
    assert invoice_url in response.content.decode()
    invoice = client.get(invoice_url)
    assert invoice.status_code == 200
    assert "Tote bag" in invoice.content.decode()


def test_checkout_sends_one_receipt_to_the_buyer(client, tote):
    add_to_cart(client, tote, quantity=3, option3="Paperback")

    checkout(client)

    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [BILLING["billing_detail_email"]]
    assert "Tote bag" in receipt.body
    assert "$28.50" in receipt.body  # 3 x 8.00 + 4.50


def test_checkout_empties_the_cart_and_takes_stock(client, tote):
    add_to_cart(client, tote, quantity=3, option3="Paperback")

    checkout(client)

    assert cart_lines(client) == {}
    assert variation(tote, option3="Paperback").num_in_stock == 7


def test_step_one_with_missing_details_stays_on_step_one(client, tote):
    add_to_cart(client, tote, option3="Paperback")
    details = checkout_details()
    del details["billing_detail_email"]

    response = checkout_step(client, 1, details)

    assert response.status_code == 400
    assert response.context["step"] == 1
    assert "billing_detail_email" in response.context["form"].errors
    assert Order.objects.count() == 0


def test_confirmation_step_shows_totals_before_the_order_is_placed(client, tote):
    add_to_cart(client, tote, option3="Paperback")

    response = checkout_step(client, 1, checkout_details())

    assert response.context["step"] == 2
    html = response.content.decode()
    assert "$8.00" in html
    assert "$4.50" in html
    assert "$12.50" in html
    assert Order.objects.count() == 0


def test_checkout_with_an_empty_cart_places_no_order(client):
    response = checkout_step(client, 2, checkout_details())

    assert response.status_code == 302
    assert response.url == "/shop/cart/"
    assert Order.objects.count() == 0
    assert len(mail.outbox) == 0


def test_signed_in_buyer_order_belongs_to_them(client, signed_in_buyer, book):
    add_to_cart(client, book, option3="eBook")

    checkout(client, shipping=False)

    assert Order.objects.get().user_id == signed_in_buyer.id


# Shipping: digital lines ship nothing.


def test_digital_only_cart_pays_no_shipping(client, signed_in_buyer, book):
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, book_with_files(title="A Second Almanac"), option3="eBook")

    response = checkout(client, shipping=False)

    assert response.url == COMPLETE_URL
    order = Order.objects.get()
    assert order.shipping_total == 0
    assert order.item_total == Decimal("13.98")
    assert order.total == Decimal("13.98")


def test_digital_only_checkout_does_not_require_shipping_fields(client, signed_in_buyer, book):
    add_to_cart(client, book, option3="eBook")

    page = client.get(CHECKOUT_URL)
    form = page.context["form"]
    shipping_fields = [name for name in form.fields if name.startswith("shipping_detail")]
    assert shipping_fields
    assert not any(form.fields[name].required for name in shipping_fields)

    response = checkout_step(client, 1, checkout_details(shipping=False))
    # One page: the details without an address place the order.
    assert response.status_code == 302, response.context["form"].errors
    assert Order.objects.get().shipping_detail_street == ""


def test_physical_cart_requires_shipping_fields(client, tote):
    add_to_cart(client, tote, option3="Paperback")
    details = checkout_details(shipping=False)

    response = checkout_step(client, 1, details)

    assert response.context["step"] == 1
    assert "shipping_detail_street" in response.context["form"].errors


def test_mixed_cart_pays_flat_shipping(client, signed_in_buyer, book):
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, book, option3="Paperback")

    checkout(client)

    order = Order.objects.get()
    assert order.shipping_total == FLAT_SHIPPING
    assert order.total == Decimal("6.99") + Decimal("12.99") + FLAT_SHIPPING


def test_physical_only_cart_pays_flat_shipping(client, tote):
    add_to_cart(client, tote, option3="Paperback")

    checkout(client)

    order = Order.objects.get()
    assert order.shipping_total == FLAT_SHIPPING
    assert order.total == Decimal("12.50")


def test_removing_the_paperback_drops_shipping_at_confirmation(client, signed_in_buyer, book):
    """Shipping is worked out again when the cart changes mid-checkout."""
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, book, option3="Paperback")
    checkout_step(client, 1, checkout_details())
    update_cart(client, delete=[variation(book, option3="Paperback").sku])

    checkout_step(client, 2, checkout_details())

    order = Order.objects.get()
    assert order.shipping_total == 0
    assert order.total == Decimal("6.99")


# Bad input: a tampered step is the shopper's mistake, not the server's.


@pytest.mark.parametrize("step", ["0", "-1"])
def test_out_of_range_low_step_places_no_order(client, tote, step):
    add_to_cart(client, tote, option3="Paperback")

    response = checkout_step(client, step, checkout_details())

    assert response.status_code == 302
    assert response.url == CHECKOUT_URL
    assert Order.objects.count() == 0


@pytest.mark.parametrize("step", ["3", "99", "abc"])
def test_tampered_step_is_refused_without_an_error(client, tote, step):
    client.raise_request_exception = False
    add_to_cart(client, tote, option3="Paperback")

    response = checkout_step(client, step, checkout_details())

    assert response.status_code < 500
    assert Order.objects.count() == 0
    assert list(cart_lines(client)) == [variation(tote, option3="Paperback").sku]
