"""The card's issuing country, as Stripe reports it, is the second piece of
an order's tax evidence (issue 31, step 2; docs/taxes.md): agreeing with
the billing country it confirms it, disagreeing it flags the order for
staff, missing it changes nothing, and a payment never fails over it."""

from decimal import Decimal

import pytest
from cartridge.shop.models import Order

from shop_ext.orders import PAID_STATUSES
from tests.factories import StaffFactory, TaxRateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tax_on(settings):
    settings.SHOP_TAX_ENABLED = True
    for tax_class in ("standard", "printed_book", "ebook"):
        TaxRateFactory(country="GB", tax_class=tax_class, rate=Decimal("20"))


def test_a_card_from_the_billing_country_confirms_it(book, pay_by_card, stripe_api, send_event):
    order, payment = pay_by_card(book, "eBook")  # billing: United Kingdom
    stripe_api.card_country = "GB"

    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))

    evidence = Order.objects.get(pk=order.pk).tax_evidence
    assert (evidence.billing_country, evidence.card_country, evidence.country) == ("GB", "GB", "GB")
    assert not evidence.conflict
    asked = [
        params for method, path, params in stripe_api.requests if path.startswith("/v1/payment_intents/")
    ]
    assert asked == [{"expand": ["latest_charge"]}]


def test_a_card_from_another_country_flags_the_order_and_the_billing_country_stands(
    book, pay_by_card, stripe_api, send_event, client, caplog
):
    order, payment = pay_by_card(book, "eBook")
    stripe_api.card_country = "DE"

    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))

    order.refresh_from_db()
    assert order.status in PAID_STATUSES
    evidence = order.tax_evidence
    assert (evidence.card_country, evidence.country, evidence.conflict) == ("DE", "GB", True)
    assert "tax evidence disagrees" in caplog.text
    client.force_login(StaffFactory(is_superuser=True))
    flagged = client.get("/admin/shop/order/", {"tax_evidence__conflict__exact": "1"})
    assert [o.pk for o in flagged.context["cl"].result_list] == [order.pk]
    page = client.get(f"/admin/shop/order/{order.pk}/change/").content.decode()
    assert "Tax evidence" in page
    assert "Germany" in page


def test_the_return_page_records_the_card_country_too(book, pay_by_card, stripe_api, client):
    order, payment = pay_by_card(book, "eBook")
    stripe_api.card_country = "FR"
    stripe_api.complete(payment.session_id)

    client.get(f"/shop/payment/{order.pk}/")

    assert Order.objects.get(pk=order.pk).tax_evidence.conflict


def test_stripe_not_saying_the_cards_country_changes_nothing_and_the_payment_stands(
    book, pay_by_card, stripe_api, send_event
):
    order, payment = pay_by_card(book, "eBook")
    session = stripe_api.complete(payment.session_id)
    stripe_api.card_countries.clear()  # Stripe answers 404 for the PaymentIntent

    send_event("checkout.session.completed", session)

    order.refresh_from_db()
    assert order.status in PAID_STATUSES
    assert (order.tax_evidence.card_country, order.tax_evidence.conflict) == ("", False)


def test_the_amount_sent_to_stripe_includes_the_tax(book, pay_by_card, stripe_api, settings):
    settings.SHOP_TAX_INCLUDED = False  # tax added to the price: 6.99 + 20% = 8.39

    order, payment = pay_by_card(book, "eBook")

    session = stripe_api.sessions[payment.session_id]
    assert order.tax_total == Decimal("1.40")
    assert order.total == Decimal("8.39")
    assert session["amount_total"] == payment.amount == 839
