"""The buyer's pages of an order with its files: Cartridge's order history
and invoice, and the order's private page (shop_ext.delivery.private_links),
each showing every paid order's download lines and limits. What they add to
Cartridge's order is one BuyerOrder per order, passed to the templates
(shop_ext/includes/order_meta.html, order_downloads.html)."""

from dataclasses import dataclass

from cartridge.shop import views as cartridge_views
from cartridge.shop.models import Order
from django.db.models import Sum
from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from shop_ext.delivery.access import Decision, order_decision
from shop_ext.delivery.emails import download_lines, zip_url
from shop_ext.delivery.private_links import holder_for_token, holder_of
from shop_ext.models import OrderDelivery, Payment
from shop_ext.orders.claims import offers_claim
from shop_ext.orders.invoices import invoice_order, is_buyer


@dataclass(frozen=True)
class BuyerOrder:
    """An order as a page shows it to one person: its latest card payment
    (a failed one offers to pay again) and its files, with the overall
    decision, the zip's address and the limits (``delivery``)."""

    order: Order
    card_payment: Payment | None
    download_lines: list
    download_decision: Decision
    zip_url: str | None
    delivery: OrderDelivery | None


def buyer_order(order, who, signed_for=None):
    """``order`` as ``who`` (a user, or a private link's LinkHolder) sees it;
    its links signed for the browser of request ``signed_for`` when given."""
    card_payment = order.payments.first()
    lines = download_lines(order, who, signed_for)
    delivery = getattr(lines[0]["grants"][0].order, "delivery", None) if lines else None
    if delivery is not None:
        order.delivery = delivery  # joined to the grants: order_decision reads it without a query
    decision = order_decision(who, order)
    return BuyerOrder(
        order=order,
        card_payment=card_payment,
        download_lines=lines,
        download_decision=decision,
        zip_url=zip_url(order, who, lines, signed_for),
        # order_decision has loaded (and cached) the order's delivery, if any.
        delivery=getattr(order, "delivery", None),
    )


def order_history(request):
    """Cartridge's order history, with each paid order's files and limits,
    and an offer to add the guest orders of the account's address."""
    response = cartridge_views.order_history(request)
    if isinstance(response, TemplateResponse):
        orders = response.context_data["orders"].object_list
        # The links are signed for this browser: the downloads then read no
        # session or user (shop_ext.delivery.signed_links).
        response.context_data["buyer_orders"] = [
            buyer_order(order, request.user, signed_for=request) for order in orders
        ]
        response.context_data["offers_claim"] = offers_claim(request.user)
    return response


@never_cache
def private_order(request, order_id, token):
    """An order's private page (shop_ext.delivery.private_links): what order
    history shows of it, for whoever holds the link. A wrong token is a 404."""
    holder = holder_for_token(order_id, token)
    orders = Order.objects.annotate(quantity_total=Sum("items__quantity"))
    order = orders.filter(pk=order_id).first() if holder else None
    if order is None:
        raise Http404("No such order.")
    context = {"order": order, "buyer_order": buyer_order(order, holder), "token": token}
    return TemplateResponse(request, "shop_ext/private_order.html", context)


def invoice(request, order_id):
    """Cartridge's invoice (HTML or PDF), with links to the downloads.

    Our rule decides who may see it; Cartridge's own lookup, run after it,
    lets through everyone ours does (staff with the permission are staff).
    """
    order = invoice_order(request, order_id)
    response = cartridge_views.invoice(request, order_id)
    if isinstance(response, TemplateResponse):
        shown = response.context_data["order"]
        response.context_data["buyer_order"] = buyer_order(shown, _downloader(request, order))
    return response


def _downloader(request, order):
    """Who the invoice's download links are for: a guest's session that
    placed the order gets the private link's; anyone else, their own rights."""
    guest_buyer = not request.user.is_authenticated and is_buyer(request, order)
    return holder_of(order) if guest_buyer else request.user
