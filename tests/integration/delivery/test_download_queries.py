"""The download path's database work: a counted single-file download costs
at most five queries, however many orders, files and log entries exist."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop_ext.models import DownloadAttempt, OrderDelivery
from shop_ext.orders.actions import mark_order_paid
from tests.factories import add_file

pytestmark = pytest.mark.django_db

MAX_QUERIES = 5
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def counted_download(client, order):
    grant = order.download_grants.order_by("pk").first()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/account/orders/{order.pk}/files/{grant.pk}/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    # The test runs inside a transaction, where the view's atomic block (the
    # count and its log row) is a savepoint; served, it is BEGIN and COMMIT,
    # which are not queries either.
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def test_a_counted_download_costs_at_most_five_queries_at_two_sizes(
    client, buyer, book, place_order, paid_order, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    small = counted_download(client, paid_order)

    # Grow everything the view could scan: files on the product, past
    # downloads in the log, other orders of the same buyer.
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=None)
    for n in range(20):
        add_file(book, "eBook", name=f"extra-{n}.epub")
    for _ in range(30):
        client.get(f"/account/orders/{paid_order.pk}/files/all.zip")
    for _ in range(5):
        order = place_order(book, "eBook")
        with django_capture_on_commit_callbacks(execute=True):
            mark_order_paid(order)
    assert DownloadAttempt.objects.count() > 30
    large = counted_download(client, paid_order)

    assert len(small) <= MAX_QUERIES, "\n".join(small)
    assert len(large) == len(small), "\n".join(large)
