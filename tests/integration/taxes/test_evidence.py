"""Where an order is supplied, from evidence recorded on it (issue 31,
step 2): the billing country for digital lines, the delivery country for
physical ones; the card's country (tests/integration/payments/test_tax_evidence.py)."""

import pytest
from cartridge.shop.models import Order

from shop_ext.models import OrderTaxEvidence
from shop_ext.taxes.evidence import buyer_country
from tests.factories import TaxRateFactory
from tests.shopper import SHIPPING_SAME_AS_BILLING, add_to_cart, checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def tax_on(settings):
    settings.SHOP_TAX_ENABLED = True
    for country in ("FR", "DE"):
        for tax_class in ("standard", "printed_book", "ebook"):
            TaxRateFactory(country=country, tax_class=tax_class)


def test_agreeing_evidence_decides_a_conflict_keeps_the_billing_country():
    assert buyer_country("FR") == ("FR", False)  # one piece only
    assert buyer_country("FR", "FR") == ("FR", False)
    assert buyer_country("FR", "") == ("FR", False)  # a piece Stripe could not give
    assert buyer_country("FR", "DE") == ("FR", True)


def test_a_digital_order_records_the_buyers_country(client, book, tax_on):
    add_to_cart(client, book, option3="eBook")

    checkout(client, shipping=False, billing_detail_country="France")

    evidence = Order.objects.get().tax_evidence
    assert (evidence.billing_country, evidence.country, evidence.conflict) == ("FR", "FR", False)
    assert evidence.card_country == ""


def test_a_physical_line_records_the_delivery_country_apart(client, book, tax_on):
    add_to_cart(client, book, option3="Paperback")
    add_to_cart(client, book, option3="eBook")
    delivery = {
        name: value for name, value in SHIPPING_SAME_AS_BILLING.items() if name != "same_billing_shipping"
    }
    delivery.update(
        shipping_detail_first_name="Ada",
        shipping_detail_last_name="Byron",
        shipping_detail_street="Hauptstr. 1",
        shipping_detail_city="Berlin",
        shipping_detail_state="Berlin",
        shipping_detail_postcode="10115",
        shipping_detail_country="Germany",
        shipping_detail_phone="030 123",
    )

    checkout(client, shipping=False, billing_detail_country="France", **delivery)

    evidence = Order.objects.get().tax_evidence
    assert (evidence.country, evidence.delivery_country) == ("FR", "DE")


def test_with_tax_off_no_evidence_is_recorded(client, book):
    add_to_cart(client, book, option3="eBook")

    checkout(client, shipping=False)

    assert Order.objects.exists()
    assert not OrderTaxEvidence.objects.exists()
