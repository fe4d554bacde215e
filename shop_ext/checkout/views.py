from cartridge.shop import views as cartridge_views
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from shop_ext.catalogue import availability
from shop_ext.checkout.forms import CheckoutForm, RateLimitedDiscountForm, SafeCartItemFormSet
from shop_ext.checkout.guard import guard_checkout
from shop_ext.core.redirects import PAYMENT_REDIRECT_SESSION_KEY
from shop_ext.orders.views import attach_downloads


@never_cache
def cart(request):
    """Cartridge's cart page with our line formset and discount form.
    "Update cart" posts one form per line; a post with more (from a page of
    the cart as it was, or not from our page) is refused before any form is
    built: 400, nothing changed."""
    updating = request.method == "POST" and request.POST.get("update_cart") and request.cart.has_items()
    if updating and not SafeCartItemFormSet(request.POST, instance=request.cart).fits_cart():
        return TemplateResponse(request, "shop_ext/cart_changed.html", status=400)
    return cartridge_views.cart(
        request, cart_formset_class=SafeCartItemFormSet, discount_form_class=RateLimitedDiscountForm
    )


@never_cache
def checkout(request):
    """Cartridge's checkout. Downloads live in the buyer's account, so a cart
    with files to download asks the shopper to sign in first; the cart is
    kept in the session across sign-in and sign-up."""
    if (
        not request.user.is_authenticated
        and request.cart.has_items()
        and availability.cart_has_downloads(request.cart)
    ):
        messages.info(
            request,
            "Your cart has downloads, which are kept in your account: "
            "please sign in or create an account to continue.",
        )
        return redirect_to_login(request.get_full_path())
    refused = guard_checkout(request, CheckoutForm)
    if refused is not None:
        return refused
    return cartridge_views.checkout_steps(request, form_class=CheckoutForm)


def complete(request):
    """Cartridge's completion page, with the order's downloads once paid.
    An order placed for a hosted payment goes on to the provider's page
    first (the gateway left its address in the session)."""
    hosted_payment_page = request.session.pop(PAYMENT_REDIRECT_SESSION_KEY, None)
    if hosted_payment_page:
        return redirect(hosted_payment_page)
    response = cartridge_views.complete(request)
    if isinstance(response, TemplateResponse):
        attach_downloads(response.context_data["order"], request.user)
    return response
