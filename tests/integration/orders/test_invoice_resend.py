"""Re-sending an order's email (/shop/invoice/<id>/resend/): the buyer or
staff with shop.view_order only, to the order's billing address only, a few
times an hour per order."""

from datetime import timedelta

import pytest
from cartridge.shop.models import Order
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from shop_ext.models import InvoiceResend, OrderEmail
from tests.client import Client
from tests.factories import StaffFactory, staff_with
from tests.integration.delivery.test_concurrency import run_together
from tests.shopper import COMPLETE_URL, add_to_cart, checkout

pytestmark = pytest.mark.django_db


def resend_url(order):
    return f"/shop/invoice/{order.pk}/resend/"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_resend_is_limited_per_order(client, paid_order, settings):
    """It sent one email per request, without end."""
    settings.SHOP_INVOICE_RESENDS_PER_HOUR = 3
    mail.outbox.clear()
    responses = [client.post(resend_url(paid_order)) for _ in range(5)]
    assert [r.status_code for r in responses] == [302] * 5
    assert len(mail.outbox) == 3
    assert InvoiceResend.objects.filter(order=paid_order).count() == 3
    refused = messages_of(responses[-1])[-1]  # the messages pile up, unread
    assert (
        refused == f"The email for order {paid_order.pk} was sent 3 times in the last hour. Please try later."
    )


def test_the_limit_is_per_hour(client, paid_order, settings):
    settings.SHOP_INVOICE_RESENDS_PER_HOUR = 1
    mail.outbox.clear()
    client.post(resend_url(paid_order))
    client.post(resend_url(paid_order))
    assert len(mail.outbox) == 1
    InvoiceResend.objects.update(sent_at=timezone.now() - timedelta(minutes=61))
    client.post(resend_url(paid_order))
    assert len(mail.outbox) == 2


def test_the_limit_is_per_order(client, book, place_order, settings):
    settings.SHOP_INVOICE_RESENDS_PER_HOUR = 1
    first, second = place_order(book, "eBook"), place_order(book, "eBook")
    mail.outbox.clear()
    client.post(resend_url(first))
    client.post(resend_url(second))
    assert len(mail.outbox) == 2


def test_resend_goes_to_the_billing_address_only(client, paid_order):
    Order.objects.filter(pk=paid_order.pk).update(billing_detail_email="billing@example.com")
    mail.outbox.clear()
    posted = {
        "email": "evil@example.com",
        "to": "evil@example.com",
        "billing_detail_email": "evil@example.com",
    }
    client.post(resend_url(paid_order), posted)
    assert [(m.to, m.cc, m.bcc) for m in mail.outbox] == [(["billing@example.com"], [], [])]


@pytest.mark.parametrize(
    ("who", "sends"),
    [
        ("another buyer", False),
        ("anonymous", False),
        ("staff without permission", False),
        ("staff with manage_downloads only", False),
        ("staff with view_order", True),
        ("superuser", True),
    ],
)
def test_only_the_buyer_or_staff_with_view_order_may_resend(who, sends, paid_order, django_user_model):
    users = {
        "another buyer": lambda: django_user_model.objects.create_user(
            "mallory", "m@example.com", "pw-m-12345"
        ),
        "anonymous": lambda: None,
        "staff without permission": staff_with,
        "staff with manage_downloads only": lambda: staff_with("shop_ext.manage_downloads"),
        "staff with view_order": lambda: staff_with("shop.view_order"),
        "superuser": StaffFactory,
    }
    user = users[who]()
    visitor = Client()
    if user is not None:
        visitor.force_login(user)
    mail.outbox.clear()

    response = visitor.post(resend_url(paid_order))

    if sends:
        assert response.status_code == 302
        assert response["Location"] == f"/admin/shop/order/{paid_order.pk}/change/"
        assert [m.to for m in mail.outbox] == [[paid_order.billing_detail_email]]  # not the staff's
    else:
        assert response.status_code == 404
        assert mail.outbox == []
        assert not InvoiceResend.objects.exists()


def test_a_guest_buyer_may_resend_from_the_session_that_placed_the_order(book):
    guest = Client()
    add_to_cart(guest, book, option3="Paperback")
    assert checkout(guest)["Location"] == COMPLETE_URL
    order = Order.objects.latest("id")
    mail.outbox.clear()
    assert guest.post(resend_url(order), {"next": COMPLETE_URL})["Location"] == COMPLETE_URL
    assert len(mail.outbox) == 1
    assert Client().post(resend_url(order)).status_code == 404


def test_a_get_sends_nothing(client, paid_order):
    mail.outbox.clear()
    assert client.get(resend_url(paid_order)).status_code == 302
    assert mail.outbox == []


def test_a_mail_failure_is_recorded_for_staff_not_a_500(client, paid_order, settings):
    """The email is sent by the queue: the page says it is on its way; a mail
    server that refuses it leaves it marked failed on the order, for staff."""
    settings.EMAIL_BACKEND = "tests.doubles.FailingEmailBackend"
    response = client.post(resend_url(paid_order))
    assert response.status_code == 302
    # The last message (the one-page checkout shows no page between "Item
    # added to cart" and the order: that message is still waiting).
    assert (
        messages_of(response)[-1]
        == f"The email for order {paid_order.pk} is on its way to its billing address."
    )
    resent = OrderEmail.objects.filter(order=paid_order, kind=OrderEmail.RECEIPT).latest("pk")
    assert resent.gave_up
    assert resent.sent_at is None
    assert resent.error


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_resends_send_exactly_the_limit(buyer, book, place_order, settings):
    """Counted under the order's row lock: on PostgreSQL the ten requests
    run in parallel, and still only three emails go out."""
    settings.SHOP_INVOICE_RESENDS_PER_HOUR = 3
    order = place_order(book, "eBook")
    mail.outbox.clear()

    visitors = [Client() for _ in range(10)]
    for visitor in visitors:
        visitor.force_login(buyer)

    statuses = run_together(10, lambda i: visitors[i].post(resend_url(order)).status_code)

    assert statuses == [302] * 10
    assert len(mail.outbox) == 3
    assert InvoiceResend.objects.filter(order=order).count() == 3
