"""A card payment that fails or is abandoned gives back what the order
held (stock, the discount code's use), once, and the buyer can pay again
from order history."""

from decimal import Decimal

import pytest
from cartridge.shop.models import DiscountCode, Order, ProductVariation

from shop_ext.models import Payment
from shop_ext.orders import OrderStatus
from tests.client import Client
from tests.factories import DiscountCodeFactory, StaffFactory, make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def paperback():
    return make_book({"Paperback": "10.00"}, stock={"Paperback": 5})


def stock_of(book):
    return ProductVariation.objects.get(product=book).num_in_stock


def uses_left(code):
    return DiscountCode.objects.get(code=code).uses_remaining


@pytest.mark.parametrize("event_type", ["checkout.session.async_payment_failed", "checkout.session.expired"])
def test_a_failed_or_expired_payment_gives_back_stock_and_code_once(
    paperback, pay_by_card, stripe_api, send_event, event_type
):
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    order, payment = pay_by_card(paperback, "Paperback", quantity=2, discount_code="ONCE")
    assert (stock_of(paperback), uses_left("ONCE")) == (3, 0)
    session = stripe_api.sessions[payment.session_id]

    responses = [send_event(event_type, session), send_event(event_type, session)]  # two events, one effect
    responses.append(send_event("checkout.session.expired", session))

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert (stock_of(paperback), uses_left("ONCE")) == (5, 1)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Payment.objects.get(pk=payment.pk).awaits_retry


def test_order_history_says_payment_failed_and_paying_again_takes_stock_and_code_again(
    paperback, pay_by_card, stripe_api, send_event, client
):
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    order, payment = pay_by_card(paperback, "Paperback", quantity=2, discount_code="ONCE")
    send_event("checkout.session.async_payment_failed", stripe_api.sessions[payment.session_id])

    history = client.get("/account/orders/").content.decode()
    assert "Payment failed" in history
    assert f'action="/shop/payment/{order.pk}/retry/"' in history

    again = client.post(f"/shop/payment/{order.pk}/retry/")

    new_payment = order.payments.first()
    assert new_payment != payment
    assert (again.status_code, again["Location"]) == (302, new_payment.checkout_url)
    assert (stock_of(paperback), uses_left("ONCE")) == (3, 0)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID
    assert (
        stripe_api.sessions[new_payment.session_id]["amount_total"] == 2250
    )  # 2 x 10.00 - 10% + 4.50 shipping

    send_event("checkout.session.completed", stripe_api.complete(new_payment.session_id))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_paying_again_when_the_stock_is_gone_says_so_and_takes_nothing(
    paperback, pay_by_card, stripe_api, send_event, client
):
    order, payment = pay_by_card(paperback, "Paperback", quantity=2)
    send_event("checkout.session.expired", stripe_api.sessions[payment.session_id])
    ProductVariation.objects.filter(product=paperback).update(num_in_stock=1)

    again = client.post(f"/shop/payment/{order.pk}/retry/", follow=True)

    assert again.status_code == 200
    assert "sold out" in again.content.decode()
    assert order.payments.count() == 1
    assert stock_of(paperback) == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_an_order_that_did_not_fail_cannot_be_paid_again(paperback, pay_by_card, client):
    order, _payment = pay_by_card(paperback, "Paperback")

    again = client.post(f"/shop/payment/{order.pk}/retry/", follow=True)

    assert "not waiting for a new payment" in again.content.decode()
    assert order.payments.count() == 1
    assert stock_of(paperback) == 4


def test_stripe_refusing_the_session_places_no_order_and_takes_no_stock(paperback, client, buyer, stripe_api):
    from tests.shopper import add_to_cart, checkout

    client.force_login(buyer)
    add_to_cart(client, paperback, 1, option3="Paperback")
    stripe_api.fail_next = (400, "invalid_request_error", "Bad currency")
    response = checkout(client)

    assert response.status_code == 200
    assert "Card payments are not available just now" in response.content.decode()
    assert Order.objects.count() == 0
    assert stock_of(paperback) == 5


def test_the_order_list_shows_the_card_payment_state(paperback, pay_by_card, stripe_api, send_event):
    order, payment = pay_by_card(paperback, "Paperback")
    send_event("checkout.session.expired", stripe_api.sessions[payment.session_id])
    staff = Client()
    staff.force_login(StaffFactory())

    changelist = staff.get("/admin/shop/order/").content.decode()

    assert "Not completed (expired)" in changelist
