"""Charging tax at checkout (issue 31, step 3): Cartridge's tax hooks set
the order's tax where the buyer is, gross prices stay constant when they
include tax, tax is added when they do not, and the cart, checkout,
receipt and invoice (HTML and PDF) show the amount at each rate."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from cartridge.shop.models import Order
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import DiscountCodeFactory, TaxRateFactory
from tests.shopper import CHECKOUT_URL, COMPLETE_URL, add_to_cart, checkout, checkout_details, checkout_step

pytestmark = pytest.mark.django_db

GERMAN_DELIVERY = {
    "shipping_detail_first_name": "Ada",
    "shipping_detail_last_name": "Byron",
    "shipping_detail_street": "Hauptstr. 1",
    "shipping_detail_city": "Berlin",
    "shipping_detail_state": "Berlin",
    "shipping_detail_postcode": "10115",
    "shipping_detail_country": "Germany",
    "shipping_detail_phone": "030 123",
}


@pytest.fixture(autouse=True)
def rates(settings):
    settings.SHOP_TAX_ENABLED = True
    since = date(2025, 1, 1)
    for country, standard, books in (("FR", "20", "5.5"), ("DE", "19", "7"), ("GB", "20", "0")):
        TaxRateFactory(country=country, tax_class="standard", rate=Decimal(standard), valid_from=since)
        TaxRateFactory(country=country, tax_class="printed_book", rate=Decimal(books), valid_from=since)
        TaxRateFactory(country=country, tax_class="ebook", rate=Decimal(books), valid_from=since)


def french_ebook_order(client, book, **extra):
    add_to_cart(client, book, option3="eBook")  # 6.99
    response = checkout(client, shipping=False, billing_detail_country="France", **extra)
    assert response["Location"] == COMPLETE_URL
    return Order.objects.get()


def test_prices_include_tax_the_buyer_pays_the_gross_price_and_sees_their_rate(client, book):
    order = french_ebook_order(client, book)

    # 6.99 x 5.5 / 105.5 = 0.3644...: half-up to the cent, per line.
    assert (order.total, order.tax_total, order.tax_type) == (
        Decimal("6.99"),
        Decimal("0.36"),
        "VAT included",
    )
    assert [(t.country, t.tax_class, t.rate, t.net, t.tax, t.gross) for t in order.tax_lines.all()] == [
        ("FR", "ebook", Decimal("5.50"), Decimal("6.63"), Decimal("0.36"), Decimal("6.99"))
    ]
    receipt = mail.outbox[-1]
    assert "France, eBook 5.5%: $0.36 on $6.63" in receipt.body
    assert "France, eBook 5.5%" in receipt.alternatives[0][0]
    invoice = client.get(f"/shop/invoice/{order.pk}/").content.decode()
    assert "France, eBook 5.5%" in invoice
    assert "$0.36 on $6.63" in invoice
    pdf = client.get(f"/shop/invoice/{order.pk}/", {"format": "pdf"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "France, eBook 5.5%" in text


def test_the_checkout_shows_the_rate_before_the_order_is_placed(client, book):
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, book, option3="Paperback")  # a parcel: the confirmation step stays
    confirmation = checkout_step(client, 1, checkout_details(billing_detail_country="France"))

    html = confirmation.content.decode()
    assert "VAT included" in html
    assert "France, eBook 5.5%" in html
    assert "France, eBook 5.5%" in client.get("/shop/cart/").content.decode()


def test_with_tax_on_top_a_cart_of_downloads_is_confirmed_before_it_is_placed(client, book, settings):
    """The total depends on the country given: it is shown first (the
    confirmation step a cart of downloads otherwise skips)."""
    settings.SHOP_TAX_INCLUDED = False
    add_to_cart(client, book, option3="eBook")

    confirmation = checkout_step(client, 1, checkout_details(shipping=False, billing_detail_country="France"))

    assert confirmation.context["step"] == 2
    assert "France, eBook 5.5%" in confirmation.content.decode()
    assert not Order.objects.exists()


def test_tax_exclusive_prices_add_the_tax_as_a_line(client, book, settings):
    settings.SHOP_TAX_INCLUDED = False

    order = french_ebook_order(client, book)

    # 6.99 x 5.5% = 0.38445: 0.38.
    assert (order.item_total, order.tax_total, order.total) == (
        Decimal("6.99"),
        Decimal("0.38"),
        Decimal("7.37"),
    )
    assert order.tax_type == "Tax"
    line = order.tax_lines.get()
    assert (line.net, line.tax, line.gross) == (Decimal("6.99"), Decimal("0.38"), Decimal("7.37"))


def test_a_mixed_cart_taxes_the_ebook_where_the_buyer_is_and_the_paperback_where_it_goes(client, book):
    add_to_cart(client, book, option3="eBook")  # 6.99, FR 5.5%
    add_to_cart(client, book, option3="Paperback")  # 12.99, DE 7%; shipping 4.50, DE 19%

    checkout(client, shipping=False, billing_detail_country="France", **GERMAN_DELIVERY)

    order = Order.objects.get()
    rows = {(t.country, t.tax_class): (t.rate, t.tax, t.gross) for t in order.tax_lines.all()}
    assert rows == {
        ("DE", "printed_book"): (Decimal("7.00"), Decimal("0.85"), Decimal("12.99")),
        ("DE", "standard"): (Decimal("19.00"), Decimal("0.72"), Decimal("4.50")),
        ("FR", "ebook"): (Decimal("5.50"), Decimal("0.36"), Decimal("6.99")),
    }
    assert order.tax_total == Decimal("1.93") == sum(tax for _rate, tax, _gross in rows.values())
    assert order.total == Decimal("24.48") == sum(gross for _rate, _tax, gross in rows.values())


def test_a_discount_lowers_the_taxed_amounts_and_the_totals_still_agree(client, book):
    DiscountCodeFactory(code="TENOFF", discount_percent=Decimal("10"))
    add_to_cart(client, book, option3="eBook")
    add_to_cart(client, book, option3="Paperback")

    checkout(
        client, discount_code="TENOFF", shipping=False, billing_detail_country="France", **GERMAN_DELIVERY
    )

    order = Order.objects.get()
    lines = list(order.tax_lines.all())
    assert order.discount_total > 0
    assert sum(line.gross for line in lines) == order.total
    assert sum(line.tax for line in lines) == order.tax_total
    assert all(line.net + line.tax == line.gross for line in lines)


def test_a_missing_rate_is_a_clear_message_and_no_order(client, book):
    add_to_cart(client, book, option3="eBook")

    response = checkout_step(client, 1, checkout_details(shipping=False, billing_detail_country="Spain"))

    assert response.status_code == 200
    assert "We cannot work out the tax on ebook for Spain yet" in response.content.decode()
    checkout_step(client, 2, checkout_details(shipping=False, billing_detail_country="Spain"))
    assert not Order.objects.exists()


def test_a_rate_change_applies_from_its_day_to_a_cart_already_open(client, book):
    change_day = timezone.localdate() + timedelta(days=2)
    TaxRateFactory(country="FR", tax_class="ebook", rate=Decimal("10"), valid_from=change_day)
    midnight = timezone.make_aware(datetime.combine(change_day, time()))
    data = checkout_details(shipping=False, billing_detail_country="France")
    # The cart is filled and the checkout opened ten minutes before the change ...
    with time_machine.travel(midnight - timedelta(minutes=10), tick=False):
        add_to_cart(client, book, option3="eBook")
        assert client.get(CHECKOUT_URL).status_code == 200
    # ... and the order placed (one page: a cart of downloads) five minutes after it.
    with time_machine.travel(midnight + timedelta(minutes=5), tick=False):
        assert checkout_step(client, 1, data)["Location"] == COMPLETE_URL

    order = Order.objects.get()
    assert order.tax_lines.get().rate == Decimal("10.00")
    assert order.tax_total == Decimal("0.64")  # 6.99 x 10 / 110 = 0.6354...


def test_with_tax_off_nothing_is_charged(client, book, settings):
    settings.SHOP_TAX_ENABLED = False

    order = french_ebook_order(client, book)

    assert order.tax_total in (None, Decimal("0"))
    assert not order.tax_lines.exists()
    assert order.total == Decimal("6.99")
