"""What a shopper does, as requests through Django's test client.

Each helper posts what the shop's own pages post, so the tests read as a
shopper's journey: ``add_to_cart(client, book, option3="eBook")``,
``checkout(client)``.
"""

import html
import re
from decimal import Decimal

from tests.client import Client

CART_URL = "/shop/cart/"
CHECKOUT_URL = "/shop/checkout/"
COMPLETE_URL = "/shop/checkout/complete/"
LOGIN_URL = "/accounts/login/"

BILLING = {
    "billing_detail_first_name": "Ada",
    "billing_detail_last_name": "Byron",
    "billing_detail_street": "1 Harbour Road",
    "billing_detail_city": "Portsmouth",
    "billing_detail_state": "Hampshire",
    "billing_detail_postcode": "PO1 1AA",
    "billing_detail_country": "United Kingdom",
    "billing_detail_phone": "01234 567890",
    "billing_detail_email": "ada@example.com",
}
# A cart with downloads asks for consent to their immediate delivery where the
# order is placed; posted with every checkout (a cart without ignores it).
CONSENT = {"digital_supply_consent": "on"}
BILLING.update(CONSENT)
# The browser posts the (empty) shipping fields too; with the box ticked,
# Cartridge copies the billing values into them.
EMPTY_SHIPPING = {
    name.replace("billing_detail", "shipping_detail"): ""
    for name in BILLING
    if name.startswith("billing_detail") and name != "billing_detail_email"
}
SHIPPING_SAME_AS_BILLING = {**EMPTY_SHIPPING, "same_billing_shipping": "on"}
# What a download-only checkout asks for, and nothing else.
DOWNLOAD_ONLY_DETAILS = {
    name: BILLING[name]
    for name in (
        "billing_detail_first_name",
        "billing_detail_last_name",
        "billing_detail_email",
        "billing_detail_country",
        *CONSENT,
    )
}


def private_link(text, order_id):
    """The path of order ``order_id``'s private page, as an email's ``text`` links to it."""
    match = re.search(rf"https?://[^/\s]+(/orders/{order_id}/[0-9a-f]{{64}}/)", text)
    assert match, f"no private link to order {order_id} in: {text}"
    return match.group(1)


def download_links(client, order_id):
    """The download links (files, then the zip) the signed-in buyer's order
    history shows for order ``order_id``, as the browser follows them."""
    page = client.get("/account/orders/")
    assert page.status_code == 200
    links = re.findall(rf'href="(/account/orders/{order_id}/files/[^"]+)"', page.content.decode())
    assert links, f"no download links for order {order_id}"
    return [html.unescape(link) for link in links]


def quiet_client(user=None):
    """A browser whose server errors come back as 500 responses (not raised),
    signed in as ``user`` if given."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user, backend="shop_ext.accounts.backends.ShopBackend")
    return client


def add_to_cart(client, product, quantity=1, **options):
    """POST the product page's "Buy" form with the chosen options."""
    data = {"quantity": quantity, "add_cart": "Buy", **options}
    return client.post(product.get_absolute_url(), data)


def cart_lines(client):
    """The cart page's lines as {sku: (quantity, unit_price)}."""
    response = client.get(CART_URL)
    assert response.status_code == 200
    return {
        form.instance.sku: (form.instance.quantity, form.instance.unit_price)
        for form in response.context["cart_formset"].forms
    }


def cart_formset_data(client, changes=None, delete=()):
    """The cart page's formset as posted by "Update cart", with quantities
    changed ({sku: quantity}) and lines ticked for removal (skus)."""
    changes = changes or {}
    response = client.get(CART_URL)
    formset = response.context["cart_formset"]
    prefix = formset.prefix
    management = formset.management_form
    data = {f"{prefix}-{name}": management[name].value() for name in management.fields}
    for form in formset.forms:
        sku = form.instance.sku
        data[form.add_prefix("id")] = form.instance.pk
        data[form.add_prefix("quantity")] = changes.get(sku, form.instance.quantity)
        if sku in delete:
            data[form.add_prefix("DELETE")] = "on"
    data["update_cart"] = "Update cart"
    return data


def update_cart(client, changes=None, delete=()):
    return client.post(CART_URL, cart_formset_data(client, changes, delete))


def checkout_details(shipping=True, discount_code="", **extra):
    data = dict(BILLING)
    data.update(SHIPPING_SAME_AS_BILLING if shipping else EMPTY_SHIPPING)
    data["discount_code"] = discount_code
    data.update(extra)
    return data


def checkout_step(client, step, data):
    return client.post(CHECKOUT_URL, {**data, "step": step})


def checkout(client, discount_code="", shipping=True, **extra):
    """Step 1 (billing/shipping details), then step 2 (confirmation); a
    cart with nothing to ship has one page, step 1, which places the order
    (unless a VAT number asks for the confirmation).

    Returns the last response: a redirect to the completion page when the
    order was placed.
    """
    data = checkout_details(shipping=shipping, discount_code=discount_code, **extra)
    first = checkout_step(client, 1, data)
    if first.status_code != 200 or (first.context["form"].one_page and first.context["step"] == 1):
        return first
    assert first.context["step"] == 2, first.context["form"].errors
    return checkout_step(client, 2, data)


def money(value):
    return Decimal(value).quantize(Decimal("0.01"))
