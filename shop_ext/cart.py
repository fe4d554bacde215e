"""The cart page: Cartridge's cart view with our cart line and discount
forms (shop_ext/forms.py). Cartridge's cart template never shows a line's
error (it indexes ``dict.values()``), so each error is also a message."""
from cartridge.shop import views as cartridge_views
from django.contrib import messages
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from .forms import RateLimitedDiscountForm, SafeCartItemFormSet


@never_cache
def cart(request):
    response = cartridge_views.cart(
        request,
        cart_formset_class=SafeCartItemFormSet,
        discount_form_class=RateLimitedDiscountForm,
    )
    if isinstance(response, TemplateResponse) and request.method == "POST":
        formset = response.context_data.get("cart_formset")
        for form_errors in getattr(formset, "_errors", None) or []:
            for errors in form_errors.values():
                for error in errors:
                    messages.error(request, error)
    return response
