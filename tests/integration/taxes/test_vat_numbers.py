"""Business buyers (issue 31): an EU VAT number at checkout, checked by its
format and, with SHOP_VIES_CHECK, by VIES (a local fake); a valid number of
another EU country than the shop's is reverse charged, VIES down charges
the VAT and flags the order, bad input is a form error, never a 500."""

import io
import logging
from datetime import date
from decimal import Decimal

import pytest
from cartridge.shop.models import Order
from django.core import mail
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypdf import PdfReader
from stdnum.eu import vat

from shop_ext.models import OrderTaxEvidence, VatCheck
from shop_ext.taxes import vat_numbers
from tests.factories import TaxRateFactory
from tests.fake_vies import FakeVies
from tests.shopper import COMPLETE_URL, add_to_cart, checkout, checkout_details, checkout_step

pytestmark = pytest.mark.django_db

# Numbers whose check digits are right (python-stdnum's own examples).
GERMAN_NUMBER = "DE136695976"
FRENCH_NUMBER = "FR40303265045"


@pytest.fixture(autouse=True)
def rates(settings):
    settings.SHOP_TAX_ENABLED = True
    settings.SHOP_TAX_HOME_COUNTRY = "FR"
    settings.SHOP_TAX_OSS_REGISTERED = True
    settings.SHOP_TAX_VAT_NUMBER = "FR40303265045"
    since = date(2025, 1, 1)
    for country, standard, books in (("FR", "20", "5.5"), ("DE", "19", "7")):
        TaxRateFactory(country=country, tax_class="standard", rate=Decimal(standard), valid_from=since)
        TaxRateFactory(country=country, tax_class="printed_book", rate=Decimal(books), valid_from=since)
        TaxRateFactory(country=country, tax_class="ebook", rate=Decimal(books), valid_from=since)


@pytest.fixture
def vies(settings):
    with FakeVies() as fake:
        settings.SHOP_VIES_CHECK = True
        settings.SHOP_VIES_URL = fake.url
        yield fake


def business_order(client, book, number=GERMAN_NUMBER, country="Germany"):
    add_to_cart(client, book, option3="eBook")  # 6.99, French prices include 5.5%
    response = checkout(
        client, shipping=False, billing_detail_country=country, billing_detail_vat_number=number
    )
    assert response["Location"] == COMPLETE_URL
    return Order.objects.get()


def test_a_number_vies_finds_valid_is_reverse_charged_and_says_so_everywhere(client, book, vies):
    vies.valid.add(GERMAN_NUMBER)

    order = business_order(client, book, number="de 136 695 976")

    # The French VAT taken out of the price (6.99 / 1.055 = 6.6256...), none added.
    assert (order.total, order.tax_total) == (Decimal("6.63"), Decimal("0.00"))
    assert [(t.country, t.rate, t.net, t.tax, t.gross) for t in order.tax_lines.all()] == [
        ("DE", Decimal("0.00"), Decimal("6.63"), Decimal("0.00"), Decimal("6.63"))
    ]
    evidence = order.tax_evidence
    assert (evidence.vat_number, evidence.vat_check, evidence.reverse_charge) == (
        GERMAN_NUMBER,
        VatCheck.VALID,
        True,
    )
    assert evidence.vat_request_id == "WAPIAAAA00000001"
    assert evidence.vat_checked_at.startswith("2026-12-07")
    assert vies.requests == [{"countryCode": "DE", "vatNumber": "136695976"}]  # once, not per step
    mention = f"VAT to be accounted for by the customer (VAT number {GERMAN_NUMBER})"
    receipt = mail.outbox[-1]
    assert mention in receipt.body
    assert mention in receipt.alternatives[0][0]
    assert "Our VAT number: FR40303265045" in receipt.body
    invoice = client.get(f"/shop/invoice/{order.pk}/").content.decode()
    assert mention in invoice
    assert "Reverse charge" in invoice
    pdf = client.get(f"/shop/invoice/{order.pk}/", {"format": "pdf"})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Reverse charge" in " ".join(text.split())
    assert "$6.63" in text


def test_the_confirmation_step_shows_the_reverse_charge_before_the_order(client, book, vies):
    vies.valid.add(GERMAN_NUMBER)
    add_to_cart(client, book, option3="eBook")

    details = checkout_details(
        shipping=False, billing_detail_country="Germany", billing_detail_vat_number=GERMAN_NUMBER
    )
    html = " ".join(checkout_step(client, 1, details).content.decode().split())

    assert "Reverse charge" in html
    assert "$6.63" in html


@pytest.mark.parametrize(
    ("status", "note"),
    [(200, "VIES service does not know this VAT number"), (503, "could not check your VAT number just now")],
    ids=["invalid", "unavailable"],
)
def test_the_confirmation_step_says_why_vat_is_charged_to_a_vat_number(client, book, vies, status, note):
    vies.status = status
    add_to_cart(client, book, option3="eBook")

    details = checkout_details(
        shipping=False, billing_detail_country="Germany", billing_detail_vat_number=GERMAN_NUMBER
    )
    html = " ".join(checkout_step(client, 1, details).content.decode().split())

    assert note in html
    assert "Reverse charge" not in html


def test_a_number_vies_finds_invalid_pays_the_vat(client, book, vies):
    order = business_order(client, book)

    assert order.tax_total == Decimal("0.46")  # charged in Germany: 6.99 x 7 / 107 = 0.457...
    evidence = order.tax_evidence
    assert (evidence.vat_check, evidence.reverse_charge) == (VatCheck.INVALID, False)
    assert "Reverse charge" not in mail.outbox[-1].body


def test_vies_not_answering_charges_the_vat_and_flags_the_order(client, book, vies, settings, caplog):
    vies.hang = True
    settings.SHOP_VIES_TIMEOUT_SECONDS = 0.2

    with caplog.at_level(logging.WARNING, logger="shop_ext"):
        order = business_order(client, book)

    assert order.tax_total > 0
    assert order.total == Decimal("6.99")
    evidence = order.tax_evidence
    assert (evidence.vat_number, evidence.vat_check, evidence.reverse_charge) == (
        GERMAN_NUMBER,
        VatCheck.UNAVAILABLE,
        False,
    )
    assert any("VIES could not check" in record.getMessage() for record in caplog.records)
    assert GERMAN_NUMBER not in caplog.text  # the number itself is not logged
    flagged = OrderTaxEvidence.objects.filter(vat_check=VatCheck.UNAVAILABLE).values_list(
        "order_id", flat=True
    )
    assert list(flagged) == [order.pk]


def test_vies_answering_an_error_is_unavailable_too(client, book, vies):
    vies.status = 500

    order = business_order(client, book)

    assert order.tax_evidence.vat_check == VatCheck.UNAVAILABLE
    assert order.tax_total > 0


def test_the_staff_filter_lists_orders_whose_vat_number_vies_could_not_check(
    admin_client, client, book, vies
):
    vies.status = 503
    order = business_order(client, book)

    listing = admin_client.get("/admin/shop/order/", {"tax_evidence__vat_check__exact": "unavailable"})

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [order]
    assert "VIES unavailable" in admin_client.get(f"/admin/shop/order/{order.pk}/change/").content.decode()


def test_without_vies_a_well_formed_number_is_taken_as_given(client, book):
    order = business_order(client, book)

    assert (order.tax_evidence.vat_check, order.tax_evidence.reverse_charge) == (VatCheck.FORMAT_ONLY, True)
    assert order.tax_total == Decimal("0.00")


def test_a_number_of_the_shops_own_country_pays_the_vat(client, book, vies):
    vies.valid.add(FRENCH_NUMBER)

    order = business_order(client, book, number=FRENCH_NUMBER, country="France")

    assert (order.tax_evidence.vat_check, order.tax_evidence.reverse_charge) == (VatCheck.VALID, False)
    assert (order.total, order.tax_total) == (Decimal("6.99"), Decimal("0.36"))


@pytest.mark.parametrize(
    ("number", "country", "message"),
    [
        (FRENCH_NUMBER, "Germany", "This VAT number is from France, but your billing country is Germany."),
        ("DE123", "Germany", "This is not a valid VAT number for Germany"),
        ("DE136695977", "Germany", "This is not a valid VAT number for Germany"),
        ("XX!!??", "Germany", "This is not a valid VAT number for Germany"),
        ("DE" + "1" * 10_240, "Germany", "This is too long for a VAT number."),
        (GERMAN_NUMBER, "United States of America", "VAT numbers are for business buyers in the EU"),
    ],
    ids=["other-prefix", "short", "checksum", "junk", "10kb", "outside-eu"],
)
def test_bad_vat_numbers_are_a_clear_form_error_and_no_order(client, book, vies, number, country, message):
    TaxRateFactory(country="US", tax_class="ebook", rate=Decimal("0"), valid_from=date(2025, 1, 1))
    add_to_cart(client, book, option3="eBook")
    details = checkout_details(
        shipping=False, billing_detail_country=country, billing_detail_vat_number=number
    )

    response = checkout_step(client, 1, details)

    assert response.status_code == 400
    assert message in response.context["form"].errors["billing_detail_vat_number"][0]
    assert vies.requests == []
    checkout_step(client, 2, details)
    assert not Order.objects.exists()


def clean_or_message(value, country):
    try:
        return vat_numbers.clean(value, country), ""
    except vat_numbers.BadVatNumber as bad:
        return None, str(bad)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.sampled_from([GERMAN_NUMBER, FRENCH_NUMBER, "de 136 695 976", "136.695.976"]),
        st.text(max_size=60),
        st.from_regex(r"(DE|FR|EL|XI|AT|[A-Z]{2})?[ 0-9.\-]{0,16}", fullmatch=True),
    ),
    st.sampled_from(["DE", "FR", "GR", "AT", "US", "GB"]),
)
def test_any_text_is_a_clean_number_of_the_billing_country_or_a_message(value, country):
    number, message = clean_or_message(value, country)

    if number is None:
        assert message
    else:
        assert number == vat.compact(number)
        assert vat.is_valid(number)
        assert vat_numbers.VatNumberCheck(number, VatCheck.FORMAT_ONLY).country == country
