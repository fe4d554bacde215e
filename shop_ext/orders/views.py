"""An order's email re-sent for the buyer or permitted staff, and guest
orders joining an account. (The pages that show an order with its files
are the delivery's: shop_ext.delivery.order_pages.)"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.messages import error, info
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.ratelimit import count_use
from shop_ext.core.redirects import local_next
from shop_ext.core.tasks import enqueue
from shop_ext.models import OrderEmail
from shop_ext.orders import claims, tasks
from shop_ext.orders.invoices import invoice_order, is_buyer, reserve_resend
from shop_ext.orders.tasks import queue_order_email

log = logging.getLogger(__name__)


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
