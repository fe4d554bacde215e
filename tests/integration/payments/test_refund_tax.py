"""Refunds give back their lines' tax (issue 31): a refund made in the
admin records the net and tax it returned at each rate its lines were
charged, the refund that completes the payment returns the rest of the
order's tax to the cent, and a refund made in Stripe's dashboard (an
amount, no lines) is shared over the order's rates."""

from decimal import Decimal

import pytest
from cartridge.shop.models import ProductVariation

from shop_ext.models import RefundTaxLine
from tests.client import Client
from tests.factories import StaffFactory
from tests.tax_orders import GERMAN_DELIVERY, buy_by_card, load_rates

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/shop/order/"


@pytest.fixture(autouse=True)
def rates(settings):
    load_rates(settings)


@pytest.fixture
def mixed_order(client, book, stripe_api, send_event):
    """A French buyer's eBook (6.99, FR 5.5%) and a paperback (12.99, DE 7%)
    delivered to Germany (shipping 4.50, DE 19%): 24.48 paid."""
    order = buy_by_card(
        client,
        stripe_api,
        send_event,
        [(book, "eBook"), (book, "Paperback")],
        shipping=False,
        billing_detail_country="France",
        **GERMAN_DELIVERY,
    )
    assert order.payments.get().amount == 2448
    return order


def line_of(order, fmt):
    """The order's line of this format of ``book`` (matched by SKU: Cartridge
    copies the cart in the database's row order, which PostgreSQL does not promise)."""
    return order.items.get(sku__in=ProductVariation.objects.filter(option3=fmt).values("sku"))


def refund_lines(order, lines):
    staff = Client()
    staff.force_login(StaffFactory())
    data = {"action": "refund_card_payment", "_selected_action": [order.pk], "refund": "lines"}
    response = staff.post(CHANGELIST, {**data, "refund_item": [line.pk for line in lines]}, follow=True)
    assert response.status_code == 200
    return order.payments.get().refunds.latest("pk")


def returned(refund):
    return {
        (str(line.country), line.tax_class, line.rate): (line.net, line.tax, line.gross)
        for line in refund.tax_lines.all()
    }


def test_refunding_a_line_returns_its_tax_at_the_rate_it_was_charged(mixed_order, stripe_api):
    ebook = line_of(mixed_order, "eBook")

    refund = refund_lines(mixed_order, [ebook])

    assert [r["amount"] for r in stripe_api.refunds] == [699]
    assert returned(refund) == {
        ("FR", "ebook", Decimal("5.50")): (Decimal("6.63"), Decimal("0.36"), Decimal("6.99")),
    }


def test_a_shipped_line_returns_its_shipping_and_the_shippings_tax(mixed_order, stripe_api):
    paperback = line_of(mixed_order, "Paperback")

    refund = refund_lines(mixed_order, [paperback])

    assert [r["amount"] for r in stripe_api.refunds] == [1749]
    # 12.99 x 7/107 = 0.8498 and 4.50 x 19/119 = 0.7184, half-up to the cent.
    assert returned(refund) == {
        ("DE", "printed_book", Decimal("7.00")): (Decimal("12.14"), Decimal("0.85"), Decimal("12.99")),
        ("DE", "standard", Decimal("19.00")): (Decimal("3.78"), Decimal("0.72"), Decimal("4.50")),
    }


def test_refunding_every_line_returns_the_orders_tax_to_the_cent(mixed_order):
    ebook, paperback = line_of(mixed_order, "eBook"), line_of(mixed_order, "Paperback")

    refund_lines(mixed_order, [ebook])
    last = refund_lines(mixed_order, [paperback])

    assert mixed_order.payments.get().amount_refunded == 2448
    assert returned(last) == {
        ("DE", "printed_book", Decimal("7.00")): (Decimal("12.14"), Decimal("0.85"), Decimal("12.99")),
        ("DE", "standard", Decimal("19.00")): (Decimal("3.78"), Decimal("0.72"), Decimal("4.50")),
    }
    charged = {
        (str(t.country), t.tax_class, t.rate): (t.net, t.tax, t.gross) for t in mixed_order.tax_lines.all()
    }
    refunded = {}
    for line in RefundTaxLine.objects.filter(refund__payment__order=mixed_order):
        key = (str(line.country), line.tax_class, line.rate)
        refunded[key] = tuple(
            a + b for a, b in zip(refunded.get(key, (0, 0, 0)), (line.net, line.tax, line.gross), strict=True)
        )
    assert refunded == charged


def test_a_partial_refund_in_stripes_dashboard_is_shared_over_the_orders_rates(
    mixed_order, stripe_api, send_event
):
    payment = mixed_order.payments.get()
    session = stripe_api.sessions[payment.session_id]

    send_event("charge.refunded", stripe_api.charge(session, 1000))

    refund = payment.refunds.get()
    lines = list(refund.tax_lines.all())
    assert sum(line.gross for line in lines) == Decimal("10.00")
    assert all(line.net + line.tax == line.gross for line in lines)
    assert {(str(line.country), line.tax_class) for line in lines} == {
        ("FR", "ebook"),
        ("DE", "printed_book"),
        ("DE", "standard"),
    }


def test_without_tax_a_refund_records_no_tax(settings, book, client, stripe_api, send_event):
    settings.SHOP_TAX_ENABLED = False
    order = buy_by_card(client, stripe_api, send_event, [(book, "eBook")], shipping=False)

    refund = refund_lines(order, list(order.items.all()))

    assert refund.amount == 699
    assert not refund.tax_lines.exists()


def test_a_shop_below_the_oss_threshold_refunds_at_its_home_rate(
    settings, client, book, stripe_api, send_event
):
    """Not registered for the One-Stop Shop, a German shop charged its own
    ebook rate to the French buyer: the refund gives back that line's tax,
    not a share of every rate."""
    settings.SHOP_TAX_HOME_COUNTRY = "DE"
    settings.SHOP_TAX_OSS_REGISTERED = False
    order = buy_by_card(
        client,
        stripe_api,
        send_event,
        [(book, "eBook"), (book, "Paperback")],
        shipping=False,
        billing_detail_country="France",
        **GERMAN_DELIVERY,
    )
    ebook = line_of(order, "eBook")

    refund = refund_lines(order, [ebook])

    # 6.99 x 7/107 = 0.4573, half-up to the cent.
    assert returned(refund) == {
        ("DE", "ebook", Decimal("7.00")): (Decimal("6.53"), Decimal("0.46"), Decimal("6.99")),
    }
