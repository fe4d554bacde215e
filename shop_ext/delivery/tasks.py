"""The delivery's slow work, done in a worker so no request waits for it:
building an order's zip, emailing lost download links."""

import logging

from cartridge.shop.models import Order
from celery import shared_task
from django.conf import settings
from mezzanine.utils.email import send_mail_template

from shop_ext.core.links import absolute_url, site_url
from shop_ext.core.mail import MAX_RETRIES, retry_if_transient
from shop_ext.delivery.access import order_decision
from shop_ext.delivery.emails import download_lines
from shop_ext.delivery.private_links import holder_of, page_url
from shop_ext.delivery.zips import order_zip, zip_files
from shop_ext.orders import PAID_STATUSES

log = logging.getLogger(__name__)


@shared_task
def build_order_zip(order_id):
    """Safe to run twice: a zip is built once per content (shop_ext.delivery.zips)."""
    order = Order.objects.filter(pk=order_id).first()
    files = zip_files(order) if order is not None else []
    if files:
        order_zip(order, files)


def orders_with_usable_links(email):
    """The paid orders placed with ``email`` whose private links still
    download something, newest first, each with ``private_url`` and
    ``download_lines`` set."""
    orders = Order.objects.filter(
        billing_detail_email__iexact=email, status__in=PAID_STATUSES, delivery__isnull=False
    ).order_by("-time")
    usable = []
    for order in orders:
        holder = holder_of(order)
        if not order_decision(holder, order):
            continue
        lines = download_lines(order, holder)
        if any(grant.decision for line in lines for grant in line["grants"]):
            order.private_url = absolute_url(page_url(holder))
            order.download_lines = lines
            usable.append(order)
    return usable


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_lost_links(self, email):
    """Email ``email`` (the address that asked, and no other) the private
    links of its orders; nothing when it has none."""
    orders = orders_with_usable_links(email)
    if not orders:
        return
    try:
        send_mail_template(
            f"Your download links from {settings.SITE_TITLE}",
            "email/lost_links",
            settings.SHOP_ORDER_FROM_EMAIL,
            email,
            context={"orders": orders, "site_url": site_url()},
            fail_silently=False,
        )
    except Exception as error:
        retry_if_transient(self, error)
        log.exception("The lost-links email was not sent, no more tries")
