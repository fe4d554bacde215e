"""Sending an order's emails (the receipt, "your files are ready"): each is
an OrderEmail row, sent at most once by shop_ext.orders.tasks in a worker."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from mezzanine.conf import settings as editable_settings
from mezzanine.utils.email import send_mail_template

from shop_ext.core import mail
from shop_ext.core.links import site_url
from shop_ext.delivery.emails import files_email_context
from shop_ext.models import OrderEmail


def _send_receipt(order):
    editable_settings.clear_cache()  # SHOP_ORDER_EMAIL_SUBJECT may be edited in the admin
    context = {"order": order, "order_items": order.items.all(), "site_url": site_url()}
    context.update(order.details_as_dict())
    send_mail_template(
        editable_settings.SHOP_ORDER_EMAIL_SUBJECT,
        "email/order_receipt",
        settings.SHOP_ORDER_FROM_EMAIL,
        order.billing_detail_email,
        context=context,
        addr_bcc=editable_settings.SHOP_ORDER_EMAIL_BCC or None,
        fail_silently=False,
    )


def _send_files(order):
    buyer = get_user_model().objects.filter(pk=order.user_id).first() or AnonymousUser()
    send_mail_template(
        f"Your files from {settings.SITE_TITLE} (order #{order.pk})",
        "email/order_files",
        settings.SHOP_ORDER_FROM_EMAIL,
        order.billing_detail_email,
        context=files_email_context(order, buyer),
        fail_silently=False,
    )


SENDERS = {OrderEmail.RECEIPT: _send_receipt, OrderEmail.FILES: _send_files}


def send_once(email_id):
    """Send the order email unless it went out already (see
    shop_ext.core.mail.send_recorded_once). Returns the error that stopped it, or None."""
    return mail.send_recorded_once(OrderEmail, email_id, _send, related=("order",))


def _send(email):
    SENDERS[email.kind](email.order)


def give_up(email_id, reason):
    mail.give_up(OrderEmail, email_id, reason)
