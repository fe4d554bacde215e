"""The same Stripe event delivered twice at the same moment has one effect.

Each thread has its own database connection, so on PostgreSQL the two
deliveries really overlap: the second insert of the event id waits for the
first transaction and then finds the row; on SQLite the database
serialises them.
"""

import pytest
from cartridge.shop.models import DiscountCode, Order, ProductVariation
from django.core import mail

from shop_ext.models import DownloadGrant, PaymentEvent
from shop_ext.orders import OrderStatus
from tests.client import Client
from tests.factories import DiscountCodeFactory, make_book
from tests.fake_stripe import sign
from tests.integration.delivery.test_concurrency import run_together

from .conftest import WEBHOOK_URL

pytestmark = pytest.mark.django_db(transaction=True)


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
