import copy

from cartridge.shop import checkout as checkout_steps
from cartridge.shop import views as cartridge_views
from cartridge.shop.models import Cart
from cartridge.shop.utils import recalculate_cart
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from shop_ext.catalogue import discounts, stock
from shop_ext.checkout import handlers, unfinished
from shop_ext.checkout.forms import CheckoutForm, RateLimitedDiscountForm, SafeCartItemFormSet
from shop_ext.checkout.guard import drop_discount, guard_checkout
from shop_ext.core import contended
from shop_ext.delivery.order_pages import buyer_order
from shop_ext.delivery.private_links import holder_of, page_url
from shop_ext.payments.gateways import PAYMENT_REDIRECT_SESSION_KEY
from shop_ext.taxes.charge import VAT_NUMBER_FIELD


@never_cache
def cart(request):
    """Cartridge's cart page with our line formset and discount form.
    "Update cart" posts one form per line; a post with more (from a page of
    the cart as it was, or not from our page) is refused before any form is
    built: 400, nothing changed. A line's "Remove" and the applied code's
    "Remove" are posts of their own (one tap each). A quantity or a code
    refused answers 400 with the page shown again as it was typed."""
    if request.method == "POST" and "remove_line" in request.POST:
        return _remove_line(request, request.POST["remove_line"])
    if request.method == "POST" and "remove_code" in request.POST:
        if request.session.get("discount_code"):
            drop_discount(request)
            messages.info(request, _("The discount code was removed."))
        return redirect("shop_cart")
    updating = request.method == "POST" and request.POST.get("update_cart") and request.cart.has_items()
    if updating and not SafeCartItemFormSet(request.POST, instance=request.cart).fits_cart():
        return TemplateResponse(request, "shop_ext/cart_changed.html", status=400)
    discount_forms = []  # the form Cartridge builds, which it leaves off the page while no code is active

    def discount_form(*args, **kwargs):
        discount_forms.append(RateLimitedDiscountForm(*args, **kwargs))
        return discount_forms[-1]

    response = cartridge_views.cart(
        request, cart_formset_class=SafeCartItemFormSet, discount_form_class=discount_form
    )
    if updating:
        return _lines_refused_as_bad_request(request, response)
    if request.method == "POST" and not request.POST.get("update_cart"):
        _show_refused_code(response, discount_forms[0])
        return _refused_as_bad_request(request, response, form_name="discount_form")
    return response


def _show_refused_code(response, form):
    """Cartridge leaves the code form off the page while no code is active,
    so a code posted then (from an old email's link, a bookmarked form) was
    refused without a word: the form goes on the page with its reason."""
    if isinstance(response, TemplateResponse) and form.errors:
        response.context_data.setdefault("discount_form", form)


def _lines_refused_as_bad_request(request, response):
    """Cartridge shows a refused quantity on its cart page (200) with the
    cart's own quantities back in the fields; here the lines as they were
    typed, each error beside its field, and 400."""
    if not isinstance(response, TemplateResponse):
        return response  # saved: Cartridge redirects to the cart
    typed = SafeCartItemFormSet(request.POST, instance=request.cart)
    if not typed.is_valid():
        response.context_data["cart_formset"] = typed
        response.status_code = 400
    return response


def _remove_line(request, line_id):
    """Remove one line of this cart (never another cart's: the id is looked
    up in this one); the totals and the discount follow."""
    if not line_id.isdigit() or len(line_id) > 18:
        return TemplateResponse(request, "shop_ext/cart_changed.html", status=400)
    line = request.cart.items.filter(id=int(line_id)).first() if request.cart.pk else None
    if line is None:
        messages.info(request, _("That item was no longer in your cart."))
        return redirect("shop_cart")
    line.delete()
    recalculate_cart(request)
    messages.info(request, _("Removed from your cart: %(item)s") % {"item": line.description})
    return redirect("shop_cart")


@never_cache
@sensitive_post_parameters("account_password")
def checkout(request):
    """Cartridge's checkout, for guests too: downloads reach a guest through
    the order's private link (shop_ext.delivery.private_links)."""
    refused = guard_checkout(request, CheckoutForm)
    if refused is not None:
        return refused
    # The last step places and pays the order: one transaction, so a failure
    # anywhere in it (a database connection cut) leaves no half-placed order
    # and, with a 5xx, the session and cart as they were. Emails are queued
    # once it commits. A payment the gateway took is recorded after the rollback.
    # The rows other checkouts write too (stock, the code's uses, purchase
    # counts, the invoice counter) are written last (shop_ext.core.contended).
    session_before = copy.deepcopy(dict(request.session))
    try:
        with transaction.atomic():
            try:
                with contended.last():
                    return _checkout_steps(request)
            except (stock.OutOfStock, discounts.CodeUsedUp) as refused:
                raise handlers.refused_at_the_end(request, refused) from refused
    except handlers.RefusedAtTheEnd as refused:
        return _refused_at_the_end(request, session_before, refused)
    except Exception as failure:
        unfinished.record_if_payment_taken(request, failure)
        raise


def _checkout_steps(request):
    response = cartridge_views.checkout_steps(request, form_class=CheckoutForm)
    if not _one_page_details_taken(request, response):
        return _refused_as_bad_request(request, response)
    if request.POST.get(VAT_NUMBER_FIELD, "").strip():
        # A business buyer's VAT number may take the VAT off (reverse
        # charge): Cartridge's confirmation shows the total first.
        response.context_data["form"].one_page = False
        return response
    # A cart with nothing to ship has nothing to confirm on a page of
    # its own: the details just taken go on through Cartridge's
    # last step (checked again by the guard, paid, placed) at once.
    request.POST = request.POST.copy()
    request.POST["step"] = str(checkout_steps.CHECKOUT_STEP_LAST)
    return guard_checkout(request, CheckoutForm) or _refused_as_bad_request(
        request, cartridge_views.checkout_steps(request, form_class=CheckoutForm)
    )


def _refused_at_the_end(request, session_before, refused):
    """The stock or the code's use ran out while the order was being written:
    nothing of it is left (rolled back), the payment is recorded for a
    refund, the session and cart are as they were (without a used-up code),
    and the last step answers as for any refused payment, with the message
    (payment_handler raises it)."""
    unfinished.record_if_payment_taken(request, refused)
    request.session.clear()
    request.session.update(session_before)
    request.cart = Cart.objects.from_request(request)
    if refused.code_used:
        drop_discount(request)
    setattr(request, handlers.REFUSED_AT_THE_END, str(refused))
    with transaction.atomic():
        return _refused_as_bad_request(
            request, cartridge_views.checkout_steps(request, form_class=CheckoutForm)
        )


def _refused_as_bad_request(request, response, form_name="form"):
    """A checkout step (or the cart's discount form) shown again because a
    field was refused (a missing email, an unknown country, a code that does
    not apply) answers 400, as bad input does everywhere else; Cartridge
    renders it with 200. A step refused as a whole (stock gone, a payment
    declined or unavailable) is not the shopper's input and keeps Cartridge's
    200 with its message."""
    if request.method == "POST" and isinstance(response, TemplateResponse):
        form = response.context_data.get(form_name)
        if form is not None and form.is_bound and set(form.errors) - {NON_FIELD_ERRORS}:
            response.status_code = 400
    return response


def _one_page_details_taken(request, response):
    """True when a one-page checkout (a cart with nothing to ship) has just
    had its details accepted: Cartridge moved on to its last step."""
    if request.method != "POST" or not isinstance(response, TemplateResponse):
        return False
    context = response.context_data
    form = context["form"]
    return (
        getattr(form, "one_page", False)
        and context["step"] == checkout_steps.CHECKOUT_STEP_LAST
        and context["step"] != checkout_steps.CHECKOUT_STEP_FIRST
        and request.POST.get("step") in (None, "", str(checkout_steps.CHECKOUT_STEP_FIRST))
    )


def complete(request):
    """Cartridge's completion page (for the order this session placed), with
    the order's downloads once paid, under its private link: the guest who
    placed it has no other way in. An order placed for a hosted payment goes
    on to the provider's page first (the gateway left its address in the
    session)."""
    hosted_payment_page = request.session.pop(PAYMENT_REDIRECT_SESSION_KEY, None)
    if hosted_payment_page:
        return redirect(hosted_payment_page)
    response = cartridge_views.complete(request)
    if isinstance(response, TemplateResponse):
        order = response.context_data["order"]
        holder = holder_of(order)
        response.context_data["buyer_order"] = buyer_order(order, holder)
        response.context_data["private_url"] = page_url(holder)
    return response
