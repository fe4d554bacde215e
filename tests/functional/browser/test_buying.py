"""Buying, as issue 35 asked for it, at 1280 px and on a 390 px phone: an
ebook chosen by its format card from the ebooks listing, the one-page guest
checkout of a cart of downloads, a mixed cart whose every summary carries
its shipping, and the download page on a phone."""

import re
from decimal import Decimal

import pytest
from cartridge.shop.models import Order, Product
from playwright.sync_api import expect

from shop_ext.models import ProductFile
from tests.functional.browser.checkout_form import consent_to_immediate_delivery
from tests.functional.browser.test_journeys import BOOK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # the phone
INSTANT = "shop_ext.payments.gateways.pay_instantly_for_demo"


def money(value):
    return f"${Decimal(value):,.2f}"


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_ebook_from_the_ebooks_listing_opens_on_its_card(live_server, demo, page, check_a11y, screen):
    mending = Product.objects.get(title="Mending")
    ebook = mending.variations.get(option3="eBook")
    page.set_viewport_size(screen)

    page.goto(live_server.url + "/ebooks/")
    card = page.locator(".product-card", has=page.get_by_role("link", name="Mending", exact=True))
    expect(card).to_contain_text(money(ebook.price()))
    card.get_by_role("link", name="Mending", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mending")
    expect(page.get_by_role("radio", name=re.compile("^eBook"))).to_be_checked()
    chosen = page.locator(".format-card", has=page.locator("input:checked"))
    expect(chosen).to_contain_text(money(ebook.price()))
    expect(chosen).to_contain_text(re.compile(r"EPUB, DRM-free, instant download, [\d.]+\s\w+"))
    expect(page.get_by_label("Quantity")).to_be_hidden()  # one copy of a download
    expect(page.locator(".breadcrumb")).to_contain_text("Non-fiction")
    add = page.get_by_role("button", name="Add to cart")
    # The buy area is on the first screen, on a phone too.
    assert add.bounding_box()["y"] + add.bounding_box()["height"] <= screen["height"]
    check_a11y(page)
    page.set_viewport_size(screen)

    # The keyboard picks another format: the cards are radio buttons.
    page.get_by_role("radio", name=re.compile("^eBook")).focus()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name=re.compile(r"^Paperback \$"))).to_be_checked()
    expect(page.get_by_label("Quantity")).to_be_visible()
    page.keyboard.press("ArrowDown")
    add.click()
    expect(page).to_have_url(re.compile("/shop/cart/$"))
    expect(page.locator(".cart-table")).to_contain_text("eBook")


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_guest_checks_out_downloads_on_one_page(
    live_server, demo, page, check_a11y, shoot, settings, screen
):
    settings.SHOP_PAYMENT_GATEWAY = INSTANT
    book = Product.objects.get(title=BOOK)
    page.set_viewport_size(screen)
    page.goto(live_server.url + book.get_absolute_url() + "?format=ebook")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Go to checkout").click()

    expect(page).to_have_url(re.compile("/shop/checkout/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout: Your details")
    summary = page.locator("details.checkout-summary")
    form = page.locator("form.checkout-form")
    if screen is PHONE:
        # On a phone the order comes first, folded to its total.
        assert summary.bounding_box()["y"] < form.bounding_box()["y"]
        expect(summary).not_to_have_attribute("open", "")
        expect(summary.locator("summary")).to_contain_text(
            money(book.variations.get(option3="eBook").price())
        )
    else:
        expect(summary).to_have_attribute("open", "")
    fields = form.locator("input:visible, select:visible, textarea:visible")
    names = [name for name in fields.evaluate_all("els => els.map((e) => e.name)") if name]
    assert names[:4] == [
        "billing_detail_email",
        "billing_detail_first_name",
        "billing_detail_last_name",
        "billing_detail_country",
    ]
    assert not {"additional_instructions", "remember", "discount_code", "account_password"} & set(names)
    page.get_by_label(re.compile("^Email")).fill("robin@example.com")
    page.get_by_label(re.compile("^First name")).fill("Robin")
    page.get_by_label(re.compile("^Last name")).fill("Guest")
    page.get_by_label(re.compile("^Country")).select_option("Ireland")
    check_a11y(page)
    if screen is DESKTOP:
        shoot(page, "guest-checkout")
    page.set_viewport_size(screen)
    consent_to_immediate_delivery(page)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    order = Order.objects.get()
    assert order.billing_detail_email == "robin@example.com"
    assert order.billing_detail_country == "Ireland"
    assert not order.shipping_total


def test_a_mixed_cart_shows_its_shipping_in_every_summary(live_server, demo, page, check_a11y, shoot):
    book = Product.objects.get(title=BOOK)
    ebook, paperback = (book.variations.get(option3=fmt) for fmt in ("eBook", "Paperback"))
    total = money(ebook.price() + paperback.price() + Decimal("4.50"))
    for fmt in ("ebook", "paperback"):
        page.goto(live_server.url + book.get_absolute_url() + f"?format={fmt}")
        page.get_by_role("button", name="Add to cart").click()
        expect(page).to_have_url(re.compile("/shop/cart/$"))  # before the next page is asked for

    expect(page.locator(".cart-summary-box")).to_contain_text(total)
    expect(page.locator(".site-header .cart-total")).to_contain_text(money(ebook.price() + paperback.price()))
    page.get_by_role("link", name="Go to checkout").click()
    aside = page.locator(".checkout-aside")
    expect(aside).to_contain_text(money("4.50"))
    expect(aside).to_contain_text(total)
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout: Details")  # not "Address"
    for name, value in {
        "first_name": "Dana",
        "last_name": "Reader",
        "street": "1 Paper Lane",
        "city": "Bookham",
        "postcode": "BK1 2AB",
        "phone": "0123456789",
        "email": "dana@example.com",
    }.items():
        page.locator(f"[name=billing_detail_{name}]").fill(value)
    page.locator("[name=billing_detail_country]").select_option("United Kingdom")
    check_a11y(page)
    shoot(page, "checkout")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmation")
    expect(aside).to_contain_text(money("4.50"))
    expect(aside).to_contain_text(total)
    consent_to_immediate_delivery(page)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    assert money(Order.objects.get().total) == total


def test_the_download_page_is_made_for_a_phone(
    live_server, demo, page, new_page, check_a11y, shoot, settings
):
    settings.SHOP_PAYMENT_GATEWAY = INSTANT
    book = Product.objects.get(title=BOOK)
    page.goto(live_server.url + book.get_absolute_url() + "?format=ebook")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label(re.compile("^Email")).fill("robin@example.com")
    page.get_by_label(re.compile("^First name")).fill("Robin")
    page.get_by_label(re.compile("^Last name")).fill("Guest")
    page.get_by_label(re.compile("^Country")).select_option("Ireland")
    consent_to_immediate_delivery(page)
    page.get_by_role("button", name="Place order").click()
    private_page = page.get_by_role("link", name="your order's private page").get_attribute("href")
    order = Order.objects.get()

    phone = new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(live_server.url + private_page)
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Order {order.id}")
    files = ProductFile.objects.filter(grants__order=order).order_by("original_filename")
    for product_file in files:
        button = phone.get_by_role("link", name=re.compile(f"^Download {product_file.extension}"))
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box["height"] >= 44
        assert box["width"] >= PHONE["width"] * 0.7  # most of the phone's width
    # The zip is there, as a secondary link; the checksum and version are folded away.
    zip_link = phone.get_by_role("link", name="Download all files (zip)")
    expect(zip_link).to_be_visible()
    assert zip_link.bounding_box()["height"] >= 44
    expect(phone.get_by_text(files[0].sha256)).to_be_hidden()
    expect(phone.get_by_text(re.compile("Kindle, Kobo or Apple Books"))).to_be_visible()
    phone.get_by_text(re.compile("Kindle, Kobo or Apple Books")).click()
    expect(phone.locator(".reading-help")).to_contain_text("Send to Kindle")
    check_a11y(phone)
    phone.set_viewport_size(PHONE)
    shoot(phone, "private-order")

    epub = files.get(original_filename__endswith=".epub")
    with phone.expect_download() as info:
        phone.get_by_role("link", name=re.compile("^Download EPUB")).click()
    assert info.value.suggested_filename == epub.download_name
