"""Free samples: staff upload one (or choose one of the product's files) in
the product's admin; anyone downloads it from the product page, sent by the
web server, limited per client, logged, never counted against an order."""

import logging

import pytest
from django.core.files.base import ContentFile

from shop_ext.models import DownloadAttempt, OrderDelivery, ProductSample
from tests.factories import EPUB
from tests.shopper import quiet_client

pytestmark = pytest.mark.django_db

SAMPLE = b"PK\x03\x04 the first chapter"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def sample(book):
    return ProductSample.objects.create(product=book, file=ContentFile(SAMPLE, name="chapter-one.epub"))


def test_anyone_downloads_the_sample_from_the_product_page(client, book, sample, caplog):
    page = client.get(book.get_absolute_url()).content.decode()
    assert f'href="/samples/{book.pk}/"' in page
    with caplog.at_level(logging.INFO, logger="shop_ext"):
        response = client.get(f"/samples/{book.pk}/")
    assert response.status_code == 200
    assert body(response) == SAMPLE
    assert (
        response["Content-Disposition"] == 'attachment; filename="the-lighthouse-keepers-almanac-sample.epub"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert any(f"Sample of product {book.pk}" in r.getMessage() for r in caplog.records)


def test_a_products_own_file_as_its_sample_is_never_counted(client, paid_order, book):
    epub = book.files.get(original_filename="almanac.epub")
    ProductSample.objects.create(product=book, product_file=epub)
    response = client.get(f"/samples/{book.pk}/")
    assert body(response) == EPUB
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 0
    assert not DownloadAttempt.objects.exists()


def test_no_sample_or_unpublished_is_a_404(client, book, sample):
    assert client.get(f"/samples/{book.pk + 1}/").status_code == 404
    book.status = 1  # draft
    book.save()
    assert client.get(f"/samples/{book.pk}/").status_code == 404


def test_a_sample_flood_is_refused_per_client(book, sample, settings):
    settings.SHOP_SAMPLES_PER_CLIENT_PER_HOUR = 2
    flooder = quiet_client()
    statuses = [flooder.get(f"/samples/{book.pk}/", REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert quiet_client().get(f"/samples/{book.pk}/", REMOTE_ADDR="203.0.113.8").status_code == 200


def test_a_sample_is_an_upload_or_a_file_never_both(book):
    both = ProductSample(
        product=book, file=ContentFile(SAMPLE, name="s.epub"), product_file=book.files.first()
    )
    neither = ProductSample(product=book)
    for invalid in (both, neither):
        with pytest.raises(Exception, match="one of them"):
            invalid.full_clean()


def test_a_sample_added_later_reaches_the_cached_product_page(
    client, book, django_capture_on_commit_callbacks
):
    assert "/samples/" not in client.get(book.get_absolute_url()).content.decode()  # cached now

    with django_capture_on_commit_callbacks(execute=True):
        ProductSample.objects.create(product=book, file=ContentFile(SAMPLE, name="chapter-one.epub"))

    assert f'href="/samples/{book.pk}/"' in client.get(book.get_absolute_url()).content.decode()
