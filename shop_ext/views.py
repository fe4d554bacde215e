from cartridge.shop import views as cartridge_views
from django.contrib import messages
from django.contrib.auth import logout as sign_out
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from mezzanine.utils.urls import next_url

from . import digital
from .access import order_decision
from .checkout_guard import guard_checkout
from .emails import download_lines
from .forms import AddToCartForm, CheckoutForm


def product(request, slug):
    """Cartridge's product page, told which formats can be bought now."""
    response = cartridge_views.product(request, slug, form_class=AddToCartForm)
    if isinstance(response, TemplateResponse):
        context = response.context_data
        variations = list(context["variations"])
        delivering = digital.delivering_ids(variations)
        reasons = digital.unavailable_reasons(variations, delivering)
        context["unavailable_skus"] = {sku: reason for sku, reason in reasons.items() if reason}
        context["kinds"] = digital.line_kinds(variations, delivering)
        context["digital_summary"] = digital.digital_summaries([context["product"].id]).get(
            context["product"].id
        )
    return response


@never_cache
def checkout(request):
    """Cartridge's checkout. Downloads live in the buyer's account, so a cart
    with files to download asks the shopper to sign in first; the cart is
    kept in the session across sign-in and sign-up."""
    if (
        not request.user.is_authenticated
        and request.cart.has_items()
        and digital.cart_has_downloads(request.cart)
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


def order_history(request):
    """Cartridge's order history, with each paid order's files and limits."""
    response = cartridge_views.order_history(request)
    if isinstance(response, TemplateResponse):
        for order in response.context_data["orders"].object_list:
            attach_downloads(order, request.user)
    return response


def attach_downloads(order, user):
    """Give an order (for a template) its download lines and overall state."""
    order.download_lines = download_lines(order, user)
    order.download_decision = order_decision(user, order)
    # order_decision has loaded (and cached) the order's delivery, if any.
    order.delivery_info = getattr(order, "delivery", None)


def complete(request):
    """Cartridge's completion page, with the order's downloads once paid."""
    response = cartridge_views.complete(request)
    if isinstance(response, TemplateResponse):
        attach_downloads(response.context_data["order"], request.user)
    return response


def invoice(request, order_id):
    """Cartridge's invoice (HTML or PDF), with links to the downloads."""
    response = cartridge_views.invoice(request, order_id)
    if isinstance(response, TemplateResponse):
        attach_downloads(response.context_data["order"], request.user)
    return response


def no_such_order(request, *args):
    """An order id out of any id column's range (see converters.py)."""
    raise Http404("No such order.")


@require_http_methods(["GET", "POST"])
def logout(request):
    """Sign out on POST only, so that no link or image on any page can sign a
    visitor out; GET (an old bookmark) shows a button that does."""
    if request.method == "POST":
        sign_out(request)
        messages.info(request, "You are signed out.")
        return redirect(next_url(request) or "home")
    return TemplateResponse(request, "accounts/account_logout.html", {"next": next_url(request) or ""})
