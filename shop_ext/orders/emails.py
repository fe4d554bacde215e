"""Sending an order's emails (the receipt, "your files are ready"): each is
an OrderEmail row, sent by shop_ext.orders.tasks in a worker.

``send_once`` sends one row at most once: it holds the row's lock
while it sends and marks it sent in the same transaction, so a task that
runs twice, or on two workers at once, sends one email. (A worker that dies
after the mail server took the message but before the commit sends it again
on the retry: at least once, never lost.)
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from mezzanine.conf import settings as editable_settings
from mezzanine.utils.email import send_mail_template

from shop_ext.core.links import absolute_url, site_url
from shop_ext.delivery.emails import files_email_context
from shop_ext.delivery.private_links import holder_of, page_url
from shop_ext.models import OrderEmail
from shop_ext.orders import PAID_STATUSES

log = logging.getLogger(__name__)


def _send_receipt(order):
    """The receipt; an order paid when it was placed gets its download links
    in it too (one email per purchase: mark_order_paid sends no files email then).

    The shop's copy (SHOP_ORDER_EMAIL_BCC) is a separate message without the
    links: they are keys to the buyer's files and attempts."""
    editable_settings.clear_cache()  # SHOP_ORDER_EMAIL_SUBJECT may be edited in the admin
    context = {"order": order, "order_items": order.items.all(), "site_url": site_url()}
    context.update(order.details_as_dict())
    shop_copy = editable_settings.SHOP_ORDER_EMAIL_BCC
    if shop_copy:
        _send_receipt_to(shop_copy, context)
    if order.status in PAID_STATUSES and order.download_grants.exists():
        context.update(files_email_context(order))
    else:  # where a guest finds the order again (its files once paid, paying again)
        context["order_url"] = absolute_url(page_url(holder_of(order)))
    _send_receipt_to(order.billing_detail_email, context)


def _send_receipt_to(addresses, context):
    send_mail_template(
        editable_settings.SHOP_ORDER_EMAIL_SUBJECT,
        "email/order_receipt",
        settings.SHOP_ORDER_FROM_EMAIL,
        addresses,
        context=context,
        fail_silently=False,
    )


def _send_files(order):
    send_mail_template(
        f"Your files from {settings.SITE_TITLE} (order #{order.pk})",
        "email/order_files",
        settings.SHOP_ORDER_FROM_EMAIL,
        order.billing_detail_email,
        context=files_email_context(order),
        fail_silently=False,
    )


SENDERS = {OrderEmail.RECEIPT: _send_receipt, OrderEmail.FILES: _send_files}


def send_once(email_id):
    """Send the email unless it went out already. Returns the error that
    stopped it (recorded on the row), or None.

    Only the email's own row is locked while the mail server is talked to
    (never the order's, which checkout and downloads write to); EMAIL_TIMEOUT
    bounds how long."""
    with transaction.atomic():
        email = (
            OrderEmail.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.sent_at is not None:
            return None
        email.tries += 1
        try:
            SENDERS[email.kind](email.order)
        except Exception as error:  # any failure: record it on the row, the caller decides on a retry
            log.warning(
                "Order #%s: %s email, try %s, failed", email.order_id, email.kind, email.tries, exc_info=True
            )
            email.error = f"{timezone.now():%Y-%m-%d %H:%M} {type(error).__name__}: {error}"[:1000]
            email.save(update_fields=["tries", "error"])
            return error
        email.sent_at = timezone.now()
        email.save(update_fields=["tries", "sent_at"])
    log.info("Order #%s: %s email sent to %s", email.order_id, email.kind, email.order.billing_detail_email)
    return None


def give_up(email_id, reason):
    """No more tries: staff see it as failed and can queue it again."""
    OrderEmail.objects.filter(pk=email_id, sent_at__isnull=True).update(gave_up=True)
    log.error("Order email %s not sent, no more tries: %s", email_id, reason)
