"""The cart and checkout as a shopper meets them (issue 35): the applied
code as a chip that can be removed, each error once, one-tap removal of a
line, the header's total after the discount; a cart of downloads checked out
on one page that asks only what a download needs, email first; a mixed cart
whose every summary carries the shipping the cart showed."""

import re
from decimal import Decimal

import pytest
from cartridge.shop.models import Order

from tests.client import Client
from tests.factories import DiscountCodeFactory, make_product
from tests.shopper import (
    CART_URL,
    CHECKOUT_URL,
    DOWNLOAD_ONLY_DETAILS,
    add_to_cart,
    cart_lines,
    checkout_step,
)

pytestmark = pytest.mark.django_db


def text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def header_total(html):
    return text(re.search(r'<span class="cart-total">.*?</span>(.*?)</span>', html, re.S).group(1))


def lines(client):
    """The cart's lines, as the cart page lists them."""
    return [form.instance for form in client.get(CART_URL).context["cart_formset"].forms]


@pytest.fixture
def welcome(db):
    return DiscountCodeFactory(code="WELCOME10", discount_percent=Decimal("10"))


def test_an_applied_code_is_a_chip_that_can_be_removed(client, book, welcome):
    add_to_cart(client, book, option3="Paperback")  # 12.99
    client.post(CART_URL, {"discount_code": "WELCOME10"})

    html = client.get(CART_URL).content.decode()
    chip = re.search(r'<div class="code-chip">(.*?)</div>', html, re.S).group(1)
    assert text(chip) == "WELCOME10 applied Remove the code WELCOME10"
    assert 'name="csrfmiddlewaretoken"' in chip
    assert 'name="discount_code"' not in html  # no second box while a code is applied
    assert header_total(html) == "$11.69"  # 12.99 less 10%

    removed = client.post(CART_URL, {"remove_code": "1"}, follow=True)

    html = removed.content.decode()
    assert "The discount code was removed." in html
    assert "code-chip" not in html
    assert header_total(html) == "$12.99"
    assert "discount_code" not in client.session


def test_a_refused_code_says_why_once(client, book, welcome):
    add_to_cart(client, book, option3="Paperback")

    response = client.post(CART_URL, {"discount_code": "NOPE"})

    assert response.status_code == 400
    (error,) = response.context["discount_form"].errors["discount_code"]
    html = response.content.decode()
    assert html.count(str(error)) == 1
    field = re.search(r'<input[^>]*name="discount_code"[^>]*>', html).group(0)
    assert 'value="NOPE"' in field  # kept as typed


def test_one_tap_removes_a_line(client, book):
    add_to_cart(client, book, option3="Paperback")
    add_to_cart(client, book, option3="eBook")
    ebook = book.variations.get(option3="eBook").sku
    (line,) = [line for line in lines(client) if line.sku == ebook]
    html = client.get(CART_URL).content.decode()
    assert f'form="remove-line" name="remove_line" value="{line.pk}"' in html

    response = client.post(CART_URL, {"remove_line": str(line.pk)}, follow=True)

    assert list(cart_lines(client)) == [book.variations.get(option3="Paperback").sku]
    assert "Removed from your cart" in response.content.decode()


def test_removing_another_carts_line_or_nonsense_changes_nothing(client, book):
    other = make_product({"Paperback": "5.00"}, title="Postcard")
    stranger = Client()
    add_to_cart(stranger, other, option3="Paperback")
    (their_line,) = lines(stranger)
    add_to_cart(client, book, option3="Paperback")

    assert client.post(CART_URL, {"remove_line": str(their_line.pk)}).status_code == 302
    assert client.post(CART_URL, {"remove_line": "1; drop"}).status_code == 400
    assert client.post(CART_URL, {"remove_line": "9" * 40}).status_code == 400

    assert len(cart_lines(stranger)) == 1
    assert len(cart_lines(client)) == 1


def test_a_cart_of_downloads_checks_out_on_one_page_email_first(client, book):
    add_to_cart(client, book, option3="eBook")

    page = client.get(CHECKOUT_URL)

    html = page.content.decode()
    form = html[html.index('<form method="post" class="checkout-form"') :]
    visible = [
        name
        for tag, name in re.findall(r'(<(?:input|select|textarea)\b[^>]*name="([^"]+)"[^>]*>)', form)
        if 'type="hidden"' not in tag and name != "payment_method"
    ]
    assert visible[:4] == [
        "billing_detail_email",
        "billing_detail_first_name",
        "billing_detail_last_name",
        "billing_detail_country",
    ]
    # No notes, no address to remember, no second code box; the account is
    # offered folded away.
    assert set(visible) - set(DOWNLOAD_ONLY_DETAILS) == {"create_account", "account_password"}
    assert '<details class="new-account">' in form
    assert "Place order" in form
    assert "Checkout: Your details" in html
    assert "Address" not in text(html[: html.index("<main")] if "<main" in html else "")
    # The country is chosen from a list.
    assert '<select name="billing_detail_country"' in form
    # The order summary comes first, folded (open on wide screens).
    assert html.index('<details class="checkout-summary') < html.index('class="checkout-form"')

    placed = checkout_step(client, 1, DOWNLOAD_ONLY_DETAILS)

    assert placed.status_code == 302
    assert placed["Location"] == "/shop/checkout/complete/"
    order = Order.objects.get()
    assert order.billing_detail_email == DOWNLOAD_ONLY_DETAILS["billing_detail_email"]
    assert order.shipping_total in (None, 0)


def test_the_one_page_keeps_what_was_typed_when_a_field_is_missing(client, book):
    add_to_cart(client, book, option3="eBook")

    response = checkout_step(client, 1, {**DOWNLOAD_ONLY_DETAILS, "billing_detail_email": ""})

    assert response.status_code == 400
    assert "billing_detail_email" in response.context["form"].errors
    assert response.context["form"].one_page
    assert not Order.objects.exists()


def test_a_mixed_cart_shows_its_shipping_in_every_summary(client, book):
    add_to_cart(client, book, option3="eBook")  # 6.99
    add_to_cart(client, book, option3="Paperback")  # 12.99

    cart = client.get(CART_URL).content.decode()
    checkout = client.get(CHECKOUT_URL).content.decode()
    summary = checkout[checkout.index('<details class="checkout-summary') : checkout.index("</details>")]

    assert "Estimated total with shipping" in text(cart)
    assert "$24.48" in text(cart)  # 19.98 + 4.50
    assert "$4.50" in text(summary)
    assert "$24.48" in text(summary)
    # The address step stays for a parcel.
    assert 'name="shipping_detail_street"' in checkout


def test_the_code_applied_in_the_cart_reaches_the_one_page_order(client, book, welcome):
    add_to_cart(client, book, option3="eBook")  # 6.99
    client.post(CART_URL, {"discount_code": "WELCOME10"})

    placed = checkout_step(client, 1, DOWNLOAD_ONLY_DETAILS)

    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.discount_code, order.discount_total) == ("WELCOME10", Decimal("0.70"))
