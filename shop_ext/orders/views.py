"""Cartridge's order pages (history, invoice) with each paid order's files,
and the invoice and its re-sending for the buyer or permitted staff only."""

import hashlib
import logging

from cartridge.shop import views as cartridge_views
from cartridge.shop.models import Order
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.messages import error, info
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.ratelimit import count_use
from shop_ext.core.redirects import local_next
from shop_ext.core.tasks import enqueue
from shop_ext.delivery.access import order_decision
from shop_ext.delivery.emails import download_lines, zip_url
from shop_ext.delivery.private_links import holder_for_token, holder_of
from shop_ext.models import OrderEmail
from shop_ext.orders import claims, tasks
from shop_ext.orders.invoices import invoice_order, is_buyer, reserve_resend
from shop_ext.orders.tasks import queue_order_email

log = logging.getLogger(__name__)


def order_history(request):
    """Cartridge's order history, with each paid order's files and limits,
    and an offer to add the guest orders of the account's address."""
    response = cartridge_views.order_history(request)
    if isinstance(response, TemplateResponse):
        for order in response.context_data["orders"].object_list:
            # The links are signed for this browser: the downloads then
            # read no session or user (shop_ext.delivery.signed_links).
            attach_downloads(order, request.user, signed_for=request)
    return response


@login_required
@require_POST
def send_claim_link(request):
    """Email the account's address a link that adds its guest orders, if it
    has any (a few times an hour per address: one mailbox may hold several
    accounts). The page says the same either way: an account's address is
    not proven, so it must not learn whether that address ordered here."""
    address = hashlib.sha256(request.user.email.lower().encode()).hexdigest()
    key = f"shop_ext:claim-link:{address}"
    try:
        allowed = count_use(key, 3600) <= settings.SHOP_CLAIM_LINKS_PER_HOUR
    except CACHE_DOWN:
        log.exception("Cache unavailable: no claim link is sent until it is back")
        allowed = False
    if allowed:
        enqueue(tasks.send_claim_link, request.user.pk)
        message = _("If %(email)s placed orders as a guest, we have emailed it a link that adds them.")
        info(request, message % {"email": request.user.email})
    else:
        error(request, _("We cannot send another link right now. Please try again in an hour."))
    return redirect("shop_order_history")


@login_required
def claim_orders(request, token):
    """The emailed link: the guest orders of the account's address join it."""
    count = claims.claim(request.user, token)
    if count is None:
        context = {"reason": _("This link is not for this account, or it has expired. Ask for a new one.")}
        return TemplateResponse(request, "shop_ext/claim_refused.html", context, status=404)
    info(request, _("%(count)s order(s) added to your account.") % {"count": count})
    return redirect("shop_order_history")


def attach_downloads(order, who, signed_for=None):
    """Give an order (for a template) its download lines and overall state,
    as ``who`` (a user, or a private link's LinkHolder) sees them, and its
    latest card payment (a failed one offers to pay again). The links are
    signed for the browser of request ``signed_for`` when given."""
    order.card_payment = order.payments.first()
    order.download_lines = download_lines(order, who, signed_for)
    order.download_decision = order_decision(who, order)
    order.zip_url = zip_url(order, who, order.download_lines, signed_for)
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
