"""A database error at the worst moment of a checkout (a connection cut
while the order is marked paid, or while its receipt is queued) leaves no
half-placed order: everything placing and paying it writes is rolled back,
the cart is as it was, and money a gateway took is recorded for a refund.
An order left paid but not marked paid is finished by reconcile_payments."""

import io
from decimal import Decimal

import pytest
from cartridge.shop.models import DiscountCode, Order, OrderItem
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from shop_ext.models import DownloadGrant, OrderDelivery, OrderEmail, UnfinishedPayment
from shop_ext.orders import PAID_STATUSES, OrderStatus
from tests.doubles import connection_cut
from tests.factories import DiscountCodeFactory, book_with_files, variation
from tests.shopper import COMPLETE_URL, add_to_cart, checkout, checkout_details, checkout_step, quiet_client

pytestmark = pytest.mark.django_db(transaction=True)

BUNDLE = "Paperback + eBook"  # ships (stock) and delivers files


@pytest.fixture
def shopper():
    """A guest with the bundle in the cart; a single-use code exists."""
    book = book_with_files()
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    browser = quiet_client()
    add_to_cart(browser, book, option3=BUNDLE)
    return browser, variation(book, option3=BUNDLE)


def reconcile(*args):
    """reconcile_payments' output, and whether it said staff are needed."""
    out = io.StringIO()
    try:
        call_command("reconcile_payments", *args, stdout=out)
    except CommandError:
        return out.getvalue(), True
    return out.getvalue(), False


def assert_nothing_written(bundle):
    assert not Order.objects.exists()
    assert not OrderItem.objects.exists()
    assert not OrderDelivery.objects.exists()
    assert not DownloadGrant.objects.exists()
    assert not OrderEmail.objects.exists()
    assert mail.outbox == []
    bundle.refresh_from_db()
    assert bundle.num_in_stock == 10
    assert DiscountCode.objects.get(code="ONCE").uses_remaining == 1


FAULTS = {
    "granting the files": "shop_ext.delivery.receivers.grant_files",
    "queueing the receipt": "shop_ext.patches.queue_order_email",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_paid_checkout_cut_midway_writes_nothing_and_records_the_payment_for_a_refund(
    shopper, settings, monkeypatch, fault
):
    settings.SHOP_PAYMENT_GATEWAY = "tests.doubles.record_payment"
    browser, bundle = shopper
    with monkeypatch.context() as patched:
        patched.setattr(FAULTS[fault], connection_cut)
        response = checkout(browser, discount_code="ONCE")

    assert response.status_code == 500
    assert_nothing_written(bundle)
    payment = UnfinishedPayment.objects.get()
    assert payment.transaction_id.startswith("TEST-")
    assert payment.billing_email == "ada@example.com"
    assert "OperationalError" in payment.error
    listed, needs_staff = reconcile()
    assert needs_staff
    assert f"TO REFUND  payment {payment.transaction_id}" in listed

    # The shopper's cart survived: trying again places and pays the order, once.
    retried = checkout(browser, discount_code="ONCE")
    assert retried.status_code == 302
    order = Order.objects.get()
    assert order.status in PAID_STATUSES
    assert order.download_grants.count() == 2
    assert [e.kind for e in OrderEmail.objects.filter(order=order)] == [OrderEmail.RECEIPT]
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]

    # Staff refund the first payment at the provider and settle it.
    settled, needs_staff = reconcile("--settled", payment.transaction_id)
    assert not needs_staff, settled
    assert UnfinishedPayment.objects.get().settled_at is not None


def test_a_bank_transfer_checkout_cut_midway_writes_nothing_and_owes_nothing(shopper, settings, monkeypatch):
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_on_account"
    browser, bundle = shopper
    with monkeypatch.context() as patched:
        patched.setattr(FAULTS["queueing the receipt"], connection_cut)
        response = checkout(browser, discount_code="ONCE")

    assert response.status_code == 500
    assert_nothing_written(bundle)
    assert not UnfinishedPayment.objects.exists()
    assert reconcile() == ("No payment waits to be finished or refunded.\n", False)


def test_an_order_paid_at_the_gateway_but_never_marked_paid_is_listed_then_finished_once(shopper, settings):
    """As the fault-injection run left order #33: the gateway's transaction
    id, Unpaid, no grants, no delivery record, no email."""
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_on_account"
    browser, _bundle = shopper
    assert checkout(browser).status_code == 302
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(transaction_id="GW-33")
    OrderEmail.objects.all().delete()
    mail.outbox.clear()

    listed, needs_staff = reconcile()
    assert needs_staff
    assert f"TO FINISH  order #{order.pk}" in listed
    check = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_payments", stdout=check)
    assert (
        "FAIL  no payment taken at checkout waits to be finished or refunded: 1 waiting" in check.getvalue()
    )

    finished, needs_staff = reconcile("--finish")
    assert not needs_staff, finished
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.download_grants.count() == 2
    assert [e.kind for e in OrderEmail.objects.filter(order=order)] == [OrderEmail.RECEIPT]
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "almanac.epub" in mail.outbox[0].body  # the receipt carries the download links

    assert reconcile("--finish") == ("No payment waits to be finished or refunded.\n", False)
    assert len(mail.outbox) == 1


def test_an_order_committed_is_never_a_500_when_queueing_its_email_fails_afterwards(
    shopper, settings, monkeypatch
):
    """Queueing runs after the commit: whatever fails there (Redis timing
    out, the database gone before the email is marked not queued), the
    order stands, the buyer is sent to the completion page, and the email,
    never tried, is left for requeue_emails."""
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from shop_ext.orders.tasks import send_order_email

    def broker_times_out(*args, **kwargs):
        raise RedisTimeoutError("Timeout reading from socket")

    settings.SHOP_PAYMENT_GATEWAY = "tests.doubles.record_payment"
    browser, _bundle = shopper
    with monkeypatch.context() as patched:
        patched.setattr(send_order_email, "apply_async", broker_times_out)
        response = checkout(browser)

    assert (response.status_code, response["Location"]) == (302, COMPLETE_URL)
    order = Order.objects.get()
    assert order.status in PAID_STATUSES
    email = OrderEmail.objects.get(order=order)
    assert (email.kind, email.tries, email.sent_at) == (OrderEmail.RECEIPT, 0, None)
    assert browser.get(COMPLETE_URL).status_code == 200


def test_a_checkout_whose_commit_answer_is_lost_owes_no_refund(shopper, settings, monkeypatch):
    """The COMMIT reached the database, its answer did not: the order is
    placed and paid, and no payment is listed for a refund."""
    from django.db import connection

    from tests import doubles

    settings.SHOP_PAYMENT_GATEWAY = "tests.doubles.record_payment"
    browser, _bundle = shopper
    details = checkout_details()
    assert checkout_step(browser, 1, details).status_code == 200
    paid_before = len(doubles.PAYMENTS)
    commit = connection._commit

    def commit_then_cut():
        commit()
        if len(doubles.PAYMENTS) > paid_before:  # the order's transaction, once paid
            monkeypatch.undo()
            connection_cut()

    monkeypatch.setattr(connection, "_commit", commit_then_cut)
    response = checkout_step(browser, 2, details)

    assert response.status_code == 500
    order = Order.objects.get()
    assert order.status in PAID_STATUSES
    assert order.transaction_id.startswith("TEST-")
    assert not UnfinishedPayment.objects.exists()
    assert reconcile() == ("No payment waits to be finished or refunded.\n", False)
