"""Tax classes and rates as data (issue 31, step 1): the class of each
format, the rate in force on a day, the shipped CSV and its command, the
admin, the demo's rates."""

from datetime import date
from decimal import Decimal

import pytest
from cartridge.shop.models import ProductVariation
from django.core.management import CommandError, call_command
from django.utils import timezone

from shop_ext.models import ProductTaxClass, TaxClass, TaxRate
from shop_ext.taxes import rates_csv
from shop_ext.taxes.rates import RateMissing, rate_on, tax_class_of
from tests.admin_forms import add_inline_forms, admin_form_data
from tests.factories import (
    SIZE,
    StaffFactory,
    TaxRateFactory,
    book_with_files,
    make_product,
    staff_with,
    variation,
)

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------ rates by date
def test_the_rate_in_force_is_the_latest_that_began_on_or_before_the_day():
    TaxRateFactory(country="FR", tax_class="ebook", rate=Decimal("5.5"), valid_from=date(2025, 1, 1))
    TaxRateFactory(country="FR", tax_class="ebook", rate=Decimal("7"), valid_from=date(2027, 1, 1))
    TaxRateFactory(country="FR", tax_class="printed_book", rate=Decimal("5.5"), valid_from=date(2025, 1, 1))

    assert rate_on("FR", "ebook", date(2026, 12, 31)) == Decimal("5.5")
    assert rate_on("FR", "ebook", date(2027, 1, 1)) == Decimal("7")  # on its first day
    assert rate_on("FR", "printed_book", date(2027, 1, 1)) == Decimal("5.5")


def test_rates_are_by_country_and_class():
    TaxRateFactory(country="DE", tax_class="ebook", rate=Decimal("7"))
    TaxRateFactory(country="DE", tax_class="standard", rate=Decimal("19"))
    TaxRateFactory(country="GB", tax_class="ebook", rate=Decimal("0"))
    today = timezone.localdate()

    assert rate_on("DE", "ebook", today) == Decimal("7")
    assert rate_on("DE", "standard", today) == Decimal("19")
    assert rate_on("GB", "ebook", today) == Decimal("0")


def test_a_missing_rate_is_refused_with_a_clear_message():
    TaxRateFactory(country="FR", tax_class="ebook", valid_from=date(2025, 1, 1))

    with pytest.raises(RateMissing, match="tax on printed book for France"):
        rate_on("FR", "printed_book", date(2026, 1, 1))
    with pytest.raises(RateMissing, match="for France"):
        rate_on("FR", "ebook", date(2024, 12, 31))  # before its first rate


def test_zero_rated_needs_no_row():
    assert rate_on("FR", TaxClass.ZERO, date(2026, 1, 1)) == Decimal("0")


# -------------------------------------------------------- classes by format
def test_the_class_follows_the_format_unless_the_product_says_otherwise():
    book = book_with_files()
    tshirt = make_product({"S": "18.00"}, option_type=SIZE)
    font_pack = make_product({"Download": "9.00"})

    assert tax_class_of(variation(book, option3="eBook")) == TaxClass.EBOOK
    assert tax_class_of(variation(book, option3="Paperback")) == TaxClass.PRINTED_BOOK
    assert tax_class_of(variation(book, option3="Paperback + eBook")) == TaxClass.PRINTED_BOOK
    assert tax_class_of(variation(font_pack, option3="Download")) == TaxClass.EBOOK
    assert tax_class_of(tshirt.variations.get()) == TaxClass.STANDARD

    ProductTaxClass.objects.create(product=font_pack, tax_class=TaxClass.STANDARD)
    ProductTaxClass.objects.create(product=book, format="Paperback", tax_class=TaxClass.ZERO)

    assert tax_class_of(variation(font_pack, option3="Download")) == TaxClass.STANDARD
    assert tax_class_of(variation(book, option3="Paperback")) == TaxClass.ZERO
    assert tax_class_of(variation(book, option3="eBook")) == TaxClass.EBOOK


# ----------------------------------------------------- the CSV and its command
def test_the_shipped_file_is_dated_names_its_sources_and_loads_once(capsys):
    text = rates_csv.SHIPPED.read_text()
    assert "2025-01-01" in rates_csv.SHIPPED.name
    assert "Sources:" in text
    assert "MUST KEEP THESE CURRENT" in text

    call_command("load_tax_rates")
    count = TaxRate.objects.count()
    call_command("load_tax_rates")

    assert TaxRate.objects.count() == count > 30
    last_run = capsys.readouterr().out.splitlines()[-1]
    assert f"0 rate(s) added, 0 changed, {count} unchanged." in last_run
    assert rate_on("FR", "ebook", date(2025, 1, 1)) == Decimal("5.5")
    assert rate_on("GB", "printed_book", date(2025, 1, 1)) == Decimal("0")
    assert TaxRate.objects.filter(source="").count() == 0


def test_a_second_load_updates_the_rate_of_the_same_country_class_and_day(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("country,tax_class,rate,valid_from,source\nFR,ebook,5.5,2025-01-01,first\n")
    call_command("load_tax_rates", str(path))
    path.write_text("country,tax_class,rate,valid_from,source\nfr,ebook,6,2025-01-01,second\n")
    call_command("load_tax_rates", str(path))

    row = TaxRate.objects.get()
    assert (row.country, row.rate, row.source) == ("FR", Decimal("6.00"), "second")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("country,class,rate,valid_from,source\n", "first row must name the columns"),
        ("XX,ebook,5,2025-01-01,s\n", "'XX' is no ISO 3166 country code"),
        ("FR,books,5,2025-01-01,s\n", "'books' is no tax class"),
        ("FR,ebook,101,2025-01-01,s\n", "must be a percentage from 0 to 100"),
        ("FR,ebook,5.555,2025-01-01,s\n", "at most 2 decimals"),
        ("FR,ebook,NaN,2025-01-01,s\n", "must be a percentage"),
        ("FR,ebook,five,2025-01-01,s\n", "'five' is no number"),
        ("FR,ebook,5,1/1/2025,s\n", "'1/1/2025' is no date"),
        ("FR,ebook,5,2025-01-01\n", "5 columns expected, 4 found"),
        ("FR,ebook,5,2025-01-01,s\nFR,ebook,6,2025-01-01,s\n", "a second rate for FR ebook"),
    ],
)
def test_a_bad_file_is_refused_naming_the_row_and_loads_nothing(tmp_path, body, message):
    path = tmp_path / "rates.csv"
    header = "" if body.startswith("country") else "# a comment\ncountry,tax_class,rate,valid_from,source\n"
    path.write_text(f"{header}{body}" if not header else f"{header}DE,ebook,7,2025-01-01,fine\n{body}")

    with pytest.raises(CommandError, match=message):
        call_command("load_tax_rates", str(path))
    assert not TaxRate.objects.exists()


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_tax_rates", str(tmp_path / "missing.csv"))


# ------------------------------------------------------------------ admin
def test_staff_who_may_change_rates_add_one_and_a_bad_rate_is_a_form_error(client):
    client.force_login(staff_with("shop_ext.view_taxrate", "shop_ext.add_taxrate"))

    bad = client.post(
        "/admin/shop_ext/taxrate/add/",
        {"country": "FR", "tax_class": "ebook", "rate": "150", "valid_from": "2027-01-01"},
    )
    good = client.post(
        "/admin/shop_ext/taxrate/add/",
        {"country": "FR", "tax_class": "ebook", "rate": "7", "valid_from": "2027-01-01", "source": "JO"},
    )

    assert bad.status_code == 200
    assert "Ensure this value is less than or equal to 100." in bad.content.decode()
    assert good.status_code == 302
    assert rate_on("FR", "ebook", date(2027, 1, 1)) == Decimal("7")


def test_unknown_country_in_the_admin_is_a_form_error(client):
    client.force_login(staff_with("shop_ext.view_taxrate", "shop_ext.add_taxrate"))

    response = client.post(
        "/admin/shop_ext/taxrate/add/",
        {"country": "XX", "tax_class": "ebook", "rate": "7", "valid_from": "2027-01-01"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not TaxRate.objects.exists()


def test_view_only_staff_read_rates_but_cannot_add_or_change_them(client):
    row = TaxRateFactory()
    client.force_login(staff_with("shop_ext.view_taxrate"))

    listing = client.get("/admin/shop_ext/taxrate/")
    change = client.post(
        f"/admin/shop_ext/taxrate/{row.pk}/change/",
        {"country": "FR", "tax_class": "ebook", "rate": "99", "valid_from": "2020-01-01"},
    )

    assert listing.status_code == 200
    assert "France" in listing.content.decode()
    assert client.get("/admin/shop_ext/taxrate/add/").status_code == 403
    assert change.status_code == 403
    row.refresh_from_db()
    assert row.rate == Decimal("5.5")


def test_staff_without_the_permission_do_not_see_rates(client):
    client.force_login(staff_with())

    assert client.get("/admin/shop_ext/taxrate/").status_code == 403


def test_a_products_tax_class_is_chosen_on_its_admin_page(client):
    font_pack = make_product({"Download": "9.00"})
    client.force_login(StaffFactory(is_superuser=True))
    url = f"/admin/shop/product/{font_pack.pk}/change/"
    data = admin_form_data(client.get(url))
    add_inline_forms(data, "tax_classes", [{"format": "Download", "tax_class": "standard"}])

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert tax_class_of(variation(font_pack, option3="Download")) == TaxClass.STANDARD


# ------------------------------------------------------------------- demo
def test_the_demo_has_the_rates_the_issue_asks_for():
    call_command("load_demo", force=True, verbosity=0)
    day = date(2025, 6, 1)

    # A reduced ebook rate different from the printed-book rate.
    assert rate_on("HU", "ebook", day) != rate_on("HU", "printed_book", day) < rate_on("HU", "standard", day)
    # 0% on books, and the UK.
    assert (
        rate_on("NO", "printed_book", day)
        == rate_on("NO", "ebook", day)
        == 0
        < rate_on("NO", "standard", day)
    )
    assert rate_on("GB", "standard", day) == Decimal("20")
    # Outside every VAT scheme.
    assert {rate_on("US", c, day) for c in ("standard", "printed_book", "ebook")} == {Decimal("0")}
    # The font pack and the recording are standard rated, the books ebooks.
    downloads = {p.product.title: tax_class_of(p) for p in variation_of_format("Download")}
    assert set(downloads) == {"Marginalia Serif (font family)", "Rain on the Reading Room (audio)"}
    assert set(downloads.values()) == {TaxClass.STANDARD}
    assert {tax_class_of(v) for v in variation_of_format("eBook")} == {TaxClass.EBOOK}


def variation_of_format(name):
    return ProductVariation.objects.filter(option3=name).select_related("product")
