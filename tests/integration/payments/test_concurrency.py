"""The same Stripe event delivered twice at the same moment has one effect.

Each thread has its own database connection, so on PostgreSQL the two
deliveries really overlap: the second insert of the event id waits for the
first transaction and then finds the row; on SQLite the database
serialises them.
"""

import threading

import pytest
from cartridge.shop.models import DiscountCode, Order, ProductVariation
from django.core import mail
from django.db import connection, connections
from django.db.backends.signals import connection_created

from shop_ext.models import DownloadGrant, Payment, PaymentEvent
from shop_ext.orders import OrderStatus
from shop_ext.payments import stripe_checkout
from tests.client import Client
from tests.factories import DiscountCodeFactory, book_with_files, make_book, variation
from tests.fake_stripe import sign
from tests.integration.delivery.test_concurrency import run_together
from tests.shopper import add_to_cart, checkout_details, checkout_step, quiet_client

from .conftest import WEBHOOK_URL

pytestmark = pytest.mark.django_db(transaction=True)

BUNDLE = "Paperback + eBook"  # ships: its stock is taken
STATEMENT_TIMEOUT = "2s"  # a web request's is 5 s (DB_REQUEST_STATEMENT_TIMEOUT)


def deliver_together(body, times=4):
    def deliver(i):
        response = Client().post(
            WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
        )
        return response.status_code, response.content

    return run_together(times, deliver)


def test_one_paid_event_delivered_four_times_at_once_pays_once(book, pay_by_card, stripe_api):
    order, payment = pay_by_card(book, "eBook")
    mail.outbox.clear()
    body = stripe_api.event("checkout.session.completed", stripe_api.complete(payment.session_id))

    results = deliver_together(body)

    assert sorted(results) == [(200, b"Already processed.")] * 3 + [(200, b"Order marked paid.")]
    assert PaymentEvent.objects.count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE
    assert DownloadGrant.objects.filter(order=order).count() == 2
    assert len(mail.outbox) == 1


def test_failure_events_delivered_at_once_give_stock_and_code_back_once(pay_by_card, stripe_api):
    book = make_book({"Paperback": "10.00"}, stock={"Paperback": 5})
    DiscountCodeFactory(code="FEW", discount_deduct=1, uses_remaining=3)
    order, payment = pay_by_card(book, "Paperback", quantity=2, discount_code="FEW")
    session = stripe_api.sessions[payment.session_id]
    failed = stripe_api.event("checkout.session.async_payment_failed", session)
    expired = stripe_api.event("checkout.session.expired", session)

    def deliver(i):
        body = (failed, expired)[i % 2]
        return (
            Client()
            .post(WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body))
            .status_code
        )

    assert run_together(4, deliver) == [200] * 4
    assert PaymentEvent.objects.count() == 2
    assert ProductVariation.objects.get(product=book).num_in_stock == 5
    assert DiscountCode.objects.get(code="FEW").uses_remaining == 3
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one checkout write at a time")
def test_a_buyer_of_the_same_book_is_not_kept_waiting_while_another_is_at_stripe(stripe_api, monkeypatch):
    """Each statement may wait STATEMENT_TIMEOUT (the web's is short): the
    second buyer's checkout takes the stock while the first one's waits for
    Stripe, so no stock row may stay locked during that call."""
    book = book_with_files()
    bundle = variation(book, option3=BUNDLE)
    first, second = quiet_client(), quiet_client()
    data = checkout_details()
    for browser in (first, second):
        add_to_cart(browser, book, option3=BUNDLE)
        assert checkout_step(browser, 1, data).context["step"] == 2
    first_at_stripe, second_done = threading.Event(), threading.Event()
    start_payment = stripe_checkout.start_payment

    def first_call_waits_for_the_second_buyer(order):
        if not first_at_stripe.is_set():
            first_at_stripe.set()
            second_done.wait(timeout=60)
        return start_payment(order)

    def short_statement_timeout(sender, connection, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")

    monkeypatch.setattr(stripe_checkout, "start_payment", first_call_waits_for_the_second_buyer)
    connection_created.connect(short_statement_timeout)
    statuses = {}

    def place(browser, done=None):
        try:
            statuses[browser] = checkout_step(browser, 2, data).status_code
        finally:
            connections.close_all()
            if done:
                done.set()

    try:
        at_stripe = threading.Thread(target=place, args=(first,))
        at_stripe.start()
        assert first_at_stripe.wait(timeout=60)
        behind = threading.Thread(target=place, args=(second, second_done))
        behind.start()
        behind.join()
        at_stripe.join()
    finally:
        connection_created.disconnect(short_statement_timeout)

    assert (statuses[first], statuses[second]) == (302, 302)
    assert Order.objects.count() == 2
    assert Payment.objects.count() == 2
    bundle.refresh_from_db()
    assert bundle.num_in_stock == 8
