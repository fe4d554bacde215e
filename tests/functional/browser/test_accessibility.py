"""WCAG 2.1 AA (issue 22): every page a shopper or buyer sees, error states
included, through axe-core at desktop and phone width (``check_a11y``), and
what no automated rule sees: a checkout done with the keyboard alone, errors
that are announced and tied to their fields, controls that report their state.
"""

import re
from itertools import pairwise

import pytest
from cartridge.shop.models import Order, Product
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from shop_ext.models import DownloadGrant, OrderDelivery
from shop_ext.orders.actions import mark_order_paid
from tests.functional.browser.axe import axe_violations, describe
from tests.functional.browser.conftest import PHONE
from tests.functional.browser.test_journeys import BOOK, admin_sign_in, place_ebook_order, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOTE = "Canvas Tote Bag"
BILLING = {
    "First name": "Dana",
    "Last name": "Reader",
    "Street": "1 Paper Lane",
    "City/Suburb": "Bookham",
    "Zip/Postcode": "BK1 2AB",
    "Country": "United Kingdom",
    "Phone": "0123456789",
    "Email": "dana@example.com",
}


def focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator, limit=120):
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never took the focus in {limit} presses of Tab")


def test_catalogue_pages_pass_axe(live_server, demo, page, check_a11y):
    for path, heading in [
        ("/", None),
        ("/books/", "Books"),
        ("/books/fiction/", "Fiction"),
        (Product.objects.get(title=BOOK).get_absolute_url(), BOOK),
        ("/search/?q=almanac&type=shop.Product", "Results for “almanac”"),
        ("/search/?q=zzzz-nothing&type=shop.Product", "Results for “zzzz-nothing”"),
        ("/shop/cart/", "Your cart"),
        ("/accounts/signup/", "Sign up"),
    ]:
        page.goto(live_server.url + path)
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_a11y(page)


def test_sort_control_waits_for_its_button(live_server, demo, page):
    page.goto(live_server.url + "/books/fiction/")
    sort = page.get_by_label("Sort by")
    tab_to(page, sort)
    page.keyboard.press("ArrowDown")  # moves the choice, loads nothing
    expect(page).to_have_url(live_server.url + "/books/fiction/")
    assert focused(sort)
    chosen = sort.input_value()
    page.keyboard.press("Tab")
    assert focused(page.get_by_role("button", name="Sort", exact=True))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"\?sort={re.escape(chosen)}$"))
    expect(page.get_by_label("Sort by")).to_have_value(chosen)


def test_phone_menu_button_reports_whether_the_menu_is_open(live_server, demo, page):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("navigation", name="Shop sections").get_by_role("link", name="Books", exact=True)
    ).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "false")


def test_failed_sign_in_is_announced(live_server, demo, page, check_a11y):
    page.goto(live_server.url + "/accounts/login/")
    username = page.get_by_label(re.compile("^Username"))
    expect(username).not_to_have_attribute("autofocus", re.compile(".*"))
    expect(username).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label(re.compile("^Password"))).to_have_attribute("autocomplete", "current-password")
    sign_in(page, "demo-buyer", "not-the-password")

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Invalid username/email and password")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: Sign in"))
    check_a11y(page)


def add_tote_to_cart(page, live_server):
    page.goto(live_server.url + Product.objects.get(title=TOTE).get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/shop/cart/$"))


def test_failed_checkout_step_is_announced_and_tied_to_its_fields(live_server, demo, page, check_a11y):
    add_tote_to_cart(page, live_server)
    page.get_by_label("Discount code").fill("NO-SUCH-CODE")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_title(re.compile("^Error: Your cart"))
    expect(page.get_by_role("alert")).to_be_focused()
    check_a11y(page)
    page.get_by_role("link", name="Go to checkout").click()
    first_name = page.get_by_label("First name").first
    expect(first_name).to_have_attribute("required", "")
    expect(first_name).to_have_attribute("autocomplete", "billing given-name")
    expect(page.locator("[name=billing_detail_email]")).to_have_attribute("autocomplete", "billing email")
    expect(page.locator("[name=shipping_detail_postcode]")).to_have_attribute(
        "autocomplete", "shipping postal-code"
    )
    page.locator("[name=billing_detail_email]").fill("not an address")
    page.locator("[name=billing_detail_phone]").fill("0123456789")
    page.get_by_role("button", name="Next").click()

    expect(page).to_have_title(re.compile("^Error: Checkout"))
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    email = page.locator("[name=billing_detail_email]")
    expect(email).to_have_attribute("aria-invalid", "true")
    error = page.locator("#" + email.get_attribute("aria-describedby"))
    expect(error).to_contain_text("Enter a valid email address")
    expect(page.locator("[name=billing_detail_street]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[name=billing_detail_phone]")).not_to_have_attribute("aria-invalid", "true")
    # Delivery is "same as billing": its hidden copies do not repeat the errors.
    expect(summary.get_by_role("link", name=re.compile("^Street"))).to_have_count(1)
    check_a11y(page)

    summary.get_by_role("link", name=re.compile("^Email")).click()
    expect(email).to_be_focused()


def test_keyboard_only_checkout(live_server, demo, page, check_a11y):
    """Product page to confirmation with Tab, Enter, Space and typing only."""
    page.goto(live_server.url + Product.objects.get(title=TOTE).get_absolute_url())
    tab_to(page, page.get_by_role("button", name="Add to cart"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/shop/cart/$"))

    tab_to(page, page.get_by_role("link", name="Go to checkout"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checkout")
    for label, value in BILLING.items():
        tab_to(page, page.get_by_label(label, exact=False).first)
        page.keyboard.type(value)
    same_address = page.get_by_label("My delivery details are the same as my billing details")
    tab_to(page, same_address)
    page.keyboard.press("Space")  # a different delivery address ...
    expect(page.locator("#shipping_fields")).to_be_visible()
    page.keyboard.press("Space")  # ... no: the same after all
    expect(same_address).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Next"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmation")
    check_a11y(page)
    tab_to(page, page.get_by_role("button", name="Place order"))
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    check_a11y(page)
    order = Order.objects.get()
    assert order.billing_detail_email == "dana@example.com"
    assert order.shipping_detail_city == "Bookham"
    assert order.billing_detail_country == "United Kingdom"  # typed into the list


def test_buyer_pages_pass_axe(live_server, demo, client, page, check_a11y):
    order = place_ebook_order(client)
    mark_order_paid(order)
    page.goto(live_server.url + "/account/orders/")
    sign_in(page, "demo-buyer", "demo-buyer")
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")
    expect(page.get_by_role("button", name=f"Re-send order email for order {order.id}")).to_be_visible()
    levels = page.locator("main h1, main h2, main h3, main h4, main h5, main h6").evaluate_all(
        "headings => headings.map((h) => Number(h.tagName[1]))"
    )
    assert all(b - a <= 1 for a, b in pairwise(levels)), f"headings skip a level: {levels}"
    check_a11y(page)

    # Every attempt used: the download is refused with a page that says why.
    OrderDelivery.objects.filter(order=order).update(max_attempts=1, attempts_used=1)
    grant = DownloadGrant.objects.filter(order=order).first()
    response = page.goto(live_server.url + f"/account/orders/{order.id}/files/{grant.id}/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Download not available")
    check_a11y(page)


# Our admin parts: every field and button has a name. The rest of the admin
# (grappelli-safe, TinyMCE, filebrowser) is upstream: docs/accessibility.md.
NAME_RULES = [
    "label",
    "select-name",
    "button-name",
    "input-button-name",
    "link-name",
    "image-alt",
    "aria-input-field-name",
    "form-field-multiple-labels",
]


def assert_named(page, *parts):
    for part in parts:
        expect(page.locator(part)).to_be_attached()
    violations = axe_violations(page, include=list(parts), rules=NAME_RULES)
    assert not violations, f"{page.url}:\n" + describe(violations)


def test_our_admin_inlines_and_actions_name_their_fields(live_server, demo, client, page):
    order = place_ebook_order(client)
    mark_order_paid(order)
    grant = DownloadGrant.objects.filter(order=order).first()
    client.force_login(get_user_model().objects.get(pk=order.user_id))  # one download: a log line
    assert client.get(f"/account/orders/{order.id}/files/{grant.id}/").status_code == 200

    admin_sign_in(page, live_server)
    page.goto(live_server.url + f"/admin/shop/order/{order.id}/change/")
    assert_named(page, "#delivery-group", "#download_grants-group", "#download_attempts-group")
    revoked = page.get_by_label(re.compile(r"^Revoked at \(1/2\), row 1$"))
    expect(revoked).to_be_editable()

    page.goto(live_server.url + "/admin/shop/order/")
    assert_named(page, ".changelist-actions")

    page.goto(live_server.url + f"/admin/shop_ext/book/{Product.objects.get(title=BOOK).id}/change/")
    assert_named(page, "#files-group", "#download_policy-group")
    expect(page.locator("#files-group").get_by_label("Title, row 1")).to_be_editable()


FOCUS_RING_JS = """
() => {
  // The focused element, or the card around it (product cards ring the whole
  // card), shows an outline or a box-shadow (WCAG 2.4.7).
  const ringed = (element) => {
    const style = getComputedStyle(element);
    return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
        || style.boxShadow !== 'none';
  };
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const card = element.closest('.product-card');
  return ringed(element) || (card && ringed(card)) ? '' : element.outerHTML.slice(0, 160);
}
"""


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_focus_stop_shows_where_the_focus_is(live_server, demo, page, width):
    if width == "phone":
        page.set_viewport_size(PHONE)
    add_tote_to_cart(page, live_server)
    for path in ["/", "/books/fiction/", "/shop/checkout/"]:
        page.goto(live_server.url + path)
        unringed = []
        for _ in range(80):
            page.keyboard.press("Tab")
            problem = page.evaluate(FOCUS_RING_JS)
            if problem is None:
                break  # past the last stop
            if problem:
                unringed.append(problem)
        assert not unringed, f"{path}: focus not visible on\n  " + "\n  ".join(unringed)
