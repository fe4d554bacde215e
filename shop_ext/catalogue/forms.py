from cartridge.shop.forms import AddProductForm
from django import forms
from django.utils.translation import gettext_lazy as _

from shop_ext.catalogue.availability import unavailable_reason

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
