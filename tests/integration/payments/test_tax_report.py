"""The tax report (issue 31): against orders made here through the real
checkout and card payment (a French buyer, a mixed cart delivered to
Germany, a UK buyer, a refund, an order never paid), by country, class and
rate, refunds netted; as ``manage.py tax_report`` and as the admin's page,
which needs its permission, says what is wrong with bad dates and
downloads the same CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shop_ext.core.permissions import REFUND_PAYMENT, VIEW_ORDER, VIEW_TAX_REPORT
from tests.client import Client
from tests.factories import StaffFactory, staff_with
from tests.shopper import COMPLETE_URL, add_to_cart, checkout
from tests.tax_orders import GERMAN_DELIVERY, buy_by_card, load_rates

pytestmark = pytest.mark.django_db

REPORT_URL = "/admin/shop_ext/taxrate/report/"


@pytest.fixture
def sales(settings, book, stripe_api, send_event):
    """Three paid orders, one line refunded, one order never paid."""
    load_rates(settings)
    french = {"shipping": False, "billing_detail_country": "France"}
    buy_by_card(Client(), stripe_api, send_event, [(book, "eBook")], **french)
    mixed = buy_by_card(
        Client(), stripe_api, send_event, [(book, "eBook"), (book, "Paperback")], **french, **GERMAN_DELIVERY
    )
    buy_by_card(Client(), stripe_api, send_event, [(book, "eBook")], shipping=False)  # the UK: 0%
    never_paid = Client()
    add_to_cart(never_paid, book, option3="eBook")
    assert checkout(never_paid, shipping=False, billing_detail_country="France")["Location"] == COMPLETE_URL

    refunder = Client()
    refunder.force_login(StaffFactory())
    refunder.post(
        "/admin/shop/order/",
        {
            "action": "refund_card_payment",
            "_selected_action": [mixed.pk],
            "refund": "lines",
            # Matched by SKU: Cartridge copies the cart in the database's row order.
            "refund_item": [mixed.items.get(sku=book.variations.get(option3="eBook").sku).pk],
        },
    )
    assert mixed.payments.get().amount_refunded == 699


ZERO = ["0.00"] * 3
FRENCH_EBOOK = ["6.63", "0.36", "6.99"]
EXPECTED = [
    # country, its name, class, rate; sales net, tax, gross; refunds net, tax, gross; net, tax, gross
    ["DE", "Germany", "Printed book", "7.00", "12.14", "0.85", "12.99", *ZERO, "12.14", "0.85", "12.99"],
    ["DE", "Germany", "Standard", "19.00", "3.78", "0.72", "4.50", *ZERO, "3.78", "0.72", "4.50"],
    [
        "FR",
        "France",
        "eBook",
        "5.50",
        "13.26",
        "0.72",
        "13.98",
        "6.63",
        "0.36",
        "6.99",
        "6.63",
        "0.36",
        "6.99",
    ],
    ["GB", "United Kingdom", "eBook", "0.00", "6.99", "0.00", "6.99", *ZERO, "6.99", "0.00", "6.99"],
]


def today():
    return timezone.localdate()


def read_csv(text):
    header, *rows = csv.reader(io.StringIO(text))
    assert header[:4] == ["country", "country_name", "tax_class", "rate"]
    assert all(row[-1] == "GBP" for row in rows)
    return [row[:-1] for row in rows]


def test_the_command_writes_sales_by_country_class_and_rate_with_refunds_netted(sales, tmp_path):
    out = tmp_path / "q4.csv"

    call_command("tax_report", "--from", str(today()), "--to", str(today()), "--output", str(out))

    assert read_csv(out.read_text(encoding="utf-8")) == EXPECTED


def test_days_outside_the_period_are_not_counted(sales):
    printed = io.StringIO()

    call_command(
        "tax_report", "--from", "2020-01-01", "--to", str(today() - timedelta(days=1)), stdout=printed
    )

    assert read_csv(printed.getvalue()) == []


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-13-01", "2026-12-31", "'2026-13-01' is no date"),
        ("yesterday", "2026-12-31", "'yesterday' is no date"),
        ("2026-12-31", "2026-10-01", "is after --to"),
    ],
)
def test_the_command_refuses_bad_dates_clearly(first, last, message):
    with pytest.raises(CommandError, match=message):
        call_command("tax_report", "--from", first, "--to", last)


def staff_client(*permissions):
    client = Client()
    client.force_login(staff_with(*permissions))
    return client


def test_the_admin_page_shows_the_report_and_downloads_the_same_csv(sales):
    staff = staff_client(VIEW_TAX_REPORT, "shop_ext.view_taxrate")
    period = {"first_day": str(today()), "last_day": str(today())}

    page = staff.get(REPORT_URL, period)
    download = staff.get(REPORT_URL, {**period, "format": "csv"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Tax report" in html
    assert "13.26" in html
    assert "Download CSV" in html
    assert [row.gross for row in page.context["rows"]] == [Decimal(row[-1]) for row in EXPECTED]
    assert page.context["totals"]["tax"] == Decimal("1.93")
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    assert read_csv(download.content.decode()) == EXPECTED
    assert "Tax report" in staff.get("/admin/shop_ext/taxrate/").content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"first_day": "31/31/2026", "last_day": "2026-12-31"}, "Enter a valid date."),
        (
            {"first_day": "2026-12-31", "last_day": "2026-01-01"},
            "The first day must not be after the last day.",
        ),
        ({"first_day": "2026-01-01"}, "This field is required."),
        ({"first_day": "9" * 5000, "last_day": "2026-01-01"}, "Enter a valid date."),
    ],
)
def test_bad_dates_on_the_admin_page_say_what_is_wrong(query, message):
    response = staff_client(VIEW_TAX_REPORT).get(REPORT_URL, query)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_report_needs_its_permission(sales):
    period = {"first_day": str(today()), "last_day": str(today()), "format": "csv"}
    others = staff_client(VIEW_ORDER, REFUND_PAYMENT, "shop_ext.view_taxrate")

    assert others.get(REPORT_URL, period).status_code == 403
    assert "Tax report" not in others.get("/admin/shop_ext/taxrate/").content.decode()
    anonymous = Client().get(REPORT_URL, period)
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous["Location"]
