"""The checkout's country is an ISO 3166 country chosen from a list (tax is
charged by it, docs/taxes.md): anything else is a clear error, never a 500."""

import pytest
from cartridge.shop.models import Order

from tests.shopper import CHECKOUT_URL, COMPLETE_URL, add_to_cart, checkout_details, checkout_step

pytestmark = pytest.mark.django_db


def test_the_country_is_a_list_of_iso_countries(client, book):
    add_to_cart(client, book, option3="Paperback")

    html = client.get(CHECKOUT_URL).content.decode()

    assert '<select name="billing_detail_country"' in html
    assert '<option value="France">France</option>' in html
    assert '<option value="United States of America">United States of America</option>' in html


def test_the_confirmation_step_carries_the_countries_hidden(client, book):
    """Step 2 shows the details as text: the countries chosen on step 1 go
    with it as hidden fields, like every other detail, not as lists again."""
    add_to_cart(client, book, option3="Paperback")

    html = checkout_step(client, 1, checkout_details(billing_detail_country="France")).content.decode()

    assert '<select name="billing_detail_country"' not in html
    assert '<select name="shipping_detail_country"' not in html
    assert '<input type="hidden" name="billing_detail_country" value="France"' in html


@pytest.mark.parametrize("posted", ["FR", "fr", "france", "France"])
def test_a_code_or_a_name_in_any_case_is_that_country(client, book, posted):
    add_to_cart(client, book, option3="Paperback")
    data = checkout_details(billing_detail_country=posted)

    assert checkout_step(client, 1, data).context["step"] == 2
    response = checkout_step(client, 2, data)

    assert response["Location"] == COMPLETE_URL
    order = Order.objects.get()
    assert (order.billing_detail_country, order.shipping_detail_country) == ("France", "France")


@pytest.mark.parametrize("posted", ["Atlantis", "XX", "x" * 10_000, "Fr4nce\x00"])
def test_an_unknown_country_is_a_clear_error(client, book, posted):
    add_to_cart(client, book, option3="eBook")

    response = checkout_step(client, 1, checkout_details(shipping=False, billing_detail_country=posted))

    assert response.status_code == 400
    assert response.context["step"] == 1
    assert "please choose yours from the list" in response.context["form"].errors["billing_detail_country"][0]
    assert not Order.objects.exists()


def test_the_delivery_country_is_checked_too(client, book):
    add_to_cart(client, book, option3="Paperback")
    data = checkout_details(shipping=False)
    data.update(
        {
            name.replace("billing_detail", "shipping_detail"): value
            for name, value in data.items()
            if name.startswith("billing_detail")
        }
    )
    data["shipping_detail_country"] = "Narnia"

    response = checkout_step(client, 1, data)

    assert response.context["step"] == 1
    assert "Narnia" in response.context["form"].errors["shipping_detail_country"][0]


def test_uk_is_the_united_kingdom(client, book):
    add_to_cart(client, book, option3="Paperback")

    data = checkout_details(billing_detail_country="UK")
    assert checkout_step(client, 1, data).context["step"] == 2
    assert checkout_step(client, 2, data)["Location"] == COMPLETE_URL
    assert Order.objects.get().billing_detail_country == "United Kingdom"
