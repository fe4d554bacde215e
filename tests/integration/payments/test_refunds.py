"""Refunds: from the admin (whole order or chosen lines) through Stripe,
and from Stripe's dashboard by webhook; refunded lines lose their downloads."""

from decimal import Decimal

import pytest
from cartridge.shop.models import Order
from django.core import mail

from shop_ext.models import DownloadGrant, PaymentEvent, PaymentRefund
from shop_ext.orders import OrderStatus
from tests.client import Client
from tests.factories import DiscountCodeFactory, StaffFactory, book_with_files, staff_with
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


# ---------------------------------------------------------------- a line's share of the payment


@pytest.fixture
def paid_lines(buyer, client, stripe_api, send_event, pay_by_card):
    """Pays by card for a cart of these (product, format) lines, with a
    discount code made from ``discount`` (DiscountCode fields), and Stripe
    reports it paid. Returns the order and its lines in cart order."""

    def pay(lines, **discount):
        code = DiscountCodeFactory(code="REFUNDTEST", **discount).code if discount else ""
        client.force_login(buyer)
        *first, (last, last_format) = lines
        for product, fmt in first:
            add_to_cart(client, product, 1, option3=fmt)
        order, payment = pay_by_card(last, last_format, discount_code=code)
        send_event("checkout.session.completed", stripe_api.complete(payment.session_id))
        # Cartridge copies the cart into the order in the database's row
        # order, which PostgreSQL does not promise: match the lines by SKU.
        skus = [product.variations.get(option3=fmt).sku for product, fmt in lines]
        return order, sorted(order.items.all(), key=lambda item: skus.index(item.sku))

    return pay


def refunded_amounts(stripe_api):
    return [refund["amount"] for refund in stripe_api.refunds]


def test_a_line_refunds_its_share_of_a_discounted_order(paid_lines, stripe_api):
    """Issue 28 item 8: two 6.99 ebooks with a 50% code were paid 6.99;
    refunding one line sent Stripe the whole 699 and closed both lines."""
    order, (first, second) = paid_lines(
        [(book_with_files(title="First"), "eBook"), (book_with_files(title="Second"), "eBook")],
        discount_percent=Decimal("50"),
    )
    assert order.payments.get().amount == 699
    staff = staff_client()

    refund(staff, order, "lines", [second])

    # 349.5 each: the penny goes to the earlier line.
    assert refunded_amounts(stripe_api) == [349]
    assert DownloadGrant.objects.filter(order_item=second, revoked_at=None).count() == 0
    assert DownloadGrant.objects.filter(order_item=first, revoked_at=None).count() == 2
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE

    refund(staff, order, "lines", [first])

    assert refunded_amounts(stripe_api) == [349, 350]
    assert order.payments.get().amount_refunded == 699
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED


def test_three_lines_split_a_deduction_to_the_penny(paid_lines, stripe_api):
    """15.97 paid for three 6.99 lines (5.00 off): 532.33 each."""
    books = [(book_with_files(title=f"Book {n}"), "eBook") for n in range(3)]
    order, lines = paid_lines(books, discount_deduct=Decimal("5.00"))
    assert order.payments.get().amount == 1597
    staff = staff_client()

    page = staff.post(CHANGELIST, {"action": "refund_card_payment", "_selected_action": [order.pk]})
    assert page.content.decode().count("<td>5.32 GBP</td>") == 2
    assert "<td>5.33 GBP</td>" in page.content.decode()

    for line in reversed(lines):
        refund(staff, order, "lines", [line])

    assert refunded_amounts(stripe_api) == [532, 532, 533]
    assert sum(refunded_amounts(stripe_api)) == order.payments.get().amount_refunded == 1597
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    assert open_grants(order) == 0


def test_shipping_belongs_to_the_line_that_ships(paid_lines, stripe_api):
    """A paperback and an ebook, 10% off, 4.50 shipping: 12.99 + 6.99 - 2.00
    + 4.50 = 22.48. The ebook's refund carries none of the shipping."""
    order, (paperback, ebook) = paid_lines(
        [(book_with_files(title="Printed"), "Paperback"), (book_with_files(title="Digital"), "eBook")],
        discount_percent=Decimal("10"),
    )
    payment = order.payments.get()
    assert payment.amount == 2248
    staff = staff_client()

    refund(staff, order, "lines", [ebook])
    refund(staff, order, "lines", [paperback])

    # 17.98 left after shipping, split 12.99 : 6.99 -> 1168.9.. : 629.0..
    assert refunded_amounts(stripe_api) == [629, 450 + 1169]
    assert sum(refunded_amounts(stripe_api)) == payment.amount


def test_a_partly_refunded_payment_refunds_no_more_than_is_left(paid_lines, stripe_api, send_event):
    order, (first, second) = paid_lines(
        [(book_with_files(title="First"), "eBook"), (book_with_files(title="Second"), "eBook")]
    )
    session = stripe_api.sessions[order.payments.get().session_id]
    send_event("charge.refunded", stripe_api.charge(session, 1000))  # 10.00 of 13.98 in Stripe's dashboard

    refund(staff_client(), order, "lines", [second])

    assert refunded_amounts(stripe_api) == [398]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED


# ---------------------------------------------------------------- refund.failed


def test_a_failed_line_refund_gives_back_what_it_took_and_flags_the_order(
    paid_lines, stripe_api, send_event, caplog
):
    order, (first, second) = paid_lines(
        [(book_with_files(title="First"), "eBook"), (book_with_files(title="Second"), "eBook")],
        discount_percent=Decimal("50"),
    )
    staff = staff_client()
    refund(staff, order, "lines", [second])
    assert open_grants(order) == 2
    event = stripe_api.event("refund.failed", stripe_api.fail_refund(stripe_api.refunds[0]["id"]))

    with caplog.at_level("ERROR", logger="shop_ext.payments.webhooks"):
        response = send_event("refund.failed", None, body=event)

    assert response.status_code == 200
    assert open_grants(order) == 4
    payment = order.payments.get()
    assert payment.amount_refunded == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE
    recorded = PaymentEvent.objects.get(type="refund.failed")
    assert (recorded.needs_attention, recorded.payment) == (True, payment)
    assert any("failed at Stripe" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    # Staff see it in the list of orders and on the order's page.
    assert "a refund failed" in staff.get(CHANGELIST).content.decode()
    assert "3.49 GBP FAILED at Stripe" in staff.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    # The line can be refunded again.
    refund(staff, order, "lines", [second])
    assert refunded_amounts(stripe_api) == [349, 349]


def test_a_failed_refund_of_the_whole_order_reopens_it_once(paid_by_card, stripe_api, send_event):
    order = paid_by_card
    refund(staff_client(), order, "whole")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    failed = stripe_api.fail_refund(stripe_api.refunds[0]["id"])
    event = stripe_api.event("refund.failed", failed)

    send_event("refund.failed", None, body=event)
    again = send_event("refund.failed", None, body=event)
    later = send_event("refund.failed", failed)  # the same news in a new event

    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE
    assert open_grants(order) == 2
    assert order.payments.get().amount_refunded == 0
    assert again.content == b"Already processed."
    assert later.content == b"Refund failure already recorded."
    assert PaymentRefund.objects.get().failed_at is not None


def test_a_failed_refund_the_shop_did_not_make_is_flagged(paid_by_card, stripe_api, send_event):
    payment = paid_by_card.payments.get()
    foreign = {"id": "re_dashboard", "object": "refund", "payment_intent": payment.payment_intent}

    response = send_event("refund.failed", {**foreign, "status": "failed"})

    assert response.status_code == 200
    assert PaymentEvent.objects.get(type="refund.failed").needs_attention
    assert Order.objects.get(pk=paid_by_card.pk).status == OrderStatus.COMPLETE
