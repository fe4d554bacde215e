"""The buyer's pages of an order with its files: Cartridge's order history
and invoice, and the order's private page (shop_ext.delivery.private_links),
each showing every paid order's download lines and limits."""

from cartridge.shop import views as cartridge_views
from cartridge.shop.models import Order
from django.db.models import Sum
from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from shop_ext.delivery.access import order_decision
from shop_ext.delivery.emails import download_lines, zip_url
from shop_ext.delivery.private_links import holder_for_token, holder_of
from shop_ext.orders.invoices import invoice_order, is_buyer


def order_history(request):
    """Cartridge's order history, with each paid order's files and limits,
    and an offer to add the guest orders of the account's address."""
    response = cartridge_views.order_history(request)
    if isinstance(response, TemplateResponse):
        for order in response.context_data["orders"].object_list:
            attach_downloads(order, request.user)
    return response


def attach_downloads(order, who):
    """Give an order (for a template) its download lines and overall state,
    as ``who`` (a user, or a private link's LinkHolder) sees them, and its
    latest card payment (a failed one offers to pay again)."""
    order.card_payment = order.payments.first()
    order.download_lines = download_lines(order, who)
    order.download_decision = order_decision(who, order)
    order.zip_url = zip_url(order, who, order.download_lines)
    # order_decision has loaded (and cached) the order's delivery, if any.
    order.delivery_info = getattr(order, "delivery", None)


@never_cache
def private_order(request, order_id, token):
    """An order's private page (shop_ext.delivery.private_links): what order
    history shows of it, for whoever holds the link. A wrong token is a 404."""
    holder = holder_for_token(order_id, token)
    orders = Order.objects.annotate(quantity_total=Sum("items__quantity"))
    order = orders.filter(pk=order_id).first() if holder else None
    if order is None:
        raise Http404("No such order.")
    attach_downloads(order, holder)
    return TemplateResponse(request, "shop_ext/private_order.html", {"order": order, "token": token})


def invoice(request, order_id):
    """Cartridge's invoice (HTML or PDF), with links to the downloads.

    Our rule decides who may see it; Cartridge's own lookup, run after it,
    lets through everyone ours does (staff with the permission are staff).
    """
    order = invoice_order(request, order_id)
    response = cartridge_views.invoice(request, order_id)
    if isinstance(response, TemplateResponse):
        attach_downloads(response.context_data["order"], _downloader(request, order))
    return response


def _downloader(request, order):
    """Who the invoice's download links are for: a guest's session that
    placed the order gets the private link's; anyone else, their own rights."""
    guest_buyer = not request.user.is_authenticated and is_buyer(request, order)
    return holder_of(order) if guest_buyer else request.user
