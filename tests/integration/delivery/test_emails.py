"""Receipts and the files email: content, real SMTP, and mail failures."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from shop_ext.core.mail import MAX_RETRIES
from shop_ext.models import DownloadGrant, OrderEmail
from shop_ext.orders.actions import mark_order_paid
from tests.client import Client
from tests.shopper import private_link

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_receipt_for_unpaid_order_promises_files_after_payment(book, place_order):
    mail.outbox.clear()
    order = place_order(book, "eBook")
    (receipt,) = mail.outbox
    assert "once payment arrives" in receipt.body
    assert "/files/" not in receipt.body
    assert "/files/" not in receipt.alternatives[0][0]
    assert str(order.pk) in receipt.subject or f"#{order.pk}" in receipt.body


def test_files_email_lists_each_file_with_size_and_absolute_link(paid_order):
    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    for grant in DownloadGrant.objects.filter(order=paid_order).select_related("file"):
        link = f"https://shop.example.com{private_link(message.body, paid_order.pk)}files/{grant.pk}/"
        assert link in message.body
        assert link in html
        assert grant.file.download_name in message.body
    assert "1.0\xa0KB" in message.body or "1.0 KB" in message.body  # the EPUB's size
    assert "10 times" in message.body


def test_files_email_says_once_for_a_single_download(book, place_order, pay_order, settings):
    settings.SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS = 1
    order = place_order(book, "eBook")
    mail.outbox.clear()
    pay_order(order)
    body = mail.outbox[-1].body
    assert "You can download once" in body
    assert "1 times" not in body


def test_links_ignore_the_host_header(book, place_order, client, django_capture_on_commit_callbacks):
    order = place_order(book, "eBook")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/", HTTP_HOST="evil.example.net")
        mark_order_paid(order)
    assert "evil.example.net" not in mail.outbox[0].body


def test_mail_failure_keeps_order_paid_and_can_be_resent(book, place_order, pay_order, settings, admin_user):
    """Retried while the mail server is down (at once, without a worker),
    then shown to staff as failed; their re-send goes out."""
    order = place_order(book, "eBook")
    settings.EMAIL_BACKEND = "tests.integration.delivery.test_emails.RefusingBackend"
    pay_order(order)
    (failed,) = OrderEmail.objects.filter(order=order, kind=OrderEmail.FILES)
    assert failed.sent_at is None
    assert failed.gave_up
    assert failed.tries == MAX_RETRIES + 1
    assert "SMTPServerDisconnected" in failed.error
    assert DownloadGrant.objects.filter(order=order).count() == 2

    staff = Client()
    staff.force_login(admin_user)
    assert "EMAIL FAILED" in staff.get("/admin/shop/order/").content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    staff.post("/admin/shop/order/", {"action": "resend_files_email", "_selected_action": [order.pk]})
    assert len(mail.outbox) == 1
    resent = OrderEmail.objects.filter(order=order, kind=OrderEmail.FILES).latest("pk")
    assert resent.sent_at is not None
    assert resent.requested_by == admin_user
    assert "email sent" in staff.get("/admin/shop/order/").content.decode()


def test_files_email_over_real_smtp(book, place_order, pay_order, settings, smtp_sink):
    handler, port = smtp_sink
    order = place_order(book, "eBook")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    pay_order(order)
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == ["dana@example.com"]
    text = envelope.content.decode()
    assert "multipart/alternative" in text
    assert "text/html" in text
    assert f"https://shop.example.com{private_link(text, order.pk)}files/all.zip" in text
    assert OrderEmail.objects.get(order=order, kind=OrderEmail.FILES).sent_at is not None


def test_receipt_says_which_lines_are_downloads(book, place_order):
    mail.outbox.clear()
    place_order(book, "Paperback + eBook")
    (receipt,) = mail.outbox
    assert "(posted + download)" in receipt.body
    assert "Posted + download" in receipt.alternatives[0][0]
