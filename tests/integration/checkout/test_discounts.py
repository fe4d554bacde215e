"""Discount codes entered at checkout: each kind of reduction, the rules
that refuse a code, product scope, and uses remaining."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from cartridge.shop.models import DiscountCode, Order
from django.utils import timezone

from shop_ext.models import UnfinishedPayment
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import set_order_status
from tests.factories import DiscountCodeFactory, make_product, variation
from tests.integration.delivery.test_concurrency import run_together
from tests.shopper import (
    BILLING,
    CART_URL,
    CHECKOUT_URL,
    add_to_cart,
    cart_lines,
    checkout,
    checkout_details,
    checkout_step,
    quiet_client,
    update_cart,
)

pytestmark = pytest.mark.django_db

SHIPPING = Decimal("4.50")


@pytest.fixture
def lamp():
    return make_product({"Paperback": "20.00"}, title="Reading lamp")


@pytest.fixture
def notebook():
    return make_product({"Paperback": "10.00"}, title="Notebook")


@pytest.fixture
def cart(client, lamp, notebook):
    """A cart worth 30.00: one lamp (20.00) and one notebook (10.00)."""
    add_to_cart(client, lamp, option3="Paperback")
    add_to_cart(client, notebook, option3="Paperback")
    return client


def place_order(client, code):
    response = checkout(client, discount_code=code)
    assert response.status_code == 302, response
    return Order.objects.get()


def refusal(client, code):
    """Step 1 with the code: the reason the shop gave for refusing it
    (staying on step 1), or None if it was accepted."""
    response = checkout_step(client, 1, checkout_details(discount_code=code))
    errors = response.context["form"].errors.get("discount_code", [])
    assert response.status_code == (400 if errors else 200)  # a refused field is bad input
    if response.context["step"] == 1 and len(errors) == 1:
        return errors[0]
    assert not errors
    return None


def test_percent_code_reduces_the_item_total(cart):
    DiscountCodeFactory(code="TENPERCENT", discount_percent=Decimal("10"))

    order = place_order(cart, "TENPERCENT")

    assert order.discount_code == "TENPERCENT"
    assert order.item_total == Decimal("30.00")
    assert order.discount_total == Decimal("3.00")
    assert order.shipping_total == SHIPPING
    assert order.total == Decimal("30.00") + SHIPPING - Decimal("3.00")


def test_deduct_code_takes_a_fixed_amount_off(cart):
    DiscountCodeFactory(code="FIVEOFF", discount_deduct=Decimal("5.00"))

    order = place_order(cart, "FIVEOFF")

    assert order.discount_total == Decimal("5.00")
    assert order.total == Decimal("29.50")  # 30.00 + 4.50 - 5.00


def test_deduct_code_larger_than_the_cart_gives_nothing_off(cart):
    """Cartridge's rule: a deduction that would make the total negative is not applied."""
    DiscountCodeFactory(code="BIGOFF", discount_deduct=Decimal("50.00"))

    order = place_order(cart, "BIGOFF")

    assert order.discount_total == Decimal("0")
    assert order.total == Decimal("34.50")


def test_exact_code_is_refused_saying_it_takes_nothing_off(cart):
    """Cartridge's DiscountCode.calculate() ignores ``discount_exact``
    ("Reduce to amount") and its admin does not offer the field; a code made
    otherwise (shell, fixture) is refused rather than accepted for nothing."""
    DiscountCodeFactory(code="ALLFOR15", discount_exact=Decimal("15.00"))

    assert refusal(cart, "ALLFOR15") == "The code ALLFOR15 gives no reduction on an order."


@pytest.mark.parametrize("typed", ["tenpercent", "TenPercent", " TENPERCENT "])
def test_codes_are_case_insensitive_and_the_order_keeps_the_code_as_stored(cart, typed):
    DiscountCodeFactory(code="TENPERCENT", discount_percent=Decimal("10"))

    order = place_order(cart, typed)

    assert order.discount_code == "TENPERCENT"
    assert order.discount_total == Decimal("3.00")


def test_a_limited_code_typed_in_lower_case_uses_one_use(cart):
    code = DiscountCodeFactory(code="TWICE", discount_percent=Decimal("10"), uses_remaining=2)

    place_order(cart, "twice")

    code.refresh_from_db()
    assert code.uses_remaining == 1


def test_cart_page_says_why_a_code_is_refused(cart):
    DiscountCodeFactory(code="BIGSPEND", discount_percent=Decimal("10"), min_purchase=Decimal("50.00"))

    response = cart.post(CART_URL, {"discount_code": "bigspend"})

    assert "needs a minimum purchase of $50.00; your cart comes to $30.00" in response.content.decode()


def test_a_code_posted_to_the_cart_while_no_code_is_active_is_refused_beside_its_field(cart):
    """No code is active: Cartridge leaves the code form off the page, but a
    code typed from an old email or a bookmarked form gets its reason."""
    DiscountCodeFactory(code="SPRING", discount_percent=Decimal("10"), active=False)
    lines = cart_lines(cart)

    response = cart.post(CART_URL, {"discount_code": "spring"})

    assert response.status_code == 400
    page = response.content.decode()
    beside = re.search(r'<p [^>]*id="id_discount_code_error"[^>]*>(.*?)</p>', page, re.S)
    assert "There is no discount code “spring”. Please check the spelling." in beside.group(1)
    assert re.search(r'<input [^>]*name="discount_code"[^>]*value="spring"', page)
    assert "discount_code" not in cart.session
    assert cart_lines(cart) == lines
    assert cart.get(CART_URL).context.get("discount_form") is None  # a page as before: no code form


def test_a_code_posted_to_the_checkout_while_no_code_is_active_is_refused(cart):
    response = checkout_step(cart, 1, checkout_details(discount_code="SPRING"))

    assert response.status_code == 400
    assert response.context["step"] == 1
    assert "Discount code: There is no discount code “SPRING”." in response.content.decode()
    assert "discount_code" not in cart.session
    assert Order.objects.count() == 0


def test_discount_code_admin_does_not_offer_reduce_to_amount(admin_client):
    response = admin_client.get("/admin/shop/discountcode/add/")

    assert response.status_code == 200
    assert 'name="discount_exact"' not in response.content.decode()


def test_free_shipping_code_removes_shipping(cart):
    DiscountCodeFactory(code="SHIPFREE", free_shipping=True)

    order = place_order(cart, "SHIPFREE")

    assert order.shipping_total == Decimal("0")
    assert order.discount_total == Decimal("0")
    assert order.total == Decimal("30.00")


def test_free_shipping_and_percent_together(cart):
    DiscountCodeFactory(code="BOTH", free_shipping=True, discount_percent=Decimal("50"))

    order = place_order(cart, "BOTH")

    assert order.shipping_total == Decimal("0")
    assert order.total == Decimal("15.00")


def test_minimum_purchase_refuses_a_smaller_cart(cart):
    DiscountCodeFactory(code="BIGSPEND", discount_percent=Decimal("10"), min_purchase=Decimal("30.01"))

    assert (
        refusal(cart, "BIGSPEND")
        == "The code BIGSPEND needs a minimum purchase of $30.01; your cart comes to $30.00."
    )


def test_minimum_purchase_accepts_a_cart_that_reaches_it(cart):
    DiscountCodeFactory(code="BIGSPEND", discount_percent=Decimal("10"), min_purchase=Decimal("30.00"))

    order = place_order(cart, "BIGSPEND")

    assert order.discount_total == Decimal("3.00")


def test_expired_code_is_refused(cart):
    DiscountCodeFactory(
        code="SUMMER",
        discount_percent=Decimal("10"),
        valid_from=timezone.now() - timedelta(days=30),
        valid_to=timezone.now() - timedelta(days=1),
    )

    assert refusal(cart, "SUMMER").startswith("The code SUMMER expired on ")


def test_code_not_yet_valid_is_refused(cart):
    DiscountCodeFactory(
        code="WINTER", discount_percent=Decimal("10"), valid_from=timezone.now() + timedelta(days=1)
    )

    assert refusal(cart, "WINTER").startswith("The code WINTER can be used from ")


def test_inactive_code_is_refused(cart):
    DiscountCodeFactory(code="OFF", discount_percent=Decimal("10"), active=False)
    DiscountCodeFactory(code="ON", discount_percent=Decimal("10"))  # so the field shows

    assert refusal(cart, "OFF") == "There is no discount code “OFF”. Please check the spelling."


def test_unknown_code_is_refused_and_places_no_order(cart):
    DiscountCodeFactory(code="REAL", discount_percent=Decimal("10"))

    assert refusal(cart, "BOGUS") == "There is no discount code “BOGUS”. Please check the spelling."
    assert Order.objects.count() == 0


def test_product_scoped_code_applies_only_to_its_items(cart, lamp):
    DiscountCodeFactory(code="LAMPS", discount_percent=Decimal("50"), products=[lamp])

    order = place_order(cart, "LAMPS")

    assert order.discount_total == Decimal("10.00")  # half of the lamp only
    assert order.total == Decimal("24.50")  # 30.00 + 4.50 - 10.00


def test_product_scoped_code_counts_each_unit(client, lamp, notebook):
    DiscountCodeFactory(code="LAMPS", discount_deduct=Decimal("2.00"), products=[lamp])
    add_to_cart(client, lamp, quantity=3, option3="Paperback")
    add_to_cart(client, notebook, option3="Paperback")

    order = place_order(client, "LAMPS")

    assert order.discount_total == Decimal("6.00")


def test_product_scoped_code_is_refused_without_its_products(client, lamp, notebook):
    DiscountCodeFactory(code="LAMPS", discount_percent=Decimal("50"), products=[lamp])
    add_to_cart(client, notebook, option3="Paperback")

    assert refusal(client, "LAMPS") == "The code LAMPS is not valid for the items in your cart."


def test_completed_order_uses_up_one_use(cart):
    code = DiscountCodeFactory(code="TWICE", discount_percent=Decimal("10"), uses_remaining=2)

    place_order(cart, "TWICE")

    code.refresh_from_db()
    assert code.uses_remaining == 1


def test_used_up_code_is_refused(client, lamp):
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    add_to_cart(client, lamp, option3="Paperback")
    place_order(client, "ONCE")

    add_to_cart(client, lamp, option3="Paperback")

    assert DiscountCode.objects.get(code="ONCE").uses_remaining == 0
    assert refusal(client, "ONCE") == "The code ONCE has been used up."


def test_code_entered_in_the_cart_carries_into_the_order(cart):
    DiscountCodeFactory(code="CARTCODE", discount_deduct=Decimal("5.00"))

    response = cart.post(CART_URL, {"discount_code": "CARTCODE"})
    assert response.status_code == 302

    order = place_order(cart, "")
    assert order.discount_code == "CARTCODE"
    assert order.discount_total == Decimal("5.00")


def test_cart_change_recalculates_a_percent_discount(cart, notebook):
    DiscountCodeFactory(code="TENPERCENT", discount_percent=Decimal("10"))
    checkout_step(cart, 1, checkout_details(discount_code="TENPERCENT"))
    update_cart(cart, delete=[variation(notebook, option3="Paperback").sku])

    response = checkout_step(cart, 2, checkout_details(discount_code="TENPERCENT"))
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.item_total == Decimal("20.00")
    assert order.discount_total == Decimal("2.00")


# ------------------------------------------- a limited code's use, atomically

USED = "has been used, so it was removed from your order"


def test_a_code_used_up_while_paying_is_a_clear_message_and_no_discount(cart, monkeypatch):
    """The guard's check passed, but another order took the last use before payment."""
    code = DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    checkout_step(cart, 1, checkout_details(discount_code="ONCE"))
    setup = Order.setup

    def another_order_takes_the_last_use_first(order, request):
        setup(order, request)
        DiscountCode.objects.filter(pk=code.pk).update(uses_remaining=0)

    # After the checkout's checks, before the payment handler's reservation.
    monkeypatch.setattr(Order, "setup", another_order_takes_the_last_use_first)

    response = checkout_step(cart, 2, checkout_details(discount_code="ONCE"))

    assert response.status_code == 400
    assert USED in response.content.decode()
    assert Order.objects.count() == 0
    assert "discount_code" not in cart.session
    code.refresh_from_db()
    assert code.uses_remaining == 0
    order = place_order(cart, "")
    assert (order.discount_code, order.discount_total) in (("", None), ("", Decimal("0")))


def pay_instantly_while_another_order_takes_the_last_use(request, order_form, order):
    """A gateway that takes the money at once (the checkout calls it before
    taking the code's use); meanwhile another order takes the last use."""
    DiscountCode.objects.filter(code="ONCE").update(uses_remaining=0)
    return f"TEST-{order.pk}"


def test_a_code_used_up_while_the_money_was_taken_records_the_payment_for_a_refund(cart, settings):
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    settings.SHOP_PAYMENT_GATEWAY = f"{__name__}.pay_instantly_while_another_order_takes_the_last_use"

    response = checkout(cart, discount_code="ONCE")

    assert response.status_code == 200  # refused as a whole, as a declined payment
    assert USED in response.content.decode()
    assert Order.objects.count() == 0
    refund = UnfinishedPayment.objects.get()
    assert refund.transaction_id.startswith("TEST-")
    assert (refund.total, refund.billing_email, refund.settled_at) == (
        Decimal("31.50"),  # 30.00 less 10%, and shipping
        BILLING["billing_detail_email"],
        None,
    )
    # The use is taken at the end of the checkout's transaction, which rolled
    # back whole, the other order's update too (here it ran in the same
    # transaction): this checkout took no use.
    assert DiscountCode.objects.get(code="ONCE").uses_remaining == 1
    assert "discount_code" not in cart.session


def test_a_used_up_code_found_by_the_checkout_check_says_so_too(cart):
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    checkout_step(cart, 1, checkout_details(discount_code="ONCE"))
    DiscountCode.objects.filter(code="ONCE").update(uses_remaining=0)

    response = cart.post(CHECKOUT_URL, {**checkout_details(discount_code="ONCE"), "step": 2}, follow=True)

    assert USED in response.content.decode()
    assert Order.objects.count() == 0


def test_a_failed_payment_gives_the_use_back(cart, settings):
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    settings.SHOP_PAYMENT_GATEWAY = "tests.doubles.decline_payment"

    response = checkout(cart, discount_code="ONCE")

    assert "Card declined" in response.content.decode()
    assert Order.objects.count() == 0
    assert DiscountCode.objects.get(code="ONCE").uses_remaining == 1


def test_cancelling_an_order_gives_its_use_back_once_and_restoring_takes_it_again(cart):
    DiscountCodeFactory(code="TWICE", discount_percent=Decimal("10"), uses_remaining=2)
    order = place_order(cart, "TWICE")
    uses = lambda: DiscountCode.objects.get(code="TWICE").uses_remaining  # noqa: E731

    assert uses() == 1
    for _ in range(2):  # cancelled twice: given back once
        set_order_status(Order.objects.get(pk=order.pk), OrderStatus.CANCELLED)
    assert uses() == 2
    set_order_status(Order.objects.get(pk=order.pk), OrderStatus.PAID)
    assert uses() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_checkouts_with_a_single_use_code_discount_one(lamp):
    """On PostgreSQL the ten run in parallel; SQLite queues them."""
    DiscountCodeFactory(code="ONCE", discount_percent=Decimal("10"), uses_remaining=1)
    buyers = []
    for _ in range(10):
        buyer = quiet_client()
        add_to_cart(buyer, lamp, option3="Paperback")
        assert checkout_step(buyer, 1, checkout_details(discount_code="ONCE")).status_code == 200
        buyers.append(buyer)

    def confirm(i):
        response = buyers[i].post(
            CHECKOUT_URL, {**checkout_details(discount_code="ONCE"), "step": 2}, follow=True
        )
        return response.status_code, USED in response.content.decode()

    results = run_together(10, confirm)

    [order] = Order.objects.all()
    assert (order.discount_code, order.discount_total) == ("ONCE", Decimal("2.00"))
    # One placed the order; nine were told the code was used: a 400 where the
    # code's field was refused, a 200 where the order as a whole was.
    assert all(status in (200, 400) for status, _told in results)
    assert sorted(told for _status, told in results) == [False] + [True] * 9
    assert DiscountCode.objects.get(code="ONCE").uses_remaining == 0
