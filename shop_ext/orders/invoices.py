"""Who may see an order's invoice (HTML or PDF) or have its email sent
again, and how often that email may go out.

Cartridge's own lookup (``Order.objects.get_for_user``) shows every order
to any ``is_staff`` user; here staff need shop.view_order, and every look
at another buyer's invoice is logged.

Setting: SHOP_INVOICE_RESENDS_PER_HOUR (per order, default 3).
"""

import logging
from datetime import timedelta

from cartridge.shop.models import Order
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from shop_ext.core.permissions import VIEW_ORDER
from shop_ext.models import InvoiceResend
from shop_ext.orders.actions import lock_order

log = logging.getLogger(__name__)


def is_buyer(request, order):
    """The order's account or, for a guest checkout, the session it was
    placed in (the same rule as Cartridge's)."""
    if request.user.is_authenticated:
        return order.user_id == request.user.id
    session_key = request.session.session_key
    return bool(session_key) and order.key == session_key


def may_see_any_invoice(user):
    return user.is_staff and user.has_perm(VIEW_ORDER)


def invoice_order(request, order_id):
    """The order whose invoice ``request`` may see and have sent again.

    Anyone else gets Http404, exactly as for an order that does not exist.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is not None and is_buyer(request, order):
        return order
    if order is not None and may_see_any_invoice(request.user):
        log.info(
            "Order #%s: staff user %s opened its invoice (%s %s)",
            order.pk,
            request.user.get_username(),
            request.method,
            request.path,
        )
        return order
    raise Http404("No such order.")


def reserve_resend(order, user):
    """Count one more sending of the order's email, if this hour's limit
    allows it. Decided under the order's row lock, so concurrent requests
    never send more than the limit."""
    with transaction.atomic():
        lock_order(order.pk)
        since = timezone.now() - timedelta(hours=1)
        if order.invoice_resends.filter(sent_at__gte=since).count() >= settings.SHOP_INVOICE_RESENDS_PER_HOUR:
            return False
        InvoiceResend.objects.create(order=order, user=user if user.is_authenticated else None)
    return True
