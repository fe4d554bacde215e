"""Shoppers kept waiting on a row another checkout holds get a "busy, try
again" page (503, Retry-After), never a 500, and lose nothing.

Under load (bench/checkout.py, 8 shoppers buying the same paperback) each
checkout holds the paperback's stock row from taking the stock until its
transaction commits; a shopper queued behind enough of them reaches the web
statement timeout (DB_REQUEST_STATEMENT_TIMEOUT), which PostgreSQL reports
as query_canceled: that error was answered with a 500.
"""

import threading

import pytest
from cartridge.shop.models import Order, ProductVariation
from django.db import connection, transaction
from django.db.backends.signals import connection_created

from tests.factories import make_book, variation
from tests.integration.delivery.test_concurrency import run_together
from tests.shopper import COMPLETE_URL, add_to_cart, cart_lines, checkout_details, checkout_step, quiet_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one checkout write at a time"),
]

SHOPPERS = 8
STOCK = 20
# Shorter than a web request's 5 s: the shoppers' statements give up while
# the row is held (the holder keeps it until every shopper has answered).
STATEMENT_TIMEOUT = "1s"


def short_statement_timeout(sender, connection, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")


def hold_row_lock(variation_id, locked, release):
    """Another checkout's transaction: the stock row locked until ``release``."""
    try:
        with transaction.atomic():
            ProductVariation.objects.select_for_update().get(pk=variation_id)
            locked.set()
            release.wait(timeout=120)
    finally:
        connection.close()


def test_shoppers_waiting_on_a_held_stock_row_get_a_busy_page_and_keep_their_carts():
    book = make_book(stock={"Paperback": STOCK})
    paperback = variation(book, option3="Paperback")
    data = checkout_details(digital_supply_consent="on")
    shoppers = [quiet_client() for _ in range(SHOPPERS)]
    for shopper in shoppers:
        add_to_cart(shopper, book, option3="Paperback")
        add_to_cart(shopper, book, option3="eBook")
        assert checkout_step(shopper, 1, data).context["step"] == 2
    carts = [cart_lines(shopper) for shopper in shoppers]

    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_row_lock, args=(paperback.pk, locked, release))
    holder.start()
    connection_created.connect(short_statement_timeout)
    try:
        assert locked.wait(timeout=60)
        answers = run_together(SHOPPERS, lambda i: checkout_step(shoppers[i], 2, data))
    finally:
        connection_created.disconnect(short_statement_timeout)
        release.set()
        holder.join()

    assert [answer.status_code for answer in answers] == [503] * SHOPPERS
    for answer in answers:
        assert answer["Retry-After"]
        assert "Very busy just now" in answer.content.decode()
    # Nothing was done: no order, the stock whole, every cart as it was.
    assert Order.objects.count() == 0
    paperback.refresh_from_db()
    assert paperback.num_in_stock == STOCK
    assert [cart_lines(shopper) for shopper in shoppers] == carts

    # Once the row is free, trying again places each order.
    for shopper in shoppers:
        retried = checkout_step(shopper, 2, data)
        assert (retried.status_code, retried["Location"]) == (302, COMPLETE_URL)
    assert Order.objects.count() == SHOPPERS
    paperback.refresh_from_db()
    assert paperback.num_in_stock == STOCK - SHOPPERS
