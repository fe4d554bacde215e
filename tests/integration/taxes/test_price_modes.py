"""The shop's home country and its price mode (issue 31): with prices
including tax, every buyer pays the catalogue price (gross-constant) or the
price less the home rate plus their own (net-plus-buyer-rate); a shop not
registered for the One-Stop Shop charges its home rates to EU buyers
abroad; the system checks name the rates missing for the countries it
sells to."""

from datetime import date
from decimal import Decimal

import pytest
from cartridge.shop.models import Order
from django.core import mail
from django.core.management import call_command

from shop_ext import checks
from tests.factories import TaxRateFactory
from tests.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.shopper import COMPLETE_URL, add_to_cart, checkout, checkout_details, checkout_step

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates(settings):
    settings.SHOP_TAX_ENABLED = True
    settings.SHOP_TAX_HOME_COUNTRY = "FR"
    settings.SHOP_TAX_OSS_REGISTERED = True
    since = date(2025, 1, 1)
    for country, standard, books in (("FR", "20", "5.5"), ("DE", "19", "7"), ("GB", "20", "0")):
        TaxRateFactory(country=country, tax_class="standard", rate=Decimal(standard), valid_from=since)
        TaxRateFactory(country=country, tax_class="printed_book", rate=Decimal(books), valid_from=since)
        TaxRateFactory(country=country, tax_class="ebook", rate=Decimal(books), valid_from=since)


def ebook_order(client, book, country):
    add_to_cart(client, book, option3="eBook")  # 6.99, with France's 5.5% in it
    response = checkout(client, shipping=False, billing_detail_country=country)
    assert response["Location"] == COMPLETE_URL
    return Order.objects.get()


def test_net_plus_buyer_rate_charges_a_german_reader_the_german_rate(client, book, settings):
    settings.SHOP_TAX_PRICE_MODE = "net-plus-buyer-rate"

    order = ebook_order(client, book, "Germany")

    # 6.99 / 1.055 x 1.07 = 7.0894...: 7.09, of which 7% is 0.4638...: 0.46.
    assert (order.total, order.tax_total) == (Decimal("7.09"), Decimal("0.46"))
    line = order.tax_lines.get()
    assert (line.country, line.rate, line.net, line.tax, line.gross) == (
        "DE",
        Decimal("7.00"),
        Decimal("6.63"),
        Decimal("0.46"),
        Decimal("7.09"),
    )
    receipt = mail.outbox[-1]
    assert "Price at the VAT rate charged: $0.10" in receipt.body
    assert "Total: $7.09" in receipt.body
    assert "$7.09" in receipt.alternatives[0][0]
    invoice = " ".join(client.get(f"/shop/invoice/{order.pk}/").content.decode().split())
    assert "$7.09" in invoice
    assert "Price at the VAT rate charged" in invoice


def test_stripe_is_asked_for_the_total_at_the_buyers_rate(client, book, settings):
    settings.SHOP_TAX_PRICE_MODE = "net-plus-buyer-rate"
    with FakeStripe() as stripe:
        settings.STRIPE_API_BASE = stripe.url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.stripe_checkout.pay_by_card"

        order = ebook_order(client, book, "Germany")

    [session] = stripe.sessions.values()
    assert session["amount_total"] == 709 == order.total * 100


def test_net_plus_buyer_rate_leaves_a_home_buyer_the_catalogue_price(client, book, settings):
    settings.SHOP_TAX_PRICE_MODE = "net-plus-buyer-rate"

    order = ebook_order(client, book, "France")

    assert (order.total, order.tax_total) == (Decimal("6.99"), Decimal("0.36"))
    assert "Price at the VAT rate charged" not in mail.outbox[-1].body


def test_gross_constant_charges_the_catalogue_price_whatever_the_rate(client, book):
    order = ebook_order(client, book, "Germany")

    assert (order.total, order.tax_total) == (Decimal("6.99"), Decimal("0.46"))  # 6.99 x 7 / 107


def test_the_checkout_shows_the_price_at_the_buyers_rate_before_the_order(client, book, settings):
    settings.SHOP_TAX_PRICE_MODE = "net-plus-buyer-rate"
    add_to_cart(client, book, option3="eBook")

    page = checkout_step(client, 1, checkout_details(shipping=False, billing_detail_country="Germany"))

    html = " ".join(page.content.decode().split())
    assert "Germany, eBook 7%" in html
    assert "$7.09" in html


def test_below_the_oss_threshold_eu_buyers_abroad_pay_the_home_rate(client, book, settings):
    settings.SHOP_TAX_OSS_REGISTERED = False

    order = ebook_order(client, book, "Germany")

    line = order.tax_lines.get()
    assert (line.country, line.rate, line.tax) == ("FR", Decimal("5.50"), Decimal("0.36"))
    assert order.tax_evidence.country == "DE"  # the buyer is still recorded where they are


def test_below_the_oss_threshold_buyers_outside_the_eu_pay_their_own_rate(client, book, settings):
    settings.SHOP_TAX_OSS_REGISTERED = False

    order = ebook_order(client, book, "United Kingdom")

    line = order.tax_lines.get()
    assert (line.country, line.rate, line.tax) == ("GB", Decimal("0.00"), Decimal("0.00"))


def test_the_check_names_the_classes_without_a_rate_for_each_country_sold_to(settings):
    settings.SHOP_TAX_HOME_COUNTRY = "BE"  # the home country counts even without a row
    TaxRateFactory(country="IT", tax_class="ebook", rate=Decimal("4"), valid_from=date(2025, 1, 1))

    warnings = checks.tax_rates_cover_the_countries_sold_to(None)

    assert {warning.id for warning in warnings} == {"shop_ext.W003"}
    messages = sorted(warning.msg for warning in warnings)
    assert len(messages) == 2
    assert messages[0].startswith("No tax rate in force today in BE for standard, printed_book, ebook")
    assert messages[1].startswith("No tax rate in force today in IT for standard, printed_book:")


def test_the_check_is_quiet_when_every_country_has_its_rates_or_tax_is_off(settings):
    assert checks.tax_rates_cover_the_countries_sold_to(None) == []
    TaxRateFactory(country="IT", tax_class="ebook", rate=Decimal("4"), valid_from=date(2025, 1, 1))
    settings.SHOP_TAX_ENABLED = False
    assert checks.tax_rates_cover_the_countries_sold_to(None) == []


def test_check_deploy_shows_the_missing_rates(settings, capsys):
    TaxRateFactory(country="IT", tax_class="ebook", rate=Decimal("4"), valid_from=date(2025, 1, 1))

    call_command("check", "--deploy", "--tag", "taxes")

    output = capsys.readouterr()
    assert "shop_ext.W003" in output.out + output.err


def test_an_unknown_home_country_is_an_error(settings):
    settings.SHOP_TAX_HOME_COUNTRY = "XX"

    [error] = checks.tax_home_country_is_known(None)

    assert error.id == "shop_ext.E003"
    assert "XX" in error.msg
