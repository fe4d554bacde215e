"""The "your files are ready" email, sent once an order is paid."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from mezzanine.utils.email import send_mail_template

from shop_ext.delivery.access import grant_decision
from shop_ext.models import OrderDelivery

log = logging.getLogger(__name__)


def absolute_url(path):
    """Links in emails use the configured site address, never a Host header."""
    return settings.SHOP_SITE_URL.rstrip("/") + path


def download_lines(order, user):
    """The order's lines that deliver files, each with its grants and, per
    grant, whether ``user`` may download it now and why not."""
    lines = []
    grants = order.download_grants.select_related("file", "order_item", "order__delivery")
    for grant in grants:
        if not lines or lines[-1]["item"].pk != grant.order_item_id:
            lines.append({"item": grant.order_item, "grants": []})
        grant.decision = grant_decision(user, grant)
        grant.url = reverse("shop_ext:download_file", args=[order.pk, grant.pk])
        grant.absolute_url = absolute_url(grant.url)
        lines[-1]["grants"].append(grant)
    return lines


def send_files_email(order):
    """Send the email; a mail failure is recorded on the order, never raised,
    so payment and grants stand and staff can re-send it from the admin."""
    delivery = OrderDelivery.objects.get(order=order)
    buyer = get_user_model().objects.filter(pk=order.user_id).first() or AnonymousUser()
    zip_url = reverse("shop_ext:download_zip", args=[order.pk])
    context = {
        "order": order,
        "delivery": delivery,
        "lines": download_lines(order, buyer),
        "zip_url": absolute_url(zip_url),
        "history_url": absolute_url(reverse("shop_order_history")),
        "site_url": settings.SHOP_SITE_URL,
    }
    try:
        send_mail_template(
            f"Your files from {settings.SITE_TITLE} (order #{order.pk})",
            "email/order_files",
            settings.SHOP_ORDER_FROM_EMAIL,
            order.billing_detail_email,
            context=context,
            fail_silently=False,
        )
    except Exception as exc:  # any mail failure: record it, keep the order paid
        log.exception("Files email for order #%s failed", order.pk)
        OrderDelivery.objects.filter(pk=delivery.pk).update(
            email_error=f"{timezone.now():%Y-%m-%d %H:%M} {type(exc).__name__}: {exc}"[:1000]
        )
        return False
    OrderDelivery.objects.filter(pk=delivery.pk).update(email_sent_at=timezone.now(), email_error="")
    log.info("Files email for order #%s sent to %s", order.pk, order.billing_detail_email)
    return True
