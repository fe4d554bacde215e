"""Payment handlers (``SHOP_PAYMENT_GATEWAY``). None sees card data.

A gateway returns a transaction id when the money was taken at once (the
order handler then marks the order paid), None to place the order unpaid
(bank transfer; a hosted card payment, which its webhook marks paid later),
or raises CheckoutError.
"""

import uuid

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

# A gateway that takes the shopper to a hosted payment page leaves that
# page's address in the session under this key; the checkout's completion
# page (shop_ext.checkout.views.complete) sends them on.
PAYMENT_REDIRECT_SESSION_KEY = "shop_ext_payment_redirect"


def pay_on_account(request, order_form, order):
    """Bank transfer / invoice: the order waits, unpaid, for staff to mark it paid."""
    return


def pay_instantly_for_demo(request, order_form, order):
    """Demo only: pretend the payment went through at once."""
    return f"DEMO-{uuid.uuid4().hex[:12].upper()}"


# The methods a shopper may pick from (SHOP_PAYMENT_METHODS), by name.
METHODS = {
    "card": (_("Card (on Stripe's secure payment page)"), "shop_ext.payments.stripe_checkout.pay_by_card"),
    "transfer": (
        _("Bank transfer (we email our bank details; files once the money arrives)"),
        f"{__name__}.pay_on_account",
    ),
    "demo": (_("Demo payment (nothing is charged)"), f"{__name__}.pay_instantly_for_demo"),
}


def offered_methods():
    """(name, label) of each method in SHOP_PAYMENT_METHODS, in its order."""
    return [(name, METHODS[name][0]) for name in settings.SHOP_PAYMENT_METHODS]


def pay_by_shoppers_choice(request, order_form, order):
    """The method the shopper picked on the last checkout step (the
    ``payment_method`` radio buttons); the first one offered otherwise."""
    names = settings.SHOP_PAYMENT_METHODS
    chosen = request.POST.get("payment_method")
    name = chosen if chosen in names else names[0]
    return import_string(METHODS[name][1])(request, order_form, order)
