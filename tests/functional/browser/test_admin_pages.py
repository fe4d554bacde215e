"""The admin an editor works in, in Debian's Chromium at 1280 px: every page
loads without a console error or a missing asset (the browser fixtures
fail the test on either; a page that names no icon would log a 404 for
/favicon.ico), and no page is wider than the screen."""

import re

import pytest
from cartridge.shop.models import Category, Order
from django.core.management import call_command
from playwright.sync_api import expect

from shop_ext.models import Book
from shop_ext.orders import OrderStatus
from tests.shopper import add_to_cart, checkout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN_WIDTH = 1280


@pytest.fixture
def demo(db, client):
    call_command("load_demo", force=True, demo_accounts=True, verbosity=0)
    add_to_cart(client, Book.objects.get(title="Salt and Static"), option3="Paperback")
    checkout(client)  # an order for the order pages


def admin_pages():
    book = Book.objects.get(title="Salt and Static")
    ebooks = Category.objects.get(slug="ebooks")
    order = Order.objects.latest("id")
    return [
        "/admin/",
        "/admin/pages/page/",
        "/admin/shop/category/",
        f"/admin/shop/category/{ebooks.pk}/change/",
        "/admin/shop/product/",
        "/admin/shop_ext/book/",
        "/admin/shop_ext/book/add/",
        f"/admin/shop_ext/book/{book.pk}/change/",
        "/admin/shop/productoption/",
        "/admin/shop/discountcode/",
        "/admin/shop/discountcode/add/",
        "/admin/shop/sale/",
        "/admin/shop/sale/add/",
        "/admin/shop/order/",
        f"/admin/shop/order/{order.pk}/change/",
        "/admin/shop_ext/downloadattempt/",
        "/admin/shop_ext/taxrate/",
        "/admin/shop_ext/taxrate/report/?first_day=2020-01-01&last_day=2030-12-31",
        "/admin/auth/user/",
    ]


def test_admin_pages_have_no_console_errors_and_fit_the_screen(live_server, demo, page):
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("demo-admin")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    expect(page.locator("#user-tools")).to_contain_text("Log out")

    too_wide = {}
    for path in admin_pages():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
        width, screen = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert screen <= SCREEN_WIDTH
        if width > screen:
            too_wide[path] = width

    assert too_wide == {}


def test_bulk_status_change_asks_first_in_the_browser(live_server, demo, page):
    order = Order.objects.latest("id")
    page.goto(live_server.url + "/admin/shop/order/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("demo-admin")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()

    page.locator(f"input[name=_selected_action][value='{order.pk}']").check()
    # Grappelli hides the select behind its own widget and submits on change.
    with page.expect_navigation():
        page.locator("select[name=action]").select_option("mark_cancelled", force=True)

    expect(page.locator("#orders-to-change")).to_contain_text(f"#{order.pk}")
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID

    page.get_by_role("button", name="Yes, mark them cancelled").click()

    expect(page.locator("body")).to_contain_text("1 order(s) marked cancelled.")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_category_page_counts_its_products_before_saving(live_server, demo, page):
    ebooks = Category.objects.get(slug="ebooks")
    page.goto(live_server.url + f"/admin/shop/category/{ebooks.pk}/change/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("demo-admin")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.get_by_text("Product filters", exact=True).click()  # a collapsed fieldset
    count = page.locator("#listed-count")
    expect(count).to_have_text("This page will list 7 published products.")

    # The edit that emptied /ebooks/, not saved: one book chosen by hand.
    page.locator("#id_products_from").select_option(label="Salt and Static")
    page.locator("#id_products_add").click()

    expect(count).to_have_text("This page will list 1 published product.")
    page.locator("#id_combined").uncheck()
    expect(count).to_have_text("This page will list 7 published products.")
    assert not ebooks.products.exists()
