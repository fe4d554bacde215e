"""Checks run before Cartridge's checkout view handles a request.

Cartridge trusts the posted ``step`` (a bogus value is a 500, a skipped
step creates an order with empty billing details), does not look at the
cart again after add-to-cart (a product made unavailable, sold out, or a
download whose files were removed can still be bought), and applies a
discount code validated on the first step even if it expired since.
``guard_checkout`` returns a redirect with a message in those cases, before
any order exists; otherwise None and Cartridge's view runs as usual.
"""

from cartridge.shop import checkout
from cartridge.shop.models import DiscountCode
from cartridge.shop.utils import clear_session, recalculate_cart
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from shop_ext.catalogue import discounts, stock
from shop_ext.checkout.receivers import keep_one_copy

DISCOUNT_SESSION_KEYS = ("free_shipping", "discount_code", "discount_total")


def _back_to(request, step, message, level=messages.ERROR, to="shop_checkout"):
    if step is not None and isinstance(request.session.get("order"), dict):
        request.session["order"]["step"] = step
        request.session.modified = True
    messages.add_message(request, level, message)
    return redirect(to)


def _posted_step(request):
    """The posted step as Cartridge will read it, or None if it is bogus."""
    raw = request.POST.get("step")
    if not raw:
        return checkout.CHECKOUT_STEP_FIRST
    try:
        step = int(raw)
    except (TypeError, ValueError):
        return None
    if not checkout.CHECKOUT_STEP_FIRST <= step <= checkout.CHECKOUT_STEP_LAST:
        return None
    return step


def _reached_step(request):
    try:
        return int(request.session.get("order", {}).get("step") or checkout.CHECKOUT_STEP_FIRST)
    except (TypeError, ValueError):
        return checkout.CHECKOUT_STEP_FIRST


def cart_problem_messages(request):
    return [str(problem) for problem in stock.cart_problems(request.cart)]


def code_used_message(code):
    return _(
        "The discount code “%(code)s” has been used, so it was removed from your order. "
        "Please check the new total before you confirm."
    ) % {"code": code}


def drop_discount(request):
    """Remove the discount code from the session, and the total it gave."""
    clear_session(request, *DISCOUNT_SESSION_KEYS)
    recalculate_cart(request)  # shipping again, without the code's free shipping


def _check_discount(request):
    """Re-validate the discount code kept in the session since step 1.
    Returns a message if the order total had to change, else None."""
    code = request.session.get("discount_code")
    if not code:
        return None
    try:
        discount = discounts.valid_code(code, request.cart)
    except discounts.CodeRefused as refusal:
        drop_discount(request)
        if DiscountCode.objects.filter(code=code, uses_remaining=0).exists():
            return code_used_message(code)
        return _(
            "The discount code “%(code)s” was removed from your order: %(reason)s "
            "Please check the new total before you confirm."
        ) % {"code": code, "reason": refusal}
    total = str(discounts.cart_discount(discount, request.cart))
    if total != str(request.session.get("discount_total")):
        request.session["discount_total"] = total
        return _("Your discount was recalculated for your current cart. Please check the total.")
    return None


def guard_checkout(request, form_class):
    """A response to send instead of Cartridge's checkout view, or None."""
    if not request.cart.has_items():
        # Also covers a cart emptied (or expired) in another tab mid-checkout.
        return _back_to(request, None, _("Your cart is empty."), messages.INFO, to="shop_cart")
    if request.method != "POST":
        return None

    step = _posted_step(request)
    first = checkout.CHECKOUT_STEP_FIRST
    if step is None:
        return _back_to(request, first, _("Please continue your checkout from here."))
    going_back = request.POST.get("back") is not None
    if going_back:
        return None if step > first else redirect("shop_checkout")
    if step > _reached_step(request):
        return _back_to(request, None, _("Please complete the earlier checkout steps first."))

    if keep_one_copy(request.cart):
        recalculate_cart(request)
        return redirect("shop_cart")
    problems = cart_problem_messages(request)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("shop_cart")

    discount_message = _check_discount(request)
    if discount_message:
        return _back_to(request, None, discount_message, messages.WARNING)

    if step == checkout.CHECKOUT_STEP_LAST and step != first:
        # The last step re-posts every field as a hidden input: it must
        # still hold valid billing/shipping details, and no other discount
        # code than the one applied (and kept in the session) on step 1.
        # Codes are case-insensitive: step 1's page re-posts the code as typed.
        posted_code = (request.POST.get("discount_code") or "").strip().lower()
        if posted_code and posted_code != (request.session.get("discount_code") or "").lower():
            return _back_to(request, first, _("Please enter your discount code on this step."))
        data = request.POST.copy()
        data["discount_code"] = ""
        details = form_class(request, first, data=data)
        details.is_valid()
        if any(name != "discount_code" for name in details.errors):
            return _back_to(request, first, _("Please check your details."))
    return None
