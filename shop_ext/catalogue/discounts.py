"""Whether a discount code applies to a cart (and why not), and the uses
of a limited-use code, taken atomically.

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
from cartridge.shop.templatetags.shop_tags import currency
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _


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


class CodeRefused(Exception):
    """Raised by valid_code; the message says why, for the shopper."""


def valid_code(code, cart):
    """The discount code ``code`` names, in any case, if it applies to this
    cart now; else CodeRefused saying why. Cartridge's get_valid() is
    case-sensitive and answers every refusal with "invalid".

    One checkout request asks in its guard and in each order form it
    builds: the answer is kept on the cart object (one per request) for the
    same code and lines."""
    code = code.strip()
    # An unsaved cart has no lines (iterating it would save it).
    lines = tuple((item.sku, item.quantity, item.unit_price) for item in cart) if cart.pk else ()
    key = (code, lines)
    answers = cart.__dict__.setdefault("_discount_answers", {})
    if key not in answers:
        try:
            answers[key] = _check_code(code, cart)
        except CodeRefused as refusal:
            answers[key] = refusal
    if isinstance(answers[key], CodeRefused):
        raise CodeRefused(str(answers[key]))
    return answers[key]


def _check_code(code, cart):
    matches = DiscountCode.objects.filter(code__iexact=code, active=True)
    # An exact match first, should two codes differ only in case.
    discount = sorted(matches, key=lambda d: d.code != code)[:1]
    if not discount:
        raise CodeRefused(
            _("There is no discount code “%(code)s”. Please check the spelling.") % {"code": code}
        )
    discount = discount[0]
    name = discount.code
    moment = timezone.now()
    if discount.valid_from and discount.valid_from > moment:
        raise CodeRefused(
            _("The code %(code)s can be used from %(date)s.")
            % {"code": name, "date": date_format(localtime(discount.valid_from))}
        )
    if discount.valid_to and discount.valid_to < moment:
        raise CodeRefused(
            _("The code %(code)s expired on %(date)s.")
            % {"code": name, "date": date_format(localtime(discount.valid_to))}
        )
    if discount.uses_remaining == 0:
        raise CodeRefused(_("The code %(code)s has been used up.") % {"code": name})
    if discount.min_purchase and cart.total_price() < discount.min_purchase:
        raise CodeRefused(
            _("The code %(code)s needs a minimum purchase of %(minimum)s; your cart comes to %(total)s.")
            % {
                "code": name,
                "minimum": currency(discount.min_purchase),
                "total": currency(cart.total_price()),
            }
        )
    products = discount.all_products()
    # Kept for cart_discount: a code for any product needs no second look.
    discount.for_any_product = not products.exists()
    if not discount.for_any_product and not products.filter(variations__sku__in=cart.skus()).exists():
        raise CodeRefused(_("The code %(code)s is not valid for the items in your cart.") % {"code": name})
    if not (discount.discount_deduct or discount.discount_percent or discount.free_shipping):
        # A "reduce to amount" (discount_exact) code: Cartridge takes nothing
        # off for it, and the admin does not offer it.
        raise CodeRefused(_("The code %(code)s gives no reduction on an order.") % {"code": name})
    return discount


def cart_discount(discount, cart):
    """Cartridge's ``cart.calculate_discount(discount)`` for a code
    valid_code returned: for a code for any product, without reading its
    products and categories a second time."""
    if getattr(discount, "for_any_product", False):
        return discount.calculate(cart.total_price())
    return cart.calculate_discount(discount)
