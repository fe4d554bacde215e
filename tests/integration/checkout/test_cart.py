"""The cart: adding from the product page, updating, removing, totals,
sale prices, and the availability rules enforced on POST."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from cartridge.shop.models import CartItem
from django.utils import timezone

from shop_ext.checkout.forms import SafeCartItemForm, SafeCartItemFormSet
from tests.factories import DiscountCodeFactory, SaleFactory, add_file, make_book, make_product, variation
from tests.shopper import CART_URL, add_to_cart, cart_lines, update_cart

pytestmark = pytest.mark.django_db


def test_add_to_cart_puts_the_chosen_variation_in_the_cart(client, book):
    response = add_to_cart(client, book, quantity=2, option3="Paperback")

    assert response.status_code == 302
    assert response.url == CART_URL
    paperback = variation(book, option3="Paperback")
    assert cart_lines(client) == {paperback.sku: (2, Decimal("12.99"))}


def test_adding_the_same_variation_again_increases_its_quantity(client, book):
    add_to_cart(client, book, option3="Paperback")
    add_to_cart(client, book, quantity=2, option3="Paperback")

    paperback = variation(book, option3="Paperback")
    assert cart_lines(client) == {paperback.sku: (3, Decimal("12.99"))}


def test_cart_page_shows_item_and_total_prices(client, book, tote):
    add_to_cart(client, book, quantity=2, option3="Paperback")
    add_to_cart(client, tote, option3="Paperback")

    response = client.get(CART_URL)

    html = response.content.decode()
    assert "The Lighthouse Keeper&#x27;s Almanac" in html
    assert "Tote bag" in html
    assert "$25.98" in html  # 2 x 12.99
    assert "$33.98" in html  # 25.98 + 8.00


def test_update_quantity(client, book):
    add_to_cart(client, book, option3="Paperback")
    paperback = variation(book, option3="Paperback")

    response = update_cart(client, changes={paperback.sku: 3})

    assert response.status_code == 302
    assert cart_lines(client) == {paperback.sku: (3, Decimal("12.99"))}
    assert "$38.97" in client.get(CART_URL).content.decode()


def test_quantity_above_stock_is_refused_and_cart_unchanged(client, book):
    add_to_cart(client, book, option3="Paperback")
    paperback = variation(book, option3="Paperback")

    response = update_cart(client, changes={paperback.sku: 11})  # 10 in stock

    assert response.status_code == 400
    assert response.context["cart_formset"].errors == [
        {"quantity": [f"{paperback}: Only 10 left in stock. Please change or remove this line."]}
    ]
    assert cart_lines(client) == {paperback.sku: (1, Decimal("12.99"))}


def test_quantity_above_stock_shows_the_reason_beside_what_was_typed(client, book):
    add_to_cart(client, book, option3="Paperback")
    paperback = variation(book, option3="Paperback")

    response = update_cart(client, changes={paperback.sku: 11})

    html = response.content.decode()
    field = re.search(r'<input[^>]*name="items-0-quantity"[^>]*>', html).group(0)
    assert 'value="11"' in field
    assert 'aria-invalid="true"' in field
    # The message right after its field, once on the page.
    message = "Only 10 left in stock"
    assert html.count(message) == 1
    beside = r'\s*<p[^>]*id="id_items-0-quantity_error"[^>]*>.*?'
    assert re.search(re.escape(field) + beside + message, html, re.S)


def test_remove_a_line(client, book, tote):
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, tote, option3="Paperback")
    ebook = variation(book, option3="eBook")
    bag = variation(tote, option3="Paperback")

    update_cart(client, delete=[ebook.sku])

    assert cart_lines(client) == {bag.sku: (1, Decimal("8.00"))}


def test_quantity_zero_removes_the_line(client, book, tote):
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, tote, option3="Paperback")
    ebook = variation(book, option3="eBook")
    bag = variation(tote, option3="Paperback")

    update_cart(client, changes={ebook.sku: 0})

    assert cart_lines(client) == {bag.sku: (1, Decimal("8.00"))}


def test_sale_price_is_charged_while_the_sale_runs(client):
    poster = make_product({"Paperback": "12.00"}, title="Poster")
    SaleFactory(products=[poster], discount_percent=Decimal("25"))

    add_to_cart(client, poster, option3="Paperback")

    sku = variation(poster, option3="Paperback").sku
    assert cart_lines(client) == {sku: (1, Decimal("9.00"))}
    assert "$9.00" in client.get(CART_URL).content.decode()


def test_sale_price_is_not_charged_after_the_sale_ended(client):
    poster = make_product({"Paperback": "12.00"}, title="Poster")
    SaleFactory(
        products=[poster],
        discount_percent=Decimal("25"),
        valid_from=timezone.now() - timedelta(days=10),
        valid_to=timezone.now() - timedelta(days=1),
    )
    paperback = variation(poster, option3="Paperback")
    assert paperback.sale_price == Decimal("9.00")  # applied, but over

    add_to_cart(client, poster, option3="Paperback")

    assert cart_lines(client) == {paperback.sku: (1, Decimal("12.00"))}


def test_ending_a_running_sale_stops_its_price(client):
    poster = make_product({"Paperback": "12.00"}, title="Poster")
    sale = SaleFactory(products=[poster], discount_percent=Decimal("25"))
    sale.valid_to = timezone.now() - timedelta(minutes=1)
    sale.save()

    add_to_cart(client, poster, option3="Paperback")

    sku = variation(poster, option3="Paperback").sku
    assert cart_lines(client) == {sku: (1, Decimal("12.00"))}


# Availability is enforced on POST, not only hidden in the product page.


def test_ebook_without_a_file_cannot_be_added(client):
    book = make_book(title="The Cartographer's Daughter")  # no file uploaded yet

    response = add_to_cart(client, book, option3="eBook")

    assert response.status_code == 200
    assert "This format is not available yet." in response.content.decode()
    assert cart_lines(client) == {}


def test_ebook_with_a_file_can_be_added(client):
    book = make_book(title="Gardens of Small Hours")
    add_file(book, "eBook")

    response = add_to_cart(client, book, option3="eBook")

    assert response.status_code == 302
    ebook = variation(book, option3="eBook")
    assert cart_lines(client) == {ebook.sku: (1, Decimal("6.99"))}


def test_file_for_all_variations_makes_the_ebook_available(client):
    book = make_book(title="Gardens of Small Hours")
    product_file = add_file(book)  # delivered by no variation in particular...
    product_file.for_all_variations = True  # ...but by every one
    product_file.save()

    response = add_to_cart(client, book, option3="eBook")

    assert response.status_code == 302
    assert list(cart_lines(client)) == [variation(book, option3="eBook").sku]


def test_paperback_of_a_book_without_files_can_be_added(client):
    book = make_book(title="The Cartographer's Daughter")

    response = add_to_cart(client, book, option3="Paperback")

    assert response.status_code == 302
    assert list(cart_lines(client)) == [variation(book, option3="Paperback").sku]


def test_product_not_available_for_purchase_is_refused(client, tote):
    tote.available = False
    tote.save()

    response = add_to_cart(client, tote, option3="Paperback")

    assert response.status_code == 200
    assert response.context["add_product_form"].non_field_errors() == [
        "This product is not available for purchase."
    ]
    assert "This product is currently unavailable." in response.content.decode()
    assert cart_lines(client) == {}


def test_out_of_stock_variation_is_refused(client):
    book = make_book(title="Salt and Static", stock={"Paperback": 0})

    response = add_to_cart(client, book, option3="Paperback")

    assert response.status_code == 200
    assert "not in stock" in response.content.decode()
    assert cart_lines(client) == {}


@pytest.mark.parametrize("quantity", ["-1", "0", "1000", "lots"])
def test_bad_quantity_is_refused(client, tote, quantity):
    response = add_to_cart(client, tote, quantity=quantity, option3="Paperback")

    assert response.status_code == 200
    assert response.context["add_product_form"].errors["quantity"]
    assert cart_lines(client) == {}


def test_unknown_option_is_refused(client, tote):
    response = add_to_cart(client, tote, option3="Hardback")

    assert response.status_code == 200
    assert response.context["add_product_form"].errors["option3"]
    assert cart_lines(client) == {}


def test_cart_page_refuses_a_quantity_above_the_maximum(client):
    poster = make_product({"Paperback": "8.00"}, title="Poster")  # no stock tracking
    add_to_cart(client, poster, option3="Paperback")
    sku = variation(poster, option3="Paperback").sku

    response = update_cart(client, changes={sku: 1000})

    assert response.status_code == 400
    assert cart_lines(client) == {sku: (1, Decimal("8.00"))}


@pytest.fixture
def forms_built(monkeypatch):
    """How many cart line forms the requests build."""
    built = []
    original = SafeCartItemForm.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(SafeCartItemForm, "__init__", counting_init)
    return built


@pytest.mark.parametrize("initial_forms", ["1", "990"])
def test_a_post_with_990_cart_forms_is_a_400_that_builds_none_and_creates_nothing(
    client, book, forms_built, django_assert_max_num_queries, initial_forms
):
    add_to_cart(client, book, option3="Paperback")
    [line] = CartItem.objects.all()
    data = {"items-TOTAL_FORMS": "990", "items-INITIAL_FORMS": initial_forms, "update_cart": "Update cart"}
    data.update({f"items-{i}-quantity": "1" for i in range(990)})
    data["items-0-id"] = line.pk

    with django_assert_max_num_queries(20):  # a handful, not one per posted form
        response = client.post(CART_URL, data)

    assert response.status_code == 400
    assert "Your cart has changed since this page was loaded" in response.content.decode()
    assert forms_built == []
    assert list(CartItem.objects.values_list("pk", "quantity")) == [(line.pk, 1)]


def test_a_cart_form_without_a_line_adds_none(client, book):
    """Within the cart's size, a form that names no line of it is ignored."""
    add_to_cart(client, book, option3="Paperback")
    [line] = CartItem.objects.all()
    data = {"items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-0-quantity": "0"}

    response = client.post(CART_URL, {**data, "update_cart": "Update cart"})

    assert response.status_code == 302
    assert list(CartItem.objects.values_list("pk", "quantity")) == [(line.pk, 1)]


def test_the_cart_formset_builds_at_most_one_form_per_line(client, book, forms_built):
    add_to_cart(client, book, option3="Paperback")
    cart = CartItem.objects.get().cart
    data = {"items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0"}
    formset = SafeCartItemFormSet(data, instance=cart)
    assert not formset.fits_cart()
    assert not formset.is_valid()
    assert "Please submit at most 1 form." in formset.non_form_errors()
    assert len(forms_built) == 1


# ------------------------------------------------------ shipping estimate


def cart_text(client):
    return " ".join(client.get(CART_URL).content.decode().split())


def test_cart_with_printed_items_shows_the_shipping_estimate(client, book):
    add_to_cart(client, book, quantity=2, option3="Paperback")

    page = cart_text(client)

    assert "Flat rate shipping (estimate)</dt> <dd>$4.50</dd>" in page
    assert "Estimated total with shipping</dt> <dd>$30.48</dd>" in page  # 2 x 12.99 + 4.50


def test_cart_of_downloads_shows_no_shipping(client, book):
    add_to_cart(client, book, option3="eBook")

    assert "(estimate)" not in cart_text(client)


def test_free_shipping_code_replaces_the_estimate(client, book):
    DiscountCodeFactory(code="FREESHIP", free_shipping=True)
    add_to_cart(client, book, option3="Paperback")
    client.post(CART_URL, {"discount_code": "freeship"})

    page = cart_text(client)

    assert "Free shipping</dt> <dd>$0.00</dd>" in page
    assert "(estimate)" not in page


def test_the_cart_survives_closing_the_browser(client, book, settings):
    """A persistent session cookie, two weeks by default (SHOP_SESSION_DAYS)."""
    add_to_cart(client, book, option3="eBook")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 14 * 24 * 3600
    assert cookie["expires"]
