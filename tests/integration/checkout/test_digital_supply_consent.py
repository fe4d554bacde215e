"""Consent to immediate delivery of downloads (EU/UK rule for digital
content, as the refunds page says): asked beside the button that places an
order with downloads (the one page, the mixed cart's confirmation), required,
recorded on the order with its wording's version, and repeated on the
receipt, the invoice and the order admin."""

import pytest
from cartridge.shop.models import Order
from django.core import mail

from shop_ext.models import DigitalSupplyConsent
from shop_ext.orders import consent
from tests.factories import make_book
from tests.shopper import (
    CHECKOUT_URL,
    COMPLETE_URL,
    DOWNLOAD_ONLY_DETAILS,
    add_to_cart,
    checkout,
    checkout_details,
    checkout_step,
)

pytestmark = pytest.mark.django_db

FIELD = "digital_supply_consent"
WORDING = "I lose my 14-day right to withdraw from the purchase of the downloads"


def without_consent(data):
    return {name: value for name, value in data.items() if name != FIELD}


def test_the_one_page_asks_for_consent_beside_the_button(client, book):
    add_to_cart(client, book, option3="eBook")

    page = client.get(CHECKOUT_URL).content.decode()

    assert f'name="{FIELD}"' in page
    assert WORDING in page
    assert page.index(f'name="{FIELD}"') < page.index("Place order")
    assert 'href="/refunds/"' in page


def test_without_consent_no_order_is_placed_and_the_error_is_beside_the_box(client, book):
    add_to_cart(client, book, option3="eBook")

    response = checkout_step(client, 1, without_consent(DOWNLOAD_ONLY_DETAILS))

    assert response.status_code == 400
    assert not Order.objects.exists()
    html = response.content.decode()
    assert f"{FIELD}_error" in html
    assert "we can only place an order for downloads with your consent" in html
    assert 'value="ada@example.com"' in html  # what was typed is kept
    assert response.context["form"].errors[FIELD]


def test_the_consent_is_recorded_with_its_wording_version(client, book):
    add_to_cart(client, book, option3="eBook")

    placed = checkout_step(client, 1, DOWNLOAD_ONLY_DETAILS)

    assert placed["Location"] == COMPLETE_URL
    given = DigitalSupplyConsent.objects.get(order=Order.objects.get())
    assert given.wording_version == consent.CURRENT_VERSION
    assert given.given_at is not None


def test_a_mixed_cart_asks_on_its_confirmation_step(client, book):
    add_to_cart(client, book, option3="Paperback + eBook")
    details = checkout_details()

    assert f'name="{FIELD}"' not in client.get(CHECKOUT_URL).content.decode()  # the address step

    first = checkout_step(client, 1, details)
    assert first.context["step"] == 2
    assert WORDING in first.content.decode()

    refused = checkout_step(client, 2, without_consent(details))
    assert not Order.objects.exists()
    assert refused.context["form"].errors[FIELD]

    placed = checkout_step(client, 2, details)
    assert placed["Location"] == COMPLETE_URL
    assert DigitalSupplyConsent.objects.filter(order=Order.objects.get()).exists()


def test_a_cart_with_nothing_to_download_is_not_asked(client):
    paperback = make_book({"Paperback": "10.00"}, stock=3, title="Only Paper")
    add_to_cart(client, paperback, option3="Paperback")

    first = checkout_step(client, 1, without_consent(checkout_details()))
    assert FIELD not in first.content.decode()
    placed = checkout_step(client, 2, without_consent(checkout_details()))

    assert placed["Location"] == COMPLETE_URL
    assert not DigitalSupplyConsent.objects.exists()


def test_the_receipt_the_invoice_and_the_order_admin_repeat_it(client, buyer, book, admin_client):
    client.force_login(buyer)
    add_to_cart(client, book, option3="eBook")
    mail.outbox.clear()

    checkout(client, billing_detail_email=buyer.email)

    order = Order.objects.get()
    receipt = next(m for m in mail.outbox if f"#{order.pk}" in m.body or str(order.pk) in m.subject)
    sentence = "you asked for the downloads to be delivered at once"
    assert sentence in receipt.body
    assert sentence in receipt.alternatives[0][0]
    assert sentence in client.get(f"/shop/invoice/{order.pk}/").content.decode()
    admin_page = admin_client.get(f"/admin/shop/order/{order.pk}/change/").content.decode()
    assert "Consent to immediate delivery of downloads" in admin_page
    assert consent.CURRENT_VERSION in admin_page
    assert WORDING in admin_page
