"""Limits and the paid routine under concurrent requests.

Each thread has its own database connection, so on PostgreSQL these run
truly in parallel; on SQLite the database serialises them.
"""

import threading

import pytest
from cartridge.shop.models import Order
from django.core import mail
from django.db import connection

from shop_ext.models import DownloadAttempt, DownloadGrant, OrderDelivery
from shop_ext.orders.actions import mark_order_paid
from tests import factories
from tests.client import Client
from tests.factories import book_with_files
from tests.shopper import COMPLETE_URL, add_to_cart, checkout_details, checkout_step, quiet_client

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count, work):
    """Start ``count`` threads that call ``work(i)`` at the same moment."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_concurrent_downloads_with_three_attempts_left_serve_three(buyer, place_order):
    order = place_order(book_with_files(), "eBook")
    mark_order_paid(order)
    OrderDelivery.objects.filter(order=order).update(max_attempts=5, attempts_used=2)
    grant = DownloadGrant.objects.filter(order=order).first()
    url = f"/account/orders/{order.pk}/files/{grant.pk}/"

    def download(i):
        client = Client()
        client.force_login(buyer)
        return client.get(url).status_code

    statuses = run_together(20, download)
    assert sorted(statuses) == [200] * 3 + [403] * 17
    assert OrderDelivery.objects.get(order=order).attempts_used == 5
    assert DownloadAttempt.objects.filter(order=order, outcome="served").count() == 3


def test_concurrent_resumes_take_no_more_free_resumes_than_a_download_has(buyer, place_order, settings):
    settings.SHOP_DOWNLOAD_MAX_RESUMES = 3
    order = place_order(book_with_files(), "eBook")
    mark_order_paid(order)
    OrderDelivery.objects.filter(order=order).update(max_attempts=1)
    grant = DownloadGrant.objects.filter(order=order).first()
    url = f"/account/orders/{order.pk}/files/{grant.pk}/"
    client = Client()
    client.force_login(buyer)
    assert client.get(url).status_code == 200

    def resume(i):
        client = Client()
        client.force_login(buyer)
        return client.get(url, HTTP_RANGE="bytes=100-").status_code

    # The one attempt is used: past its three free resumes, a range is a new download, refused.
    assert sorted(run_together(12, resume)) == [200] * 3 + [403] * 9
    assert DownloadAttempt.objects.filter(order=order, outcome="resumed").count() == 3
    assert OrderDelivery.objects.get(order=order).attempts_used == 1


def test_two_workers_marking_paid_make_one_set_of_grants_and_one_email(place_order):
    order = place_order(book_with_files(), "eBook")
    mail.outbox.clear()
    changed = run_together(2, lambda i: mark_order_paid(Order.objects.get(pk=order.pk)))
    assert sorted(changed) == [False, True]
    assert DownloadGrant.objects.filter(order=order).count() == 2
    assert len(mail.outbox) == 1


def test_a_burst_of_checkouts_queues_for_the_database_instead_of_failing():
    """On SQLite (the demo's database) every transaction takes the write lock
    when it begins and waits for it (project/settings/base.py): a burst of
    checkouts all complete, none is a 500 half-way through, and stock is
    taken once per order. On PostgreSQL the same burst runs in parallel."""
    book = factories.make_book({"Paperback": "9.99"}, stock={"Paperback": 100})
    paperback = book.variations.get()
    details = checkout_details()

    def buy(i):
        client = quiet_client()
        statuses = [add_to_cart(client, book, 1, option3="Paperback").status_code]
        statuses.append(checkout_step(client, 1, details).status_code)
        placed = checkout_step(client, 2, details)
        statuses.append(placed.status_code)
        return statuses, placed.get("Location")

    results = run_together(8, buy)
    assert results == [([302, 200, 302], COMPLETE_URL)] * 8
    assert Order.objects.count() == 8
    assert all(order.items.get().sku == paperback.sku for order in Order.objects.all())
    paperback.refresh_from_db()
    assert paperback.num_in_stock == 92


@pytest.fixture
def redis_cache(settings, tmp_path):
    """The shared cache on a Redis of the test's own, as in production."""
    from deploy.local_stack import start_redis, stop

    redis = start_redis(tmp_path)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis.port}/0",
        }
    }
    yield
    stop(redis.process)


def test_twelve_concurrent_lost_links_asks_for_one_address_send_three(paid_order, redis_cache, settings):
    settings.SHOP_LOST_LINKS_PER_EMAIL_PER_HOUR = 3
    mail.outbox.clear()

    def ask(i):
        return (
            Client()
            .post("/account/downloads/resend/", {"email": "dana@example.com"}, REMOTE_ADDR=f"198.51.100.{i}")
            .status_code
        )

    statuses = run_together(12, ask)
    assert sorted(statuses) == [200] * 3 + [429] * 9
    assert len(mail.outbox) == 3


def test_ten_concurrent_contact_messages_from_one_client_send_three(redis_cache, settings):
    settings.SHOP_CONTACT_MESSAGES_PER_CLIENT_PER_HOUR = 3
    fields = {"name": "Dana", "email": "dana@example.com", "subject": "Hello", "message": "A question."}

    statuses = run_together(
        10, lambda i: Client().post("/contact/", fields, REMOTE_ADDR="198.51.100.9").status_code
    )

    assert sorted(statuses) == [200] * 3 + [429] * 7
    assert len(mail.outbox) == 3
