"""The rows every checkout writes (stock, purchase counts, the invoice
counter) are written last in the paying transaction, in one order
(shop_ext.core.contended): two checkouts of the same books wait for each
other for a few statements and never deadlock."""

from functools import partial

import pytest
from cartridge.shop.models import Order, ProductAction, ProductVariation
from django.core.cache import cache
from django.utils import timezone

from shop_ext.models import InvoiceNumber
from tests.client import Client
from tests.concurrency import run_at_once
from tests.integration.checkout.test_hardening import COMPLETE, confirm, make_product, step_one
from tests.shopper import add_to_cart


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def _buyer(*products):
    client = Client()
    for product in products:  # the cart's lines in this order
        add_to_cart(client, product)
    step_one(client)
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("stock", "left"),
    [(10, 8), (None, None)],  # None: untracked, as an ebook's: no stock row lock puts the orders in line
    ids=["stock tracked", "stock untracked"],
)
def test_two_orders_of_the_same_two_books_in_opposite_order_both_complete_and_stock_is_exact(
    settings, stock, left
):
    settings.SHOP_PAYMENT_GATEWAY = "tests.doubles.record_payment"  # paid: invoice numbers too
    first, first_variation = make_product("North and South", stock=stock)
    second, second_variation = make_product("Cranford", stock=stock)
    today = timezone.localdate().toordinal()
    # The day's purchase-count rows exist, so both orders update (lock) them.
    for product in (first, second):
        ProductAction.objects.create(product=product, timestamp=today)
    buyers = [_buyer(first, second), _buyer(second, first)]

    results = run_at_once(*(partial(confirm, buyer) for buyer in buyers))

    for result in results:
        assert not isinstance(result, BaseException), result
        assert result.status_code == 200
        assert result.redirect_chain[-1][0] == COMPLETE
    assert Order.objects.count() == 2
    assert ProductVariation.objects.get(pk=first_variation.pk).num_in_stock == left
    assert ProductVariation.objects.get(pk=second_variation.pk).num_in_stock == left
    counts = ProductAction.objects.filter(timestamp=today).values_list("product_id", "total_purchase")
    assert dict(counts) == {first.pk: 2, second.pk: 2}  # no count lost
    assert sorted(InvoiceNumber.objects.values_list("number", flat=True)) == [1, 2]
