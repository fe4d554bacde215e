"""Sending an order's emails (the receipt, "your files are ready"): each is
an OrderEmail row, sent at most once by shop_ext.orders.tasks in a worker.
What they say of the order's files and pages, the delivery feature adds
(its answer to order_email_context)."""

from django.conf import settings
from django.utils.translation import gettext as _
from mezzanine.conf import settings as editable_settings
from mezzanine.utils.email import send_mail_template

from shop_ext.core import mail
from shop_ext.core.links import site_url
from shop_ext.models import OrderEmail
from shop_ext.orders.signals import order_email_context


def _send_receipt(order):
    """The receipt; an order paid when it was placed gets its download links
    in it too (one email per purchase: mark_order_paid sends no files email then).

    The shop's copy (SHOP_ORDER_EMAIL_BCC) is a separate message without the
    links: they are keys to the buyer's files and attempts."""
    context = {"order": order, "order_items": order.items.all(), "site_url": site_url()}
    context.update(order.details_as_dict())
    shop_copy = editable_settings.SHOP_ORDER_EMAIL_BCC
    if shop_copy:
        _send_receipt_to(shop_copy, context)
    _send_receipt_to(order.billing_detail_email, {**context, **_buyers_links(order, OrderEmail.RECEIPT)})


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
        _("Your files from %(site)s (order #%(id)s)") % {"site": settings.SITE_TITLE, "id": order.pk},
        "email/order_files",
        settings.SHOP_ORDER_FROM_EMAIL,
        order.billing_detail_email,
        context=_buyers_links(order, OrderEmail.FILES),
        fail_silently=False,
    )


def _buyers_links(order, kind):
    """What the receivers of order_email_context add to the buyer's email."""
    context = {}
    for _receiver, addition in order_email_context.send(sender=OrderEmail, order=order, kind=kind):
        context.update(addition)
    return context


SENDERS = {OrderEmail.RECEIPT: _send_receipt, OrderEmail.FILES: _send_files}


def send_once(email_id):
    """Send the order email unless it went out already (see
    shop_ext.core.mail.send_recorded_once). Returns the error that stopped it, or None."""
    return mail.send_recorded_once(OrderEmail, email_id, _send, related=("order",))


def _send(email):
    SENDERS[email.kind](email.order)


def give_up(email_id, reason):
    mail.give_up(OrderEmail, email_id, reason)
