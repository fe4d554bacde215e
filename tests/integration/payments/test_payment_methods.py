"""Card and bank transfer side by side: the shopper picks on the last step."""

import pytest
from cartridge.shop.models import Order
from django.core import checks

from shop_ext.orders import OrderStatus
from tests.shopper import CHECKOUT_URL, COMPLETE_URL, add_to_cart, checkout_details, checkout_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_or_transfer(settings, stripe_api):
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_by_shoppers_choice"
    settings.SHOP_PAYMENT_METHODS = ["card", "transfer"]


def to_last_step(client, buyer, book):
    """A cart of downloads: its one checkout page is also the last step."""
    client.force_login(buyer)
    add_to_cart(client, book, 1, option3="eBook")
    return checkout_details(), client.get(CHECKOUT_URL)


def test_the_last_step_offers_both_methods_card_first(book, client, buyer, card_or_transfer):
    _details, last_step = to_last_step(client, buyer, book)

    page = last_step.content.decode()
    assert "How would you like to pay?" in page
    assert page.index('value="card" checked') < page.index('value="transfer"')


def test_bank_transfer_places_the_order_unpaid_without_a_card_payment(book, client, buyer, card_or_transfer):
    details, _page = to_last_step(client, buyer, book)

    placed = checkout_step(client, 1, {**details, "payment_method": "transfer"})

    order = Order.objects.get()
    assert placed["Location"] == COMPLETE_URL
    assert client.get(COMPLETE_URL).status_code == 200  # no detour to Stripe
    assert (order.status, order.payments.count()) == (OrderStatus.UNPAID, 0)


@pytest.mark.parametrize("posted", ["card", "", "bitcoin"])
def test_card_or_anything_unknown_goes_to_the_first_method(book, client, buyer, card_or_transfer, posted):
    details, _page = to_last_step(client, buyer, book)

    checkout_step(client, 1, {**details, "payment_method": posted})

    payment = Order.objects.get().payments.get()
    assert client.get(COMPLETE_URL)["Location"] == payment.checkout_url


def test_one_method_offers_no_choice(book, client, buyer, stripe_api):
    _details, last_step = to_last_step(client, buyer, book)

    assert "How would you like to pay?" not in last_step.content.decode()


@pytest.mark.parametrize(
    ("methods", "says"), [([], "is empty"), (["card", "cheque"], "unknown methods: cheque")]
)
def test_manage_py_check_names_a_missing_or_unknown_method(settings, methods, says):
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_by_shoppers_choice"
    settings.SHOP_PAYMENT_METHODS = methods

    [error] = [e for e in checks.run_checks() if e.id == "shop_ext.E002"]

    assert says in error.msg
    assert "card, transfer, demo" in error.hint
