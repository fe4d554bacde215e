"""Template helpers for the shop's look; the ones that know the catalogue
(bylines, listings, line kinds) are shop_ext's (shop_ext_tags)."""

import json

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _
from mezzanine.pages.models import Page

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}``: dict lookup with a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def variations_data(variations_json, element_id="variations-data"):
    """Cartridge's ``variations_json`` as a ``<script type="application/json">``
    block (escaped for HTML, no inline code): theme/js/product.js reads it."""
    try:
        data = json.loads(variations_json or "[]")
    except (TypeError, ValueError):
        data = []
    return json_script(data, element_id)


@register.simple_tag
def mark_unavailable_options(form, variations, unavailable_skus):
    """Put the options before the quantity, order their choices, and label
    those that cannot be bought now ("eBook — not
    available"): a choice is unavailable when every priced variation with
    that value is in ``unavailable_skus``. Labels only; values are kept, and
    the add-to-cart form refuses such a variation on POST anyway."""
    if not form:
        return ""
    unavailable_skus = unavailable_skus or {}
    variations = [v for v in variations if v.has_price()]
    for name, field in form.fields.items():
        if not name.startswith("option") or not hasattr(field, "choices"):
            continue
        # Cartridge builds the choices from a set: list them in the order of
        # the variations instead (the default one first).
        order = {}
        for variation in variations:
            order.setdefault(getattr(variation, name), len(order))
        choices = []
        for value, label in sorted(field.choices, key=lambda c: order.get(c[0], len(order))):
            matching = [v for v in variations if getattr(v, name) == value]
            if matching and all(v.sku in unavailable_skus for v in matching):
                label = _("%(option)s — not available") % {"option": label}
            choices.append((value, label))
        field.choices = choices
    # Choose the format first, then how many.
    if "quantity" in form.fields:
        form.fields["quantity"] = form.fields.pop("quantity")
    return ""


@register.simple_tag(takes_context=True)
def published_page(context, slug):
    """``{% published_page "books" as books %}``: a published page by slug,
    or None, so hard-wired links on the home page never point at nothing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return Page.objects.published(for_user=user).filter(slug=slug).first()


@register.filter
def option_values(variation):
    """ "eBook", or "M / Ink": a variation's option values without labels."""
    return " / ".join(str(value) for value in variation.options() if value)


@register.filter
def any_value(pairs):
    """True if any (label, value) pair has a value: hides an empty shipping
    address on a download-only order."""
    return any(value for _label, value in pairs or ())


# WCAG 1.3.5: what each personal-data field holds, as an autocomplete token.
# Checkout fields are named billing_detail_<x> / shipping_detail_<x>; the
# prefix becomes the token's section ("billing email").
AUTOCOMPLETE_TOKENS = {
    "first_name": "given-name",
    "last_name": "family-name",
    "street": "address-line1",
    "city": "address-level2",
    "state": "address-level1",
    "postcode": "postal-code",
    "country": "country-name",
    "phone": "tel",
    "email": "email",
    "username": "username",
    "password": "current-password",
    "password1": "new-password",
    "password2": "new-password",
    "card_name": "cc-name",
    "card_type": "cc-type",
    "card_number": "cc-number",
    "card_expiry_month": "cc-exp-month",
    "card_expiry_year": "cc-exp-year",
    "card_ccv": "cc-csc",
}
AUTOCOMPLETE_SECTIONS = {"billing_detail_": "billing", "shipping_detail_": "shipping"}


def autocomplete_token(field_name):
    section = ""
    for prefix, name in AUTOCOMPLETE_SECTIONS.items():
        if field_name.startswith(prefix):
            section, field_name = f"{name} ", field_name.removeprefix(prefix)
    token = AUTOCOMPLETE_TOKENS.get(field_name)
    return section + token if token else None


@register.simple_tag
def accessible_field(field):
    """A form field's widget as includes/form_fields.html shows it: marked
    ``required`` when it is (Cartridge's order form leaves that out; forms
    showing their errors through the error summary post with ``novalidate``),
    an autocomplete token for personal data, and never ``autofocus``
    (Mezzanine's forms set it: it jumps past the page's messages and error
    summary). Django adds ``aria-invalid`` and ``aria-describedby``, naming
    ``<id>_error`` and ``<id>_helptext``, which the include renders."""
    attrs = {"autofocus": False}
    if not field.is_hidden:
        token = autocomplete_token(field.name)
        if token and "autocomplete" not in field.field.widget.attrs:
            attrs["autocomplete"] = token
        if field.field.required:
            attrs["required"] = True
    widget = field.as_widget(attrs=attrs)
    if field.field.show_hidden_initial:
        widget += field.as_hidden(only_initial=True)
    return widget
