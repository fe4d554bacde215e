"""Buying downloads as a guest: no account needed, a checkout that asks only
for what a download needs, one email with private links that work in any
browser, and an account offered on the spot."""

import hashlib
import re

import pytest
from cartridge.shop.models import Order
from django.contrib.auth import get_user_model
from django.core import mail

from shop_ext.models import DownloadAttempt, OrderDelivery
from tests.client import Client
from tests.factories import EPUB
from tests.shopper import (
    BILLING,
    CHECKOUT_URL,
    COMPLETE_URL,
    DOWNLOAD_ONLY_DETAILS,
    add_to_cart,
    checkout_step,
    private_link,
)

pytestmark = pytest.mark.django_db

INSTANT = "shop_ext.payments.gateways.pay_instantly_for_demo"


@pytest.fixture
def instant_payment(settings):
    settings.SHOP_PAYMENT_GATEWAY = INSTANT


def guest_checkout(client, **extra):
    """The one page of a cart of downloads: only the download-only details,
    and the order is placed."""
    placed = checkout_step(client, 1, {**DOWNLOAD_ONLY_DETAILS, **extra})
    assert placed.status_code == 302, placed.context["form"].errors
    return placed


def visible_inputs(html):
    """Names of the form inputs a shopper sees (not hidden) on a page."""
    names = set()
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag:
            continue
        match = re.search(r'name="([^"]+)"', tag)
        if match:
            names.add(match.group(1))
    return names


def test_download_only_checkout_asks_name_email_and_country_only(client, book):
    add_to_cart(client, book, option3="eBook")

    page = client.get(CHECKOUT_URL)

    assert page.status_code == 200
    asked = {
        name
        for name in visible_inputs(page.content.decode())
        if name.startswith(("billing", "shipping", "digital_supply"))
    }
    assert asked == set(DOWNLOAD_ONLY_DETAILS)


def test_the_pay_button_has_the_ways_to_pay_beside_it(client, book):
    add_to_cart(client, book, option3="eBook")

    html = client.get(CHECKOUT_URL).content.decode()

    pay_button = html.index("Place order")
    form = html[pay_button : html.index("</form>", pay_button)]
    assert 'class="payment-marks"' in form


def test_mixed_cart_still_asks_for_the_address(client, book):
    add_to_cart(client, book, option3="Paperback")

    response = checkout_step(client, 1, DOWNLOAD_ONLY_DETAILS)

    assert response.context["step"] == 1
    errors = response.context["form"].errors
    assert "billing_detail_street" in errors
    assert "billing_detail_postcode" in errors


def test_guest_buys_an_ebook_and_downloads_it_in_another_browser(client, book, instant_payment):
    add_to_cart(client, book, option3="eBook")

    response = guest_checkout(client)

    assert response.status_code == 302
    assert response["Location"] == COMPLETE_URL
    order = Order.objects.get()
    assert order.user_id is None
    assert order.billing_detail_street == ""
    # One email for an instant purchase: the receipt, with the links.
    (receipt,) = mail.outbox
    assert receipt.to == [BILLING["billing_detail_email"]]
    page_path = private_link(receipt.body, order.pk)

    stranger = Client()  # no cookies, no session: another device
    page = stranger.get(page_path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    html = page.content.decode()
    grant = order.download_grants.get(file__original_filename="almanac.epub")
    assert grant.file.download_name in html
    assert hashlib.sha256(EPUB).hexdigest() in html
    assert "download attempts left" in html

    download = stranger.get(f"{page_path}files/{grant.pk}/")
    assert download.status_code == 200
    assert download.content == EPUB
    assert download["Referrer-Policy"] == "no-referrer"
    # It counts against the order's limits like any download.
    assert OrderDelivery.objects.get(order=order).attempts_used == 1
    assert DownloadAttempt.objects.get(outcome=DownloadAttempt.SERVED).user is None


def test_complete_page_shows_a_guest_their_downloads(client, book, instant_payment):
    add_to_cart(client, book, option3="eBook")
    guest_checkout(client)
    order = Order.objects.get()

    page = client.get(COMPLETE_URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert f"/orders/{order.pk}/" in html
    assert "Download all files (zip)" in html


def test_order_paid_later_sends_one_files_email(client, book, pay_order):
    add_to_cart(client, book, option3="eBook")
    guest_checkout(client)
    order = Order.objects.get()
    (receipt,) = mail.outbox
    assert "once payment arrives" in receipt.body
    mail.outbox.clear()

    pay_order(order)

    (files_email,) = mail.outbox
    assert files_email.subject.startswith("Your files from")
    assert Client().get(private_link(files_email.body, order.pk)).status_code == 200


def test_guest_can_create_an_account_on_the_spot(client, book, instant_payment):
    add_to_cart(client, book, option3="eBook")

    response = guest_checkout(client, create_account="on", account_password="lighthouse-42-keeper")

    assert response.status_code == 302
    # The password never reaches the session's copy of the form.
    assert "lighthouse-42-keeper" not in repr(dict(client.session.items()))
    user = get_user_model().objects.get(email=BILLING["billing_detail_email"])
    assert user.check_password("lighthouse-42-keeper")
    assert Order.objects.get().user_id == user.pk
    history = client.get("/account/orders/")
    assert history.status_code == 200
    assert f'id="order-{Order.objects.get().pk}"' in history.content.decode()


def test_account_on_the_spot_needs_a_good_password_and_a_free_email(client, book, django_user_model):
    add_to_cart(client, book, option3="eBook")

    weak = checkout_step(
        client, 1, {**DOWNLOAD_ONLY_DETAILS, "create_account": "on", "account_password": "123"}
    )
    assert weak.context["step"] == 1
    assert "account_password" in weak.context["form"].errors

    django_user_model.objects.create_user("ada", BILLING["billing_detail_email"], "pw-ada-12345")
    taken = checkout_step(
        client,
        1,
        {**DOWNLOAD_ONLY_DETAILS, "create_account": "on", "account_password": "lighthouse-42-keeper"},
    )
    assert taken.context["step"] == 1
    assert "sign in" in str(taken.context["form"].errors["billing_detail_email"])
    assert Order.objects.count() == 0


def test_guest_checkout_without_an_account_makes_none(client, book, instant_payment):
    add_to_cart(client, book, option3="eBook")

    guest_checkout(client)

    assert not get_user_model().objects.exists()


def test_the_complete_page_follows_a_new_account_and_shows_the_downloads(client, book, instant_payment):
    add_to_cart(client, book, option3="eBook")
    guest_checkout(client, create_account="on", account_password="lighthouse-42-keeper")

    page = client.get(COMPLETE_URL)

    assert page.status_code == 200
    assert "Download all files (zip)" in page.content.decode()


def test_the_shops_copy_of_the_receipt_has_no_links(client, book, instant_payment):
    from mezzanine.conf import settings as editable_settings

    editable_settings.SHOP_ORDER_EMAIL_BCC = "books@shop.example.com"
    try:
        add_to_cart(client, book, option3="eBook")
        guest_checkout(client)
    finally:
        editable_settings.SHOP_ORDER_EMAIL_BCC = ""
    order = Order.objects.get()
    shop_copy, buyer_copy = mail.outbox
    assert shop_copy.to == ["books@shop.example.com"]
    assert f"/orders/{order.pk}/" not in shop_copy.body
    assert f"/orders/{order.pk}/" not in shop_copy.alternatives[0][0]
    assert buyer_copy.to == [BILLING["billing_detail_email"]]
    assert buyer_copy.bcc == []
    assert private_link(buyer_copy.body, order.pk)


def test_the_receipt_takes_the_subject_staff_set_in_the_site_settings(client, book, instant_payment):
    """Mezzanine reads editable settings once per request: an edit made
    while a shopper is half-way through checkout reaches their receipt."""
    from mezzanine.conf.models import Setting

    add_to_cart(client, book, option3="eBook")
    Setting.objects.create(name="SHOP_ORDER_EMAIL_SUBJECT", value="Your books from us")
    guest_checkout(client)

    [receipt] = mail.outbox
    assert receipt.subject == "Your books from us"


def test_a_guest_sees_the_downloads_on_the_invoice(client, book, instant_payment):
    add_to_cart(client, book, option3="eBook")
    guest_checkout(client)
    order = Order.objects.get()

    invoice = client.get(f"/shop/invoice/{order.pk}/")

    assert invoice.status_code == 200
    assert f"/orders/{order.pk}/" in invoice.content.decode()


def test_the_admin_list_shows_the_instant_purchases_email_as_sent(
    client, book, instant_payment, admin_client
):
    add_to_cart(client, book, option3="eBook")
    guest_checkout(client)

    assert "email sent" in admin_client.get("/admin/shop/order/").content.decode()
