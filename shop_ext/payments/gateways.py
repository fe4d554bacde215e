"""Payment handlers (``SHOP_PAYMENT_GATEWAY``). Neither sees card data.

A real gateway plugs in here: a handler that redirects to or confirms a
hosted payment and returns its transaction id, or raises CheckoutError.
Returning None places the order unpaid; a transaction id means money was
taken, and the order handler then marks the order paid.
"""

import uuid


def pay_on_account(request, order_form, order):
    """Bank transfer / invoice: the order waits, unpaid, for staff to mark it paid."""
    return


def pay_instantly_for_demo(request, order_form, order):
    """Demo only: pretend the payment went through at once."""
    return f"DEMO-{uuid.uuid4().hex[:12].upper()}"
