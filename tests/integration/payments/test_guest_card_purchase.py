"""A guest pays by card: one email when the payment arrives (the receipt,
with the private links), and a failed payment tried again from the order's
private page."""

import re

import pytest
from cartridge.shop.models import Order
from django.core import mail

from shop_ext.models import OrderEmail
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import set_order_status
from tests.client import Client
from tests.shopper import COMPLETE_URL, DOWNLOAD_ONLY_DETAILS, add_to_cart, checkout_step, private_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_card_order(client, book, stripe_api):
    """A guest's card order of an ebook, placed and sent on to Stripe."""
    add_to_cart(client, book, option3="eBook")
    checkout_step(client, 1, DOWNLOAD_ONLY_DETAILS)
    checkout_step(client, 2, DOWNLOAD_ONLY_DETAILS)
    order = Order.objects.get()
    assert client.get(COMPLETE_URL)["Location"] == order.payments.get().checkout_url
    return order


def test_a_guests_card_purchase_sends_one_email_when_paid_with_the_links(
    guest_card_order, stripe_api, send_event
):
    assert mail.outbox == []  # no receipt for an order not paid yet
    payment = guest_card_order.payments.get()

    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))

    (receipt,) = mail.outbox
    assert receipt.to == [DOWNLOAD_ONLY_DETAILS["billing_detail_email"]]
    assert [e.kind for e in OrderEmail.objects.filter(order=guest_card_order)] == [OrderEmail.RECEIPT]
    page = Client().get(private_link(receipt.body, guest_card_order.pk))
    assert page.status_code == 200
    assert "Download all files (zip)" in page.content.decode()


def test_a_failed_payment_is_tried_again_from_the_private_page(
    client, guest_card_order, stripe_api, send_event
):
    payment = guest_card_order.payments.get()
    send_event("checkout.session.async_payment_failed", stripe_api.sessions[payment.session_id])
    assert Order.objects.get(pk=guest_card_order.pk).status != OrderStatus.COMPLETE
    # The page Stripe sends the guest back to points to the order's private page.
    status_page = client.get(f"/shop/payment/{guest_card_order.pk}/").content.decode()
    link = re.search(rf'href="(/orders/{guest_card_order.pk}/[0-9a-f]{{64}}/)"', status_page).group(1)
    other_browser = Client()
    page = other_browser.get(link)
    assert "Try the payment again" in page.content.decode()

    response = other_browser.post(f"{link}pay-again/")

    assert response.status_code == 302
    assert response["Location"] == guest_card_order.payments.first().checkout_url
    assert guest_card_order.payments.count() == 2
    assert response["Referrer-Policy"] == "no-referrer"


def test_paying_again_with_a_wrong_token_is_a_404(guest_card_order):
    response = Client().post(f"/orders/{guest_card_order.pk}/{'0' * 64}/pay-again/")
    assert response.status_code == 404


def test_paying_again_from_another_device_returns_to_the_private_page(
    client, guest_card_order, stripe_api, send_event
):
    payment = guest_card_order.payments.get()
    send_event("checkout.session.async_payment_failed", stripe_api.sessions[payment.session_id])
    status_page = client.get(f"/shop/payment/{guest_card_order.pk}/").content.decode()
    link = re.search(rf'href="(/orders/{guest_card_order.pk}/[0-9a-f]{{64}}/)"', status_page).group(1)
    phone = Client()
    phone.post(f"{link}pay-again/")

    success_url = stripe_api.sessions[guest_card_order.payments.first().session_id]["success_url"]

    assert success_url.endswith(link)
    assert phone.get(link).status_code == 200


def test_paid_after_staff_cancelled_a_guest_gets_the_receipt_with_links(
    guest_card_order, stripe_api, send_event
):
    set_order_status(guest_card_order, OrderStatus.CANCELLED)
    payment = guest_card_order.payments.get()

    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))

    guest_card_order.refresh_from_db()
    assert guest_card_order.status == OrderStatus.COMPLETE
    assert [e.kind for e in OrderEmail.objects.filter(order=guest_card_order)] == [OrderEmail.RECEIPT]
    (receipt,) = mail.outbox
    assert private_link(receipt.body, guest_card_order.pk)
