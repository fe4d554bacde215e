"""Invoice numbers (issue 31): given when an order is paid, consecutive and
gap-free over the paid orders (an order never paid takes none), shown on
the invoice (HTML and PDF) and the emails that follow the payment; orders
paid at the same moment take distinct numbers with no gap (a concurrent
test: on PostgreSQL the payments really overlap)."""

import io

import pytest
from cartridge.shop.models import Order
from django.core import mail
from pypdf import PdfReader

from shop_ext.models import InvoiceNumber
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import mark_order_paid
from tests.client import Client
from tests.fake_stripe import sign
from tests.integration.delivery.test_concurrency import run_together

from .conftest import WEBHOOK_URL


def numbers():
    return dict(InvoiceNumber.objects.values_list("order_id", "number"))


@pytest.mark.django_db
def test_an_order_gets_its_number_when_paid_and_shows_it(
    book, client, buyer, pay_by_card, stripe_api, send_event
):
    unpaid, _payment = pay_by_card(book, "eBook")
    order, payment = pay_by_card(book, "eBook")
    assert numbers() == {}
    mail.outbox.clear()

    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))

    assert numbers() == {order.pk: 1}  # the unpaid order placed before it takes none
    [receipt] = mail.outbox
    assert "Invoice number: 1" in receipt.body
    assert "Invoice number: 1" in receipt.alternatives[0][0]
    invoice = client.get(f"/shop/invoice/{order.pk}/").content.decode()
    assert "Invoice number" in invoice
    assert "<dd>1</dd>" in invoice
    pdf = client.get(f"/shop/invoice/{order.pk}/", {"format": "pdf"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Invoice number 1" in text
    assert "Invoice number" not in client.get(f"/shop/invoice/{unpaid.pk}/").content.decode()

    send_event("checkout.session.completed", stripe_api.complete(unpaid.payments.get().session_id))
    assert numbers() == {order.pk: 1, unpaid.pk: 2}


@pytest.mark.django_db
def test_paying_an_order_again_keeps_its_number(book, pay_by_card):
    order, _payment = pay_by_card(book, "eBook")
    mark_order_paid(order)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.UNPAID)

    mark_order_paid(order)

    assert numbers() == {order.pk: 1}


@pytest.mark.django_db(transaction=True)
def test_orders_paid_at_the_same_moment_get_one_to_n_without_gap_or_repeat(book, pay_by_card, stripe_api):
    count = 6
    placed = [pay_by_card(book, "eBook") for _ in range(count)]
    bodies = [
        stripe_api.event("checkout.session.completed", stripe_api.complete(payment.session_id))
        for _order, payment in placed
    ]

    def pay(i):
        response = Client().post(
            WEBHOOK_URL, bodies[i], content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(bodies[i])
        )
        return response.status_code, response.content

    results = run_together(count, pay)

    assert results == [(200, b"Order marked paid.")] * count
    given = numbers()
    assert set(given) == {order.pk for order, _payment in placed}
    assert sorted(given.values()) == list(range(1, count + 1))


@pytest.mark.django_db
def test_a_deleted_order_leaves_its_number_taken(book, pay_by_card):
    first, _payment = pay_by_card(book, "eBook")
    second, _payment = pay_by_card(book, "eBook")
    mark_order_paid(first)
    first.payments.all().delete()
    first.delete()

    mark_order_paid(second)

    assert list(InvoiceNumber.objects.values_list("number", "order_id")) == [(1, None), (2, second.pk)]
