"""The product page's "Buy" form works from a page shared by every browser:
with JavaScript the browser asks for its own CSRF token before sending; without
it the shop offers the same form again with a token, and nothing is lost.
Every other CSRF failure is Django's plain 403."""

import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.client import Client
from tests.shopper import CART_URL, cart_lines

pytestmark = pytest.mark.django_db

BUY = {"quantity": "2", "option3": "Paperback", "add_cart": "1"}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def browser():
    """A browser that sends what its pages give it: Django's CSRF checks are on."""
    return Client(enforce_csrf_checks=True)


def hidden_fields(response):
    """The fields of the page's POST form."""
    form = re.search(r'<form method="post".*?</form>', response.content.decode(), re.S).group(0)
    return [(name, html.unescape(value)) for name, value in HIDDEN.findall(form)]


def test_the_token_the_browser_asks_for_sends_the_form(browser, book):
    page = browser.get(book.get_absolute_url())
    assert b'name="csrfmiddlewaretoken" value=""' in page.content
    answer = browser.get("/csrf/")
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    assert "csrftoken" in answer.cookies
    sent = browser.post(book.get_absolute_url(), {**BUY, "csrfmiddlewaretoken": answer.json()["token"]})
    assert sent.status_code == 302
    assert list(cart_lines(browser).values()) == [(2, Decimal("12.99"))]


@pytest.mark.parametrize("has_cookie", [False, True], ids=["first visit", "cookie from another page"])
def test_without_javascript_the_form_is_offered_again_and_nothing_is_lost(browser, book, has_cookie):
    if has_cookie:
        browser.get("/accounts/login/")
        assert "csrftoken" in browser.cookies
    refused = browser.post(book.get_absolute_url(), {**BUY, "csrfmiddlewaretoken": ""})
    assert refused.status_code == 403
    assert b"Send it again" in refused.content
    fields = hidden_fields(refused)
    assert sorted(name for name, _ in fields) == [
        "add_cart",
        "csrfmiddlewaretoken",
        "option3",
        "quantity",
        "sent_again",
    ]
    assert ("option3", "Paperback") in fields
    assert ("quantity", "2") in fields
    assert re.search(r'<form method="post">', refused.content.decode())  # back to where it was sent
    again = browser.post(book.get_absolute_url(), dict(fields))
    assert again.status_code == 302
    assert list(cart_lines(browser).values()) == [(2, Decimal("12.99"))]


def test_the_page_offering_the_form_again_shows_the_cart(browser, book):
    """It is made before any view runs: Cartridge's cart is read for it all the same."""
    token = browser.get("/csrf/").json()["token"]
    browser.post(book.get_absolute_url(), {**BUY, "csrfmiddlewaretoken": token})
    refused = browser.post(book.get_absolute_url(), {**BUY, "csrfmiddlewaretoken": ""})
    assert b"Send it again" in refused.content
    assert re.search(rb'class="cart-count">2<', refused.content)


def test_a_browser_that_keeps_no_cookies_is_told_so_not_asked_again(browser, book):
    refused = browser.post(book.get_absolute_url(), {**BUY, "csrfmiddlewaretoken": ""})
    fields = dict(hidden_fields(refused))
    browser.cookies.clear()
    again = browser.post(book.get_absolute_url(), fields)
    assert again.status_code == 403
    assert b"Send it again" not in again.content
    assert b"cookie" in again.content


def test_a_file_cannot_be_sent_again(browser, book):
    upload = SimpleUploadedFile("note.txt", b"hello")
    refused = browser.post(book.get_absolute_url(), {**BUY, "attachment": upload})
    assert refused.status_code == 403
    assert b"Send it again" not in refused.content


@pytest.mark.parametrize("path", ["/no-such-page/", "//evil.example/x/"])
def test_only_the_product_form_is_sent_again(browser, path):
    refused = browser.post(path, BUY)
    assert refused.status_code == 403
    assert b"Send it again" not in refused.content


def test_what_was_typed_is_sent_again_escaped(browser, book):
    refused = browser.post(book.get_absolute_url(), {**BUY, "quantity": '"><script>x</script>'})
    assert b"<script>x</script>" not in refused.content
    assert ("quantity", '"><script>x</script>') in hidden_fields(refused)


def test_other_forms_without_a_token_get_the_plain_403(browser, book):
    refused = browser.post(CART_URL, {"discount_code": "WELCOME10"})
    assert refused.status_code == 403
    assert b"Send it again" not in refused.content


def test_a_wrong_token_gets_the_plain_403(browser, book):
    browser.get("/csrf/")
    refused = browser.post(book.get_absolute_url(), {**BUY, "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
    assert b"Send it again" not in refused.content


def test_a_form_sent_from_another_site_gets_the_plain_403(browser, book):
    refused = browser.post(book.get_absolute_url(), BUY, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert b"Send it again" not in refused.content
    assert "sessionid" not in browser.cookies  # no cart was made
