"""Who may see an order's invoice (HTML or PDF).

Cartridge's own lookup (``Order.objects.get_for_user``) shows every order
to any ``is_staff`` user; here staff need shop.view_order, and every look
at another buyer's invoice is logged.
"""

import logging

from cartridge.shop.models import Order
from django.http import Http404

log = logging.getLogger(__name__)

VIEW_ORDER = "shop.view_order"


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
