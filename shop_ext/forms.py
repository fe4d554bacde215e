from cartridge.shop.forms import AddProductForm, CartItemForm, DiscountForm, OrderForm
from cartridge.shop.models import Cart, CartItem
from django import forms
from django.forms.models import inlineformset_factory
from django.utils.translation import gettext_lazy as _
from mezzanine.accounts import forms as accounts_forms

from . import stock
from .auth_backends import find_user, shares_email
from .digital import cart_ships, unavailable_reason, variations_for_skus
from .ratelimit import DiscountRateLimitMixin

MAX_QUANTITY = 999


class AddToCartForm(AddProductForm):
    """Cartridge's add-to-cart form, with availability enforced on POST:
    Cartridge only hides the button of an unavailable product."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)

    def clean(self):
        if "sku" in self._errors:
            # Cartridge's hidden SKU field (posted by its wishlist): an error
            # there (e.g. a NUL character) would not show on the page.
            raise forms.ValidationError(
                _("This item could not be found. Please choose its options and try again.")
            )
        cleaned = super().clean()
        variation = getattr(self, "variation", None)
        if variation is not None and self._to_cart:
            reason = unavailable_reason(variation, self.cleaned_data["quantity"])
            if reason:
                raise forms.ValidationError(reason)
        return cleaned


class CheckoutForm(DiscountRateLimitMixin, OrderForm):
    """Cartridge's order form; a cart with nothing to ship asks for no
    shipping address."""

    def __init__(self, request, step, data=None, initial=None, errors=None, **kwargs):
        super().__init__(request, step, data=data, initial=initial, errors=errors, **kwargs)
        self.ships = cart_ships(request.cart)
        if not self.ships:
            for name, field in self.fields.items():
                if name.startswith("shipping_detail") or name == "same_billing_shipping":
                    field.widget = forms.HiddenInput()
                    field.required = False
            self.fields["additional_instructions"].label = _("Notes for your order")


# ------------------------------------------------------------ cart page
# Wired in project/urls.py through shop_ext/cart.py.


class SafeCartItemForm(CartItemForm):
    """Cartridge's cart line form: a line whose variation was deleted is a
    clear error instead of a 500 (Cartridge does objects.get(sku=...)), a
    quantity is capped, and availability is checked again, naming the line."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY)

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        item = self.instance
        if quantity == 0:
            return quantity  # removing a line is always allowed
        variation = variations_for_skus([item.sku]).get(item.sku)
        reason = stock.line_reason(variation, quantity)
        if reason:
            raise forms.ValidationError(f"{item.description}: {reason}")
        return quantity


SafeCartItemFormSet = inlineformset_factory(
    Cart, CartItem, form=SafeCartItemForm, can_delete=True, extra=0
)


class RateLimitedDiscountForm(DiscountRateLimitMixin, DiscountForm):
    """Cartridge's cart-page discount form with failed codes rate-limited."""


# ------------------------------------------------------------ accounts


class PasswordResetForm(accounts_forms.PasswordResetForm):
    """Mezzanine's "forgot password" form, which is a 500 when two accounts
    share the email address entered (``User.objects.get``)."""

    def clean(self):
        login = self.cleaned_data.get("username")
        if login is None:
            return self.cleaned_data  # the field's own error says what is missing
        self._user = find_user(login, is_active=True)
        if self._user is None:
            if shares_email(login, is_active=True):
                raise forms.ValidationError(
                    _("Several accounts use this email address: please enter your username.")
                )
            raise forms.ValidationError(_("Invalid username/email"))
        return self.cleaned_data
