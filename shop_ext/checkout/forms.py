import functools

from cartridge.shop import checkout
from cartridge.shop.forms import CartItemForm, DiscountForm, OrderForm
from cartridge.shop.models import Cart, CartItem
from django import forms
from django.conf import settings
from django.forms.formsets import TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from django_countries import countries

from shop_ext.catalogue import stock
from shop_ext.catalogue.availability import cart_has_downloads, cart_ships, variations_for_skus
from shop_ext.catalogue.forms import MAX_QUANTITY
from shop_ext.checkout import new_account
from shop_ext.checkout.ratelimit import DiscountRateLimitMixin
from shop_ext.orders import consent
from shop_ext.taxes import charge, vat_numbers
from shop_ext.taxes.charge import VAT_NUMBER_FIELD
from shop_ext.taxes.evidence import country_code

# What a cart with nothing to ship asks, in this order on its one page:
# where to send the links first, who is buying, and the country (kept for
# tax). Any other field a feature adds, shown, follows them.
DOWNLOAD_ONLY_FIELDS = (
    "billing_detail_email",
    "billing_detail_first_name",
    "billing_detail_last_name",
    "billing_detail_country",
)
# Fields a cart with nothing to ship does not use: no notes for a parcel, no
# address to remember; the code applied in the cart is carried, not asked again.
NOT_FOR_DOWNLOADS = ("additional_instructions", "remember", "discount_code")
# The buyer of downloads consents to their immediate delivery (shop_ext.orders.consent).
CONSENT_FIELD = "digital_supply_consent"


COUNTRY_PLACEHOLDER = _("Choose your country")


@functools.cache
def english_country_names():
    """The same every time: worked out once per process, not per field
    (a checkout form has two) and per look-up of the choices."""
    with override("en"):
        return tuple(str(name) for _code, name in countries)


@functools.cache
def _country_options():
    """Per country: its name, its <option> and its <option> chosen, escaped once."""
    return tuple(
        (
            name,
            format_html('<option value="{}">{}</option>', name, name),
            format_html('<option value="{}" selected>{}</option>', name, name),
        )
        for name in english_country_names()
    )


class CountrySelect(forms.Select):
    """CountryField's list. Django's Select renders each option through two
    template includes (and normalises the choices again on each look-up):
    with some 250 countries, twice on a checkout page, that was most of the
    page's time. Here the options are escaped once per process and the
    chosen one marked; the select itself is still Django's template."""

    template_name = "shop_ext/widgets/country_select.html"

    def get_context(self, name, value, attrs):
        # Widget's context, not ChoiceWidget's: no option dict per country.
        context = forms.Widget.get_context(self, name, value, attrs)
        chosen = set(context["widget"]["value"])
        placeholder = format_html(
            '<option value=""{}>{}</option>', " selected" if "" in chosen else "", COUNTRY_PLACEHOLDER
        )
        countries_html = "".join(
            chosen_html if name in chosen else html for name, html, chosen_html in _country_options()
        )
        context["widget"]["options"] = placeholder + mark_safe(countries_html)  # noqa: S308 (escaped above)
        return context


class CountryField(forms.ChoiceField):
    """An ISO 3166 country, chosen from a list: tax is charged by it
    (docs/taxes.md). The order keeps the country's English name, as the
    free-text field kept it before; a posted ISO code or a name in any case
    is taken as that country, anything else is refused by name."""

    widget = CountrySelect

    def __init__(self, **kwargs):
        super().__init__(choices=self.country_choices, **kwargs)

    @staticmethod
    def country_choices():
        return [("", COUNTRY_PLACEHOLDER), *((name, name) for name in english_country_names())]

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return value
        # "UK": ISO 3166-1 reserves it for the United Kingdom (GB), and shoppers type it.
        code = (
            "GB"
            if value.upper() == "UK"
            else countries.alpha2(value)
            if len(value) == 2
            else countries.by_name(value)
        )
        if not code:
            raise forms.ValidationError(
                _("We do not know the country %(country)s: please choose yours from the list."),
                code="unknown_country",
                params={"country": value[:60]},
            )
        with override("en"):
            return str(countries.name(code))


def consent_field():
    """Asked where the order is placed (the one page, or the confirmation
    step), beside the button, when the cart has downloads; required."""
    return forms.BooleanField(
        label=consent.wording(consent.CURRENT_VERSION),
        required=True,
        error_messages={
            "required": _(
                "Please tick this box to have your downloads delivered now: we can only "
                "place an order for downloads with your consent."
            )
        },
    )


def vat_number_field(hidden):
    """A business buyer's EU VAT number (optional): checked by
    shop_ext.taxes.vat_numbers once the billing country is known."""
    return forms.CharField(
        label=_("EU VAT number (businesses only, optional)"),
        required=False,
        widget=forms.HiddenInput() if hidden else forms.TextInput(attrs={"autocomplete": "off"}),
    )


class CheckoutForm(DiscountRateLimitMixin, OrderForm):
    """Cartridge's order form. A cart with nothing to ship asks only for
    DOWNLOAD_ONLY_FIELDS, on one page (``one_page``; the view goes through
    Cartridge's last step in the same request). A guest may create an
    account on the spot (a checkbox and a password), never has to."""

    def __init__(self, request, step, data=None, initial=None, errors=None, **kwargs):
        super().__init__(request, step, data=data, initial=initial, errors=errors, **kwargs)
        self.step = step
        for name in ("billing_detail_country", "shipping_detail_country"):
            upstream = self.fields[name]
            country = CountryField(label=upstream.label, required=upstream.required)
            # Cartridge hides the details on the steps that do not ask for them.
            if upstream.widget.is_hidden:
                country.widget = forms.HiddenInput()
            self.fields[name] = country
        if settings.SHOP_TAX_ENABLED:
            self.fields[VAT_NUMBER_FIELD] = vat_number_field(
                hidden=self.fields["billing_detail_first_name"].widget.is_hidden
            )
        self.ships = cart_ships(request.cart)
        if not self.ships:
            for name, field in self.fields.items():
                if name.startswith(("shipping_detail", "billing_detail")) and name not in (
                    *DOWNLOAD_ONLY_FIELDS,
                    VAT_NUMBER_FIELD,
                ):
                    field.widget = forms.HiddenInput()
                    field.required = False
            self.fields["same_billing_shipping"].widget = forms.HiddenInput()
            for name in NOT_FOR_DOWNLOADS:
                if name in self.fields:
                    self.fields[name].widget = forms.HiddenInput()
                    self.fields[name].required = False
        # One page, unless the total is only known once the country is:
        # then the confirmation step shows it before the order is placed.
        self.one_page = not self.ships and not charge.total_depends_on_country()
        if (self.one_page or step == checkout.CHECKOUT_STEP_LAST) and cart_has_downloads(request.cart):
            self.fields[CONSENT_FIELD] = consent_field()
        if not request.user.is_authenticated:
            self.fields.update(new_account.fields(first_step=step == checkout.CHECKOUT_STEP_FIRST))

    def one_page_fields(self):
        """The one page's visible fields: DOWNLOAD_ONLY_FIELDS in their
        order, then any other a feature adds (the account ones apart)."""
        skipped = (*DOWNLOAD_ONLY_FIELDS, *new_account.FIELD_NAMES, CONSENT_FIELD)
        visible = [field for field in self.visible_fields() if field.name not in skipped]
        return [self[name] for name in DOWNLOAD_ONLY_FIELDS] + visible

    def consent_fields(self):
        """The consent checkbox (a list, for fields_for), if this step asks it."""
        return [self[CONSENT_FIELD]] if CONSENT_FIELD in self.fields else []

    def new_account_fields(self):
        """The optional account's checkbox and password, folded away on the
        one page (shown once the shopper opens them)."""
        return [self[name] for name in new_account.FIELD_NAMES if name in self.fields]

    def clean(self):
        cleaned = super().clean()
        if not self._request.user.is_authenticated:
            new_account.clean(self, self.step == checkout.CHECKOUT_STEP_FIRST)
        if cleaned.get(VAT_NUMBER_FIELD) and cleaned.get("billing_detail_country"):
            try:
                cleaned[VAT_NUMBER_FIELD] = vat_numbers.clean(
                    cleaned[VAT_NUMBER_FIELD], country_code(cleaned["billing_detail_country"])
                )
            except vat_numbers.BadVatNumber as bad:
                self.add_error(VAT_NUMBER_FIELD, str(bad))
        return cleaned

    def full_clean(self):
        """With "same as billing" the shipping fields are copies of the
        billing ones (OrderForm.preprocess): their errors would repeat each
        billing error in the error summary, for fields nobody sees."""
        super().full_clean()
        if self.is_bound and self.cleaned_data.get("same_billing_shipping"):
            for name in [n for n in self._errors if n.startswith("shipping_detail")]:
                del self._errors[name]

    def clean_discount_code(self):
        """On the last step the order takes the code kept in the session
        since step 1, which the checkout guard checks again (refusing a
        posted one that differs) and the payment handler reserves. The
        posted copy, a hidden field there, is not checked again: a code used
        up meanwhile would be refused without a visible reason, and counted
        as a guess."""
        if self.step == checkout.CHECKOUT_STEP_LAST:
            return self.cleaned_data.get("discount_code", "")
        return super().clean_discount_code()


# ------------------------------------------------------------ cart page
# Used by the cart view (shop_ext/checkout/views.py: cart).


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

    def line_errors(self):
        """Every message of this line (its quantity's, or a tampered id's),
        shown beside its quantity on the cart page."""
        return [message for messages in self.errors.values() for message in messages]


class CartLinesFormSet(BaseInlineFormSet):
    """The cart's lines and nothing else. Django builds (and validates) as
    many forms as the post's TOTAL_FORMS, up to 1000: a small anonymous post
    bought seconds of CPU and blank lines. Here at most one form per line
    already in the cart is built, more is refused (validate_max), and no form
    adds a line (edit-only: lines come from "Add to cart")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The lines are read once here and reused by the forms.
        self.max_num = self.absolute_max = len(self.get_queryset())

    def fits_cart(self):
        """A post of the cart page as it stands: its management form is
        whole and names no more forms than the cart has lines (read before
        any form is built)."""
        management = self.management_form
        return management.is_valid() and management.cleaned_data[TOTAL_FORM_COUNT] <= self.absolute_max


SafeCartItemFormSet = inlineformset_factory(
    Cart,
    CartItem,
    form=SafeCartItemForm,
    formset=CartLinesFormSet,
    can_delete=True,
    extra=0,
    validate_max=True,
    edit_only=True,
)


class RateLimitedDiscountForm(DiscountRateLimitMixin, DiscountForm):
    """Cartridge's cart-page discount form with failed codes rate-limited."""
