"""A database error in the card payment's write paths: the checkout that
opens the hosted payment, and the webhook that marks the order paid. Each
is one transaction: a fault leaves nothing half-written, and a repeat (the
shopper trying again, Stripe sending the event again) completes it once."""

import pytest
from cartridge.shop.models import Order
from django.core import mail
from django.db import OperationalError

from shop_ext.models import DownloadGrant, OrderEmail, Payment, PaymentEvent, UnfinishedPayment
from shop_ext.orders import OrderStatus
from tests.doubles import connection_cut
from tests.shopper import COMPLETE_URL, add_to_cart, checkout, quiet_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_card_checkout_cut_after_the_hosted_payment_opened_leaves_no_order(book, stripe_api, monkeypatch):
    """Nothing was paid yet (the shopper never saw Stripe's page): no order,
    no payment row, nothing to refund; the cart is still there."""
    browser = quiet_client()
    add_to_cart(browser, book, option3="eBook")
    with monkeypatch.context() as patched:
        patched.setattr("shop_ext.patches.awaits_hosted_payment", connection_cut)
        response = checkout(browser)

    assert response.status_code == 500
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert not UnfinishedPayment.objects.exists()

    placed = checkout(browser)
    assert (placed.status_code, placed["Location"]) == (302, COMPLETE_URL)
    assert Payment.objects.get().order == Order.objects.get()


def test_a_webhook_cut_while_granting_changes_nothing_and_its_repeat_pays_once(
    book, pay_by_card, stripe_api, send_event, monkeypatch
):
    order, payment = pay_by_card(book, "eBook")
    mail.outbox.clear()
    body = stripe_api.event("checkout.session.completed", stripe_api.complete(payment.session_id))

    with monkeypatch.context() as patched:
        patched.setattr("shop_ext.delivery.receivers.grant_files", connection_cut)
        with pytest.raises(OperationalError):
            send_event("", {}, body=body)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.UNPAID, Payment.PENDING)
    assert not PaymentEvent.objects.exists()  # so Stripe's next delivery is not "already processed"
    assert not DownloadGrant.objects.exists()
    assert not OrderEmail.objects.filter(order=order).exists()

    assert send_event("", {}, body=body).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETE
    assert DownloadGrant.objects.filter(order=order).count() == 2
    assert len(mail.outbox) == 1
