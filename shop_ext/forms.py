from cartridge.shop.forms import AddProductForm, OrderForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .digital import cart_ships, unavailable_reason

MAX_QUANTITY = 999


class AddToCartForm(AddProductForm):
    """Cartridge's add-to-cart form, with availability enforced on POST:
    Cartridge only hides the button of an unavailable product."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)

    def clean(self):
        cleaned = super().clean()
        variation = getattr(self, "variation", None)
        if variation is not None and self._to_cart:
            reason = unavailable_reason(variation, self.cleaned_data["quantity"])
            if reason:
                raise forms.ValidationError(reason)
        return cleaned


class CheckoutForm(OrderForm):
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
