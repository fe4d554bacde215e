"""Refunds: from the admin (whole order or chosen lines) through Stripe,
and from Stripe's dashboard by webhook; refunded lines lose their downloads."""

import pytest
from cartridge.shop.models import Order
from django.core import mail

from shop_ext.models import DownloadGrant, PaymentEvent, PaymentRefund
from shop_ext.orders import OrderStatus
from tests.client import Client
from tests.factories import StaffFactory, book_with_files, staff_with
from tests.shopper import add_to_cart, checkout

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/shop/order/"


@pytest.fixture
def paid_by_card(book, pay_by_card, stripe_api, send_event):
    """An eBook order paid by card (webhook received)."""
    order, payment = pay_by_card(book, "eBook")
    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETE
    return order


def staff_client(user=None):
    client = Client()
    client.force_login(user or StaffFactory())
    return client


def refund(staff, order, choice, items=()):
    data = {"action": "refund_card_payment", "_selected_action": [order.pk], "refund": choice}
    return staff.post(CHANGELIST, {**data, "refund_item": [item.pk for item in items]}, follow=True)


def open_grants(order):
    return DownloadGrant.objects.filter(order=order, revoked_at=None).count()


def test_refunding_the_whole_order_refunds_at_stripe_and_closes_the_downloads(
    paid_by_card, stripe_api, client, send_event
):
    order = paid_by_card
    staff = staff_client()
    page = staff.post(CHANGELIST, {"action": "refund_card_payment", "_selected_action": [order.pk]})
    assert "Refund the whole order" in page.content.decode()
    assert stripe_api.refunds == []  # the page asks first

    response = refund(staff, order, "whole")

    assert "Refunded 6.99 GBP" in response.content.decode()
    [stripe_refund] = stripe_api.refunds
    payment = order.payments.get()
    assert (stripe_refund["amount"], stripe_refund["payment_intent"]) == (699, payment.payment_intent)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    assert open_grants(order) == 0
    grant = DownloadGrant.objects.filter(order=order).first()
    assert client.get(f"/account/orders/{order.pk}/files/{grant.pk}/").status_code == 403

    # Stripe then reports the refund: already recorded, nothing more happens.
    session = stripe_api.sessions[payment.session_id]
    reported = send_event("charge.refunded", stripe_api.charge(session, 699))
    assert reported.content == b"Refund already recorded."
    assert PaymentRefund.objects.count() == 1


def test_refunding_one_line_revokes_that_line_only(buyer, client, stripe_api, send_event, pay_by_card):
    first, second = book_with_files(title="First"), book_with_files(title="Second")
    client.force_login(buyer)
    add_to_cart(client, first, 1, option3="eBook")
    order, payment = pay_by_card(second, "eBook")
    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))
    second_line = order.items.get(description__startswith="Second")

    refund(staff_client(), order, "lines", [second_line])

    assert [r["amount"] for r in stripe_api.refunds] == [699]
    assert DownloadGrant.objects.filter(order_item=second_line, revoked_at=None).count() == 0
    assert open_grants(order) == 2  # the first book's two files
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE
    assert order.payments.get().amount_refunded == 699


def test_refunding_needs_the_refund_permission(paid_by_card, stripe_api):
    viewer = staff_client(staff_with("shop.view_order", "shop.change_order", username="clerk"))

    changelist = viewer.get(CHANGELIST)
    refund(viewer, paid_by_card, "whole")

    assert "refund_card_payment" not in dict(changelist.context["action_form"].fields["action"].choices)
    assert stripe_api.refunds == []
    assert open_grants(paid_by_card) == 2

    refunder = staff_client(staff_with("shop.view_order", "shop_ext.refund_payment", username="refunds"))
    refund(refunder, paid_by_card, "whole")
    assert len(stripe_api.refunds) == 1


def test_stripe_refusing_a_refund_changes_nothing(paid_by_card, stripe_api):
    stripe_api.fail_next = (400, "invalid_request_error", "Charge already refunded")

    response = refund(staff_client(), paid_by_card, "whole")

    assert "Stripe did not refund" in response.content.decode()
    assert PaymentRefund.objects.count() == 0
    assert open_grants(paid_by_card) == 2
    assert Order.objects.get(pk=paid_by_card.pk).status == OrderStatus.COMPLETE


def test_an_unpaid_order_has_nothing_to_refund(book, pay_by_card, stripe_api):
    order, _payment = pay_by_card(book, "eBook")

    response = refund(staff_client(), order, "whole")

    assert "no card payment to refund" in response.content.decode()
    assert stripe_api.refunds == []


def test_a_full_refund_in_stripes_dashboard_closes_the_downloads(paid_by_card, stripe_api, send_event):
    session = stripe_api.sessions[paid_by_card.payments.get().session_id]
    mail.outbox.clear()

    response = send_event("charge.refunded", stripe_api.charge(session, 699))

    assert response.status_code == 200
    assert Order.objects.get(pk=paid_by_card.pk).status == OrderStatus.REFUNDED
    assert PaymentRefund.objects.get().amount == 699
    assert not PaymentEvent.objects.get(type="charge.refunded").needs_attention


def test_a_partial_refund_in_stripes_dashboard_is_recorded_and_flagged(paid_by_card, stripe_api, send_event):
    session = stripe_api.sessions[paid_by_card.payments.get().session_id]

    send_event("charge.refunded", stripe_api.charge(session, 200))

    assert Order.objects.get(pk=paid_by_card.pk).status == OrderStatus.COMPLETE
    assert PaymentRefund.objects.get().amount == 200
    assert PaymentEvent.objects.get(type="charge.refunded").needs_attention


def test_checkout_still_works_with_the_bank_transfer_gateway(book, client, buyer, settings):
    """The card gateway's admin and URLs leave the default gateway alone."""
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_on_account"
    client.force_login(buyer)
    add_to_cart(client, book, 1, option3="eBook")

    placed = checkout(client)

    assert placed["Location"] == "/shop/checkout/complete/"
    assert client.get("/shop/checkout/complete/").status_code == 200


def test_a_line_is_refunded_once_even_if_posted_again(paid_by_card, stripe_api):
    line = paid_by_card.items.get()
    staff = staff_client()
    refund(staff, paid_by_card, "lines", [line])

    again = refund(staff, paid_by_card, "lines", [line])

    assert "nothing left to refund" in again.content.decode()
    assert [r["amount"] for r in stripe_api.refunds] == [699]
    page = staff.post(CHANGELIST, {"action": "refund_card_payment", "_selected_action": [paid_by_card.pk]})
    assert f'id="refund-item-{line.pk}"' not in page.content.decode()
    assert "<td>refunded</td>" in page.content.decode()
