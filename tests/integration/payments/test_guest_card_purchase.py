"""A guest pays by card: one email when the payment arrives (the receipt,
with the private links), and a failed payment tried again from the order's
private page."""

import io
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from cartridge.shop.models import Order
from django.core import mail
from django.utils import timezone

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


@pytest.fixture
def paid_again_by_link(client, guest_card_order, stripe_api, send_event):
    """The first payment failed; the guest pays again from the private page
    on another device. Returns (private link, the new session's success_url)."""
    payment = guest_card_order.payments.get()
    send_event("checkout.session.async_payment_failed", stripe_api.sessions[payment.session_id])
    status_page = client.get(f"/shop/payment/{guest_card_order.pk}/").content.decode()
    link = re.search(rf'href="(/orders/{guest_card_order.pk}/[0-9a-f]{{64}}/)"', status_page).group(1)
    Client().post(f"{link}pay-again/")
    return link, stripe_api.sessions[guest_card_order.payments.first().session_id]["success_url"]


def test_paying_again_from_another_device_returns_to_the_private_page(paid_again_by_link):
    """Issue 28 item 11: Stripe is given a return link of its own, never
    the private link's token; the return link leads to the private page."""
    link, success_url = paid_again_by_link
    token = link.split("/")[3]
    assert token not in success_url
    phone = Client()

    back = phone.get(urlsplit(success_url).path)

    assert (back.status_code, back["Location"]) == (302, link)
    assert back["Referrer-Policy"] == "no-referrer"
    assert phone.get(link).status_code == 200


def test_a_forged_or_expired_return_link_is_a_404(guest_card_order, paid_again_by_link, settings):
    _link, success_url = paid_again_by_link
    path = urlsplit(success_url).path
    other_order = path.replace(f"/{guest_card_order.pk}/", f"/{guest_card_order.pk + 1}/")
    altered = path[:-3] + ("A" if path[-2] != "A" else "B") + "/"
    assert Client().get(altered).status_code == 404
    assert Client().get(other_order).status_code == 404
    assert Client().get(f"/shop/payment/{guest_card_order.pk}/return/{'0' * 64}/").status_code == 404

    # Good while the session may still be paid (and a little after); not later.
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.SHOP_PAYMENT_SESSION_MINUTES)):
        assert Client().get(path).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.SHOP_PAYMENT_SESSION_MINUTES + 11)):
        assert Client().get(path).status_code == 404


def test_the_return_link_never_reaches_the_logs(paid_again_by_link):
    """As the private link's token (tests/integration/delivery/test_private_links.py)."""
    _link, success_url = paid_again_by_link
    path = urlsplit(success_url).path
    handler = next(h for h in logging.getLogger("shop_ext").handlers if h.filters)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("shop_ext.test").warning("Not Found: %s", path)
    finally:
        handler.setStream(previous)
    assert path.split("/")[-2] not in stream.getvalue()
    assert "/return/[private]/" in stream.getvalue()


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
