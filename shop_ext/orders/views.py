"""Cartridge's order pages (history, invoice) with each paid order's files,
and the invoice and its re-sending for the buyer or permitted staff only."""

from cartridge.shop import views as cartridge_views
from django.conf import settings
from django.contrib.messages import error, info
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from shop_ext.core.redirects import local_next
from shop_ext.delivery.access import order_decision
from shop_ext.delivery.emails import download_lines
from shop_ext.models import OrderEmail
from shop_ext.orders.invoices import invoice_order, is_buyer, reserve_resend
from shop_ext.orders.tasks import queue_order_email


def order_history(request):
    """Cartridge's order history, with each paid order's files and limits."""
    response = cartridge_views.order_history(request)
    if isinstance(response, TemplateResponse):
        for order in response.context_data["orders"].object_list:
            attach_downloads(order, request.user)
    return response


def attach_downloads(order, user):
    """Give an order (for a template) its download lines and overall state,
    and its latest card payment (a failed one offers to pay again)."""
    order.card_payment = order.payments.first()
    order.download_lines = download_lines(order, user)
    order.download_decision = order_decision(user, order)
    # order_decision has loaded (and cached) the order's delivery, if any.
    order.delivery_info = getattr(order, "delivery", None)


def invoice(request, order_id):
    """Cartridge's invoice (HTML or PDF), with links to the downloads.

    Our rule decides who may see it; Cartridge's own lookup, run after it,
    lets through everyone ours does (staff with the permission are staff).
    """
    invoice_order(request, order_id)
    response = cartridge_views.invoice(request, order_id)
    if isinstance(response, TemplateResponse):
        attach_downloads(response.context_data["order"], request.user)
    return response


def invoice_resend(request, order_id):
    """Send the order's confirmation email again (POST), a few times an hour
    per order, then go back where the form was."""
    order = invoice_order(request, order_id)
    if request.method == "POST":
        _resend(request, order)
    if is_buyer(request, order):
        fallback = reverse("shop_order_history")
    else:
        fallback = reverse("admin:shop_order_change", args=[order.pk])
    return redirect(local_next(request) or fallback)


def _resend(request, order):
    if not reserve_resend(order, request.user):
        message = _("The email for order %(id)s was sent %(count)s times in the last hour. Please try later.")
        error(request, message % {"id": order.pk, "count": settings.SHOP_INVOICE_RESENDS_PER_HOUR})
        return
    # To the order's billing address (and SHOP_ORDER_EMAIL_BCC), never to one from the request.
    asked_by = request.user if request.user.is_authenticated else None
    queue_order_email(order, OrderEmail.RECEIPT, requested_by=asked_by)
    info(request, _("The email for order %(id)s is on its way to its billing address.") % {"id": order.pk})


def no_such_order(request, *args):
    """An order id out of any id column's range (see shop_ext.core.converters)."""
    raise Http404("No such order.")
