"""The order emails' task, run eagerly (no worker, as in make run and these
tests): sent once however often it runs, retried while the mail server is
busy, never retried for an address that is refused, and recorded."""

import pytest
from django.core import mail

from shop_ext.models import OrderEmail
from shop_ext.orders.tasks import send_order_email
from tests import doubles

pytestmark = pytest.mark.django_db


def files_email(order):
    return OrderEmail.objects.get(order=order, kind=OrderEmail.FILES)


def test_a_task_run_twice_sends_one_email(paid_order):
    email = files_email(paid_order)
    assert email.sent_at is not None
    sent = len(mail.outbox)
    send_order_email.apply(args=[email.pk])
    send_order_email.apply(args=[email.pk])
    assert len(mail.outbox) == sent
    email.refresh_from_db()
    assert email.tries == 1


def test_a_busy_mail_server_is_tried_again_until_it_takes_the_email(settings, paid_order):
    email = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.FILES)
    settings.EMAIL_BACKEND = "tests.doubles.FlakyEmailBackend"
    doubles.FlakyEmailBackend.failures = 2
    mail.outbox.clear()
    send_order_email.apply(args=[email.pk])
    email.refresh_from_db()
    assert email.tries == 3
    assert email.sent_at is not None
    assert not email.gave_up
    assert len(mail.outbox) == 1


def test_a_refused_address_is_not_tried_again(paid_order, settings):
    email = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.RECEIPT)
    settings.EMAIL_BACKEND = "tests.doubles.RefusingAddressBackend"
    send_order_email.apply(args=[email.pk])
    email.refresh_from_db()
    assert email.tries == 1
    assert email.gave_up
    assert "SMTPRecipientsRefused" in email.error


def test_a_task_for_a_deleted_order_does_nothing(paid_order):
    email = files_email(paid_order)
    OrderEmail.objects.filter(pk=email.pk).update(sent_at=None)
    paid_order.delete()
    sent = len(mail.outbox)
    send_order_email.apply(args=[email.pk])
    assert len(mail.outbox) == sent


def test_receipt_and_files_email_are_recorded_for_staff(paid_order, admin_client):
    emails = OrderEmail.objects.filter(order=paid_order)
    assert [(e.kind, e.sent_at is not None) for e in emails] == [
        (OrderEmail.RECEIPT, True),
        (OrderEmail.FILES, True),
    ]
    page = admin_client.get(f"/admin/shop/order/{paid_order.pk}/change/").content.decode()
    assert "Your files are ready" in page
    assert "Order receipt" in page


def test_requeue_emails_sends_what_was_lost_or_not_queued_and_leaves_the_rest(paid_order, settings):
    """Lost (a Redis without its data) or not queued (broker down): sent by
    requeue_emails once old enough; a refused address stays failed for staff."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from shop_ext.core.tasks import NOT_QUEUED

    lost = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.FILES)
    not_queued = OrderEmail.objects.create(
        order=paid_order, kind=OrderEmail.RECEIPT, gave_up=True, error=f"{NOT_QUEUED}: connection refused"
    )
    refused = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.RECEIPT, gave_up=True, error="550")
    recent = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.FILES)
    long_ago = timezone.now() - timedelta(minutes=30)
    OrderEmail.objects.filter(pk__in=[lost.pk, not_queued.pk, refused.pk]).update(requested_at=long_ago)
    sent = len(mail.outbox)

    call_command("requeue_emails")

    assert len(mail.outbox) == sent + 2
    for email, was_sent in ((lost, True), (not_queued, True), (refused, False), (recent, False)):
        email.refresh_from_db()
        assert (email.sent_at is not None) == was_sent, email.pk


def test_requeue_emails_sends_an_email_stuck_for_a_few_minutes_and_leaves_one_still_in_its_retries(
    paid_order,
):
    """A task cut before it recorded a try leaves its email untried: queued
    again after SHOP_EMAIL_REQUEUE_MINUTES, not a quarter of an hour later.
    One that a worker tried is still in its retries: left to them."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    stuck = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.FILES)
    retrying = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.RECEIPT, tries=2, error="451 busy")
    four_minutes_ago = timezone.now() - timedelta(minutes=4)
    OrderEmail.objects.filter(pk__in=[stuck.pk, retrying.pk]).update(requested_at=four_minutes_ago)
    sent = len(mail.outbox)

    call_command("requeue_emails")

    assert len(mail.outbox) == sent + 1
    stuck.refresh_from_db()
    retrying.refresh_from_db()
    assert stuck.sent_at is not None
    assert retrying.sent_at is None
