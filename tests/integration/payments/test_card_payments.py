"""Paying by card at Stripe's hosted page: the order waits, unpaid, until a
signed webhook (or Stripe itself, asked by the return page) says the money
arrived; bad webhooks change nothing."""

import json
import time
from decimal import Decimal

import pytest
from cartridge.shop.models import DiscountCode, Order, ProductVariation
from django.core import mail

from shop_ext.models import DownloadGrant, Payment, PaymentEvent
from shop_ext.orders import OrderStatus
from shop_ext.payments import stripe_checkout
from shop_ext.payments.gateways import PAYMENT_REDIRECT_SESSION_KEY
from tests.client import Client
from tests.factories import DiscountCodeFactory, make_book
from tests.fake_stripe import sign
from tests.shopper import add_to_cart, checkout

from .conftest import WEBHOOK_URL

pytestmark = pytest.mark.django_db


def status_page(client, order):
    return client.get(f"/shop/payment/{order.pk}/")


def test_checkout_places_the_order_unpaid_and_sends_the_shopper_to_stripe(book, pay_by_card, stripe_api):
    order, payment = pay_by_card(book, "eBook")

    assert order.status == OrderStatus.UNPAID
    assert not DownloadGrant.objects.filter(order=order).exists()
    session = stripe_api.sessions[payment.session_id]
    assert (session["amount_total"], session["currency"]) == (699, "gbp")
    assert session["client_reference_id"] == str(order.pk)
    # An hour to pay (SHOP_PAYMENT_SESSION_MINUTES), then the stock and code go back.
    assert session["expires_at"] - session["created"] in (3599, 3600)
    assert session["success_url"] == f"https://shop.example.com/shop/payment/{order.pk}/"
    assert (payment.amount, payment.currency, payment.status) == (699, "gbp", Payment.PENDING)
    assert payment.checkout_url == session["url"]


def test_coming_back_from_stripe_before_paying_shows_processing_not_paid(book, pay_by_card, client):
    order, _payment = pay_by_card(book, "eBook")

    page = status_page(client, order)

    assert page.context["state"] == "processing"
    assert "still being processed" in page.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID


def test_the_return_page_asks_stripe_and_shows_paid_when_the_webhook_is_late(
    book, pay_by_card, client, stripe_api
):
    order, payment = pay_by_card(book, "eBook")
    stripe_api.complete(payment.session_id)
    mail.outbox.clear()

    page = status_page(client, order)

    assert page.context["state"] == "paid"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE
    assert len(mail.outbox) == 1  # the files email


def test_someone_else_cannot_see_the_payment_page(book, pay_by_card, django_user_model):
    order, _payment = pay_by_card(book, "eBook")
    stranger = Client()
    stranger.force_login(django_user_model.objects.create_user("eve", "eve@example.com", "pw-eve-123"))

    assert status_page(stranger, order).status_code == 404


def test_a_completed_session_webhook_marks_the_order_paid_with_files_and_one_email(
    book, pay_by_card, stripe_api, send_event, client
):
    order, payment = pay_by_card(book, "eBook")
    mail.outbox.clear()
    session = stripe_api.complete(payment.session_id)

    response = send_event("checkout.session.completed", session)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETE
    assert DownloadGrant.objects.filter(order=order).count() == 2
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject]
    assert "almanac.epub" in mail.outbox[0].body
    payment.refresh_from_db()
    assert (payment.status, payment.payment_intent) == (Payment.PAID, session["payment_intent"])
    assert status_page(client, order).context["state"] == "paid"


def test_the_same_event_twice_does_nothing_the_second_time(book, pay_by_card, stripe_api, send_event):
    order, payment = pay_by_card(book, "eBook")
    mail.outbox.clear()
    body = stripe_api.event("checkout.session.completed", stripe_api.complete(payment.session_id))

    first = send_event("", {}, body=body)
    second = send_event("", {}, body=body)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"Already processed."
    assert PaymentEvent.objects.count() == 1
    assert DownloadGrant.objects.filter(order=order).count() == 2
    assert len(mail.outbox) == 1


def test_a_bank_payment_confirmed_hours_later_still_delivers_the_files(
    book, pay_by_card, stripe_api, send_event, client
):
    order, payment = pay_by_card(book, "eBook")
    mail.outbox.clear()
    session = stripe_api.complete(payment.session_id, payment_status="unpaid")
    send_event("checkout.session.completed", session)

    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID
    assert status_page(client, order).context["state"] == "processing"
    assert mail.outbox == []

    session["payment_status"] = "paid"  # the debit cleared
    response = send_event("checkout.session.async_payment_succeeded", session)

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE
    assert DownloadGrant.objects.filter(order=order, revoked_at=None).count() == 2
    assert len(mail.outbox) == 1
    downloads = client.get("/account/orders/")
    assert "almanac.epub" in downloads.content.decode()


@pytest.mark.parametrize(("field", "value"), [("amount_total", 1), ("currency", "usd")])
def test_a_payment_of_the_wrong_amount_or_currency_is_refused_and_flagged(
    book, pay_by_card, stripe_api, send_event, field, value, caplog
):
    order, payment = pay_by_card(book, "eBook")
    session = {**stripe_api.complete(payment.session_id), field: value}

    response = send_event("checkout.session.completed", session)

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID
    assert Payment.objects.get(pk=payment.pk).status == Payment.PENDING
    event = PaymentEvent.objects.get()
    assert event.needs_attention
    assert event.outcome.startswith("REFUSED")
    assert any(r.levelname == "ERROR" and r.name.startswith("shop_ext") for r in caplog.records)


def test_an_event_for_a_session_we_do_not_know_is_recorded_not_an_error(stripe_api, send_event, db):
    response = send_event("checkout.session.completed", {"id": "cs_test_unknown", "payment_status": "paid"})

    assert response.status_code == 200
    assert PaymentEvent.objects.get().needs_attention


def test_an_event_type_we_do_not_act_on_is_recorded_and_acknowledged(stripe_api, send_event, db):
    response = send_event("customer.created", {"id": "cus_1", "object": "customer"})

    assert response.status_code == 200
    assert PaymentEvent.objects.get().outcome == "Not an event we act on."


def test_a_refund_reported_before_its_payment_is_applied_when_the_payment_arrives(
    book, pay_by_card, stripe_api, send_event
):
    order, payment = pay_by_card(book, "eBook")
    session = stripe_api.complete(payment.session_id)

    response = send_event("charge.refunded", stripe_api.charge(session, 699))

    assert response.status_code == 200
    assert PaymentEvent.objects.get().needs_attention
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID

    paid = send_event("checkout.session.completed", session)

    assert paid.status_code == 200
    assert "a refund reported earlier" in paid.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    assert payment.refunds.get().amount == 699


def _bad_requests(stripe_api, session):
    body = stripe_api.event("checkout.session.completed", session)
    old = int(time.time()) - 301
    malformed = b'{"id": "evt_1", "type": "checkout.session.completed", "data": '
    not_an_event = json.dumps({"id": "evt_2", "type": "x", "data": "nothing"}).encode()
    huge = body[:-1] + b', "padding": "' + b"x" * 300_000 + b'"}'
    return {
        "unsigned": (body, {"HTTP_STRIPE_SIGNATURE": ""}),
        "signed with another secret": (body, {"HTTP_STRIPE_SIGNATURE": sign(body, secret="whsec_other")}),
        "signature of another body": (body, {"HTTP_STRIPE_SIGNATURE": sign(body + b" ")}),
        "replayed after five minutes": (body, {"HTTP_STRIPE_SIGNATURE": sign(body, timestamp=old)}),
        "garbage header": (body, {"HTTP_STRIPE_SIGNATURE": "t=abc,v1=zz"}),
        "malformed JSON": (malformed, {"HTTP_STRIPE_SIGNATURE": sign(malformed)}),
        "not UTF-8": (b"\xff\xfe", {"HTTP_STRIPE_SIGNATURE": sign(b"\xff\xfe")}),
        "not an event": (not_an_event, {"HTTP_STRIPE_SIGNATURE": sign(not_an_event)}),
        "huge": (huge, {"HTTP_STRIPE_SIGNATURE": sign(huge)}),
    }


def test_bad_webhooks_are_refused_with_400_and_change_nothing(book, pay_by_card, stripe_api, send_event):
    order, payment = pay_by_card(book, "eBook")
    session = stripe_api.complete(payment.session_id)
    mail.outbox.clear()

    statuses = {
        name: send_event("", {}, body=body, **headers).status_code
        for name, (body, headers) in _bad_requests(stripe_api, session).items()
    }

    assert statuses == dict.fromkeys(statuses, 400)
    assert PaymentEvent.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID
    assert mail.outbox == []


def test_the_webhook_takes_posts_only(client, stripe_api):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_an_order_with_nothing_to_pay_is_paid_without_stripe(book, client, buyer, stripe_api):
    DiscountCodeFactory(code="FREE", discount_percent=Decimal("100"))
    client.force_login(buyer)
    add_to_cart(client, book, 1, option3="eBook")

    checkout(client, discount_code="FREE")

    order = Order.objects.get()
    assert (order.total, order.status) == (Decimal("0.00"), OrderStatus.COMPLETE)
    assert client.get("/shop/checkout/complete/").status_code == 200
    assert stripe_api.requests == []


def test_a_guest_sees_the_payment_page_of_the_order_placed_in_their_browser_only(stripe_api):
    paperback = make_book({"Paperback": "10.00"}, stock={"Paperback": 5})
    guest = Client()
    add_to_cart(guest, paperback, 1, option3="Paperback")
    checkout(guest)
    order = Order.objects.get()
    assert guest.get("/shop/checkout/complete/")["Location"] == order.payments.get().checkout_url

    assert status_page(guest, order).context["state"] == "processing"
    assert status_page(Client(), order).status_code == 404


def test_the_last_copy_sold_while_stripe_opened_the_payment_cancels_it_and_places_no_order(
    stripe_api, monkeypatch
):
    """The checkout calls Stripe before it takes the stock (no row stays
    locked during the call): another shopper took the last copy meanwhile."""
    paperback = make_book({"Paperback": "10.00"}, stock={"Paperback": 1})
    DiscountCodeFactory(code="TWICE", discount_percent=Decimal("10"), uses_remaining=2)
    start_payment = stripe_checkout.start_payment

    def another_shopper_buys_the_last_copy_meanwhile(order):
        payment = start_payment(order)
        ProductVariation.objects.filter(product=paperback).update(num_in_stock=0)
        return payment

    monkeypatch.setattr(stripe_checkout, "start_payment", another_shopper_buys_the_last_copy_meanwhile)
    guest = Client()
    add_to_cart(guest, paperback, 1, option3="Paperback")

    response = checkout(guest, discount_code="TWICE")

    assert response.status_code == 200
    assert "sold out while you were checking out" in response.content.decode()
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    [session] = stripe_api.sessions.values()
    assert session["status"] == "expired"
    assert PAYMENT_REDIRECT_SESSION_KEY not in guest.session  # not sent to Stripe
    # The stock is taken at the end of the checkout's transaction, so the
    # whole of it rolled back, the other shopper's update too (here it ran in
    # the same transaction): this checkout took nothing.
    assert ProductVariation.objects.get(product=paperback).num_in_stock == 1
    assert DiscountCode.objects.get(code="TWICE").uses_remaining == 2


def test_stripe_answering_too_slowly_is_a_clear_message_and_no_order(book, stripe_api, settings):
    """The checkout waits for Stripe inside its transaction: each call gives
    up after SHOP_STRIPE_TIMEOUT_SECONDS instead of the SDK's 80 s."""
    settings.SHOP_STRIPE_TIMEOUT_SECONDS = 1
    stripe_api.delay = 3
    guest = Client()
    add_to_cart(guest, book, 1, option3="eBook")

    response = checkout(guest)

    assert response.status_code == 200
    assert "Card payments are not available just now." in response.content.decode()
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
