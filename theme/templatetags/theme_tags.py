"""Template helpers for the shop's look; the ones that know the catalogue
(bylines, listings, line kinds) are shop_ext's (shop_ext_tags)."""

import json

from django import template
from django.utils.html import json_script
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
                label = f"{label} — not available"
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
