"""Tax where the buyer is (issue 31), in Debian's Chromium against the demo
shop with tax on: a French guest buying an ebook sees France's ebook rate;
a German business giving its VAT number (checked by a local fake VIES) is
reverse charged, and the confirmation says so before the order is placed."""

import re
from decimal import Decimal

import pytest
from cartridge.shop.models import Order, Product
from playwright.sync_api import expect

from shop_ext.models import VatCheck
from tests.fake_vies import FakeVies
from tests.functional.browser.checkout_form import consent_to_immediate_delivery
from tests.functional.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOOK = "The Lighthouse Keeper's Almanac"
GERMAN_NUMBER = "DE136695976"


@pytest.fixture
def taxed_shop(settings, demo):
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_instantly_for_demo"
    settings.SHOP_TAX_ENABLED = True
    settings.SHOP_TAX_HOME_COUNTRY = "FR"
    settings.SHOP_TAX_OSS_REGISTERED = True
    settings.SHOP_TAX_VAT_NUMBER = "FR40303265045"


def ebook_to_checkout(page, live_server):
    book = Product.objects.get(title=BOOK)
    page.goto(live_server.url + book.get_absolute_url())
    page.get_by_role("radio", name=re.compile("^eBook")).check()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Go to checkout").click()
    expect(page).to_have_url(re.compile("/shop/checkout/$"))
    return book.variations.get(option3="eBook").price()


def shoot_totals(page, screenshot_dir, name):
    """The page at desktop width, and on a phone the screenful with the
    order's totals (below the details there, past a full page's crop)."""
    page.screenshot(path=screenshot_dir / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.locator(".order-totals").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"{name}-phone.png")
    page.set_viewport_size(DESKTOP)


def fill_buyer(page, first_name, email, country):
    page.get_by_label(re.compile("^First name")).fill(first_name)
    page.get_by_label(re.compile("^Last name")).fill("Reader")
    page.get_by_label(re.compile("^Email")).fill(email)
    page.get_by_label(re.compile("^Country")).select_option(country)


def test_a_french_guest_sees_the_french_ebook_rate(live_server, taxed_shop, page, screenshot_dir, check_a11y):
    """One gross price for everyone: the downloads' one page places the
    order, and its invoice shows the French ebook rate inside the price."""
    price = ebook_to_checkout(page, live_server)
    fill_buyer(page, "Camille", "camille@example.com", "France")
    consent_to_immediate_delivery(page)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    page.get_by_role("link", name="View invoice").click()
    totals = page.locator(".order-totals")
    expect(totals).to_contain_text("VAT included")
    expect(totals.locator(".tax-rate")).to_contain_text("France, eBook 5.5%")
    expect(totals.locator(".total")).to_contain_text(f"${price:,.2f}")
    check_a11y(page)
    shoot_totals(page, screenshot_dir, "tax-fr-guest")
    order = Order.objects.get()
    assert order.total == price
    assert [(line.country, line.rate) for line in order.tax_lines.all()] == [("FR", Decimal("5.50"))]


def test_a_german_business_is_reverse_charged(
    live_server, taxed_shop, page, screenshot_dir, check_a11y, settings
):
    with FakeVies() as vies:
        vies.valid.add(GERMAN_NUMBER)
        settings.SHOP_VIES_CHECK = True
        settings.SHOP_VIES_URL = vies.url
        ebook_to_checkout(page, live_server)
        fill_buyer(page, "Jonas", "einkauf@example.de", "Germany")
        page.get_by_label(re.compile("^EU VAT number")).fill(GERMAN_NUMBER)
        # A VAT number may take the VAT off: the total is confirmed first.
        consent_to_immediate_delivery(page)
        page.get_by_role("button", name="Place order").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmation")
        expect(page.locator(".reverse-charge")).to_contain_text(f"VAT number {GERMAN_NUMBER}")
        expect(page.locator(".tax-adjustment")).to_be_visible()
        check_a11y(page)
        shoot_totals(page, screenshot_dir, "tax-de-business")
        consent_to_immediate_delivery(page)
        page.get_by_role("button", name="Place order").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")

    order = Order.objects.get()
    evidence = order.tax_evidence
    assert (evidence.vat_number, evidence.vat_check, evidence.reverse_charge) == (
        GERMAN_NUMBER,
        VatCheck.VALID,
        True,
    )
    assert order.tax_total == Decimal("0.00")
    assert len(vies.requests) == 1
