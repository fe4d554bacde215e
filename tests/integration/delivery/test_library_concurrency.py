"""The library's limits under concurrent requests (truly parallel on
PostgreSQL): feed downloads and e-reader sendings use no more attempts than
the order has, and wrong-token guesses never get past the per-client limit."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from shop_ext.delivery import library_feed
from shop_ext.models import (
    DownloadAttempt,
    DownloadGrant,
    EReader,
    EReaderSending,
    OrderDelivery,
    ProductSample,
)
from shop_ext.orders.actions import mark_order_paid
from tests.client import Client
from tests.factories import book_with_files
from tests.integration.delivery.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_feed_downloads_with_three_attempts_left_serve_three(buyer, place_order):
    order = place_order(book_with_files(), "eBook")
    mark_order_paid(order)
    OrderDelivery.objects.filter(order=order).update(max_attempts=5, attempts_used=2)
    grant = DownloadGrant.objects.filter(order=order).first()
    token = library_feed.new_token(buyer)
    url = reverse("library:feed_file", args=[token, order.pk, grant.pk])

    statuses = run_together(20, lambda i: Client().get(url).status_code)
    assert sorted(statuses) == [200] * 3 + [403] * 17
    assert OrderDelivery.objects.get(order=order).attempts_used == 5
    assert DownloadAttempt.objects.filter(order=order, outcome="served").count() == 3


def test_two_sendings_to_the_ereader_at_once_with_one_attempt_left_send_once(
    buyer, place_order, smtp_sink, settings
):
    order = place_order(book_with_files(), "eBook")
    mark_order_paid(order)
    OrderDelivery.objects.filter(order=order).update(max_attempts=1, attempts_used=0)
    grant = DownloadGrant.objects.get(order=order, file__original_filename="almanac.epub")
    EReader.objects.create(user=buyer, email="dana@kindle.com")
    handler, port = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    url = reverse("library:send_to_ereader", args=[grant.pk])

    def send(i):
        client = Client()
        client.force_login(buyer)
        return client.post(url).status_code

    assert run_together(2, send) == [302, 302]
    assert [envelope.rcpt_tos for envelope in handler.messages] == [["dana@kindle.com"]]
    assert OrderDelivery.objects.get(order=order).attempts_used == 1
    assert EReaderSending.objects.get().status == EReaderSending.SENT
    assert DownloadAttempt.objects.filter(order=order, outcome="served").count() == 1


def test_concurrent_wrong_tokens_stop_at_the_limit(settings, db):
    settings.SHOP_LIBRARY_FEED_MISSES_PER_HOUR = 5
    statuses = run_together(20, lambda i: Client().get(f"/account/library/opds/{i:0>43}/").status_code)
    assert sorted(statuses) == [404] * 5 + [429] * 15


def test_a_concurrent_sample_flood_gets_exactly_the_limit(settings, book):
    settings.SHOP_SAMPLES_PER_CLIENT_PER_HOUR = 4
    ProductSample.objects.create(product=book, file=ContentFile(b"PK\x03\x04 a chapter", name="one.epub"))
    statuses = run_together(20, lambda i: Client().get(f"/samples/{book.pk}/").status_code)
    assert sorted(statuses) == [200] * 4 + [429] * 16
