"""A database error between counting a download and logging it (a
connection cut) leaves neither: the attempt is not used, no file is handed
to nginx, and the buyer may try again."""

import pytest
from django.db import connection

from shop_ext.models import DownloadAttempt, OrderDelivery
from tests.doubles import connection_cut
from tests.shopper import quiet_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_download_whose_log_row_cannot_be_written_uses_no_attempt(paid_order, buyer):
    grant = paid_order.download_grants.first()
    url = f"/account/orders/{paid_order.pk}/files/{grant.pk}/"
    browser = quiet_client(buyer)

    def cut_at_the_log_row(execute, sql, params, many, context):
        # The statement that writes the log row (on PostgreSQL it also counts
        # the attempt; on SQLite the attempt's UPDATE has run before it).
        if f"INSERT INTO {DownloadAttempt._meta.db_table}" in sql:
            connection_cut()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(cut_at_the_log_row):
        response = browser.get(url)

    assert response.status_code == 500
    assert not response.has_header("X-Accel-Redirect")
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 0
    assert not DownloadAttempt.objects.filter(order=paid_order).exists()

    again = browser.get(url)
    assert again.status_code == 200
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 1
    assert DownloadAttempt.objects.filter(order=paid_order, outcome=DownloadAttempt.SERVED).count() == 1
