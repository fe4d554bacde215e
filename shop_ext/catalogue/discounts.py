"""The uses of a limited-use discount code, taken atomically.

Cartridge checks a code when it is entered and counts its use only in
``Order.complete()``, after payment: ten concurrent checkouts with a
single-use code all passed the check, and half of them got the discount.
``take_use`` reserves the use when the order is placed (the payment handler)
with one conditional UPDATE (``uses_remaining > 0``), so only as many
orders as the code has uses get it; ``give_back_use`` returns it when the
payment fails or the order is cancelled. Cartridge's own count in
``complete()`` is skipped for such orders (shop_ext.patches).
"""

from cartridge.shop.models import DiscountCode
from django.db.models import F


class CodeUsedUp(Exception):
    """Raised by take_use: the code has no use left (or is no longer valid)."""


def take_use(code):
    """Reserve one use of ``code`` (nothing to count for an unlimited one);
    raises CodeUsedUp if it has none left."""
    codes = DiscountCode.objects.active().filter(code=code)
    taken = codes.filter(uses_remaining__gt=0).update(uses_remaining=F("uses_remaining") - 1)
    if not taken and not codes.filter(uses_remaining__isnull=True).exists():
        raise CodeUsedUp(code)


def give_back_use(code):
    """Return one use of ``code`` (a limited one: an unlimited code has no count)."""
    DiscountCode.objects.filter(code=code, uses_remaining__isnull=False).update(
        uses_remaining=F("uses_remaining") + 1
    )
