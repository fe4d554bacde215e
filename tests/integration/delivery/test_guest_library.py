"""A guest's library: the lost-links email (sent only to the address the
orders were placed with) links to one page of the books of that address's
guest orders, each file by its order's private link."""

import re

import pytest
from cartridge.shop.models import Order
from django.core import mail

from shop_ext.core.logging import hide_private_links
from shop_ext.models import OrderDelivery
from tests.client import Client
from tests.factories import book_with_files
from tests.shopper import add_to_cart, checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_buys(pay_order):
    def bought(product, email="gale@example.com"):
        client = Client()
        add_to_cart(client, product, option3="eBook")
        checkout(client, billing_detail_email=email)
        return pay_order(Order.objects.filter(billing_detail_email=email).latest("id"))

    return bought


def library_link(email):
    mail.outbox.clear()
    Client().post("/account/downloads/resend/", {"email": email}, REMOTE_ADDR="198.51.100.9")
    (message,) = mail.outbox
    return re.search(r"https://shop\.example\.com(/orders/library/[^/\s]+/)", message.body).group(1)


def test_the_lost_links_email_leads_to_the_guests_library(book, guest_buys, paid_order):
    first = guest_buys(book)
    guest_buys(book)
    guest_buys(book_with_files(title="Salt Roads"), email="someone-else@example.com")
    response = Client().get(library_link("GALE@example.com"))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    books = response.context["books"]
    # The book bought twice is there once; another address's book and the account's order are not.
    assert [entry.product.title for entry in books] == [book.title]
    (entry,) = books
    epub = next(g for g in entry.files if g.download_name.endswith(".epub"))
    assert epub.url.startswith(f"/orders/{epub.order_id}/")
    assert epub.order_id != first.pk  # the newest order's link
    assert Client().get(epub.url).status_code == 200
    assert OrderDelivery.objects.get(order_id=epub.order_id).attempts_used == 1


def test_a_forged_library_link_is_a_404():
    assert Client().get("/orders/library/gale@example.com:forged:sig/").status_code == 404


def test_guest_library_links_are_hidden_in_logs():
    logged = hide_private_links("GET /orders/library/gale@example.com:1uX:sig/?page=2")
    assert logged == "GET /orders/library/[private]/?page=2"
