"""Cartridge's order pages (history, invoice) with each paid order's files;
the invoice for the buyer or permitted staff only."""

from cartridge.shop import views as cartridge_views
from django.http import Http404
from django.template.response import TemplateResponse

from shop_ext.delivery.access import order_decision
from shop_ext.delivery.emails import download_lines
from shop_ext.orders.invoices import invoice_order


def order_history(request):
    """Cartridge's order history, with each paid order's files and limits."""
    response = cartridge_views.order_history(request)
    if isinstance(response, TemplateResponse):
        for order in response.context_data["orders"].object_list:
            attach_downloads(order, request.user)
    return response


def attach_downloads(order, user):
    """Give an order (for a template) its download lines and overall state."""
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


def no_such_order(request, *args):
    """An order id out of any id column's range (see shop_ext.core.converters)."""
    raise Http404("No such order.")
