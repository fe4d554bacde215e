"""The one rule for "may this person download this now, and if not, why".

Used by the download views, the order history page and the files email.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop_ext.core.permissions import DOWNLOAD_ANY_ORDER
from shop_ext.orders import PAID_STATUSES, OrderStatus


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    http_status: int = 200

    def __bool__(self):
        return self.allowed


ALLOWED = Decision(True)
# Other people's orders look exactly like orders that do not exist.
NOT_FOUND = Decision(False, gettext_lazy("No such order."), 404)


@dataclass(frozen=True)
class LinkHolder:
    """Whoever opened an order's private link (shop_ext.delivery.private_links):
    the buyer of that one order, with no account or cookie needed. Stands in
    for ``user`` in the rules below."""

    order_id: int
    token: str = field(repr=False)
    is_authenticated = False
    is_staff = False


@dataclass(frozen=True)
class SignedBuyer:
    """The buyer of an order asking through a link signed for their browser
    (shop_ext.delivery.signed_links), or through their library feed's
    token (shop_ext.delivery.library_feed): their account, known without
    reading the session or the user. Stands in for ``user`` in the rules below,
    always as that order's buyer (never staff acting on another's order)."""

    id: int
    is_authenticated = True
    is_staff = False


def owns(user, order):
    """The buyer (signed in, or holding the order's private link), or staff
    who may download any order."""
    if isinstance(user, LinkHolder):
        return user.order_id == order.pk
    return user.is_authenticated and (order.user_id == user.id or checks_as_staff(user, order))


def checks_as_staff(user, order):
    """Staff with the download_any_order permission looking at someone
    else's order: not held to the buyer's limits, and their downloads use
    none of the buyer's attempts. Being staff alone is not enough."""
    return user.is_staff and order.user_id != user.id and user.has_perm(DOWNLOAD_ANY_ORDER)


def order_decision(user, order, now=None):
    """May ``user`` download from ``order`` at all right now?"""
    if not owns(user, order):
        return NOT_FOUND
    if order.status == OrderStatus.CANCELLED:
        return Decision(False, _("This order was cancelled, so its downloads are closed."), 403)
    if order.status == OrderStatus.REFUNDED:
        return Decision(False, _("This order was refunded, so its downloads are closed."), 403)
    delivery = getattr(order, "delivery", None)
    if order.status not in PAID_STATUSES or delivery is None:
        return Decision(False, _("Your files will be ready once payment arrives."), 403)
    if checks_as_staff(user, order):
        return ALLOWED
    now = now or timezone.now()
    if delivery.expires_at and delivery.expires_at <= now:
        return Decision(False, _("The download period for this order has ended."), 410)
    if delivery.attempts_left == 0:
        return Decision(False, _("All download attempts for this order have been used."), 403)
    return ALLOWED


def grant_decision(user, grant, now=None):
    """May ``user`` download this one file now?"""
    decision = order_decision(user, grant.order, now)
    if decision and grant.revoked_at is not None:
        return Decision(False, _("Access to this file was withdrawn. Please contact us."), 403)
    return decision
