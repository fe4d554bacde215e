"""Update notices and stamped copies under concurrent requests (truly in
parallel on PostgreSQL; SQLite serialises them)."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from shop_ext.delivery.tasks import notify_buyers
from shop_ext.models import StampedCopy, UpdateNotice
from tests.client import Client
from tests.integration.delivery.conftest import replace_file
from tests.integration.delivery.test_concurrency import run_together
from tests.integration.delivery.test_stamping import body, grant_of, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_six_staff_notifying_at_once_tell_the_buyer_once(paid_order):
    product_file = paid_order.download_grants.get(file__original_filename="almanac.epub").file
    version = replace_file(product_file, b"PK\x03\x04 v2", note="fixed")
    mail.outbox.clear()

    queued = run_together(6, lambda i: notify_buyers(version))

    assert sorted(queued) == [0] * 5 + [1]
    assert UpdateNotice.objects.filter(version=version).count() == 1
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]


def test_six_requests_at_once_make_one_stamped_copy(stamped_order, buyer):
    grant = stamped_order.download_grants.get(file__original_filename="salt.pdf")

    def download(i):
        client = Client()
        client.force_login(buyer)
        response = client.get(f"/account/orders/{stamped_order.pk}/files/{grant.pk}/")
        return response.status_code, body(response) if response.status_code == 200 else b""

    results = run_together(6, download)

    assert {status for status, _body in results} <= {200, 202}
    assert StampedCopy.objects.filter(grant=grant).count() == 1
    copy = StampedCopy.objects.get(grant=grant)
    assert copy.status == "ready"
    served = {data for status, data in results if status == 200}
    assert len(served) <= 1
    final = Client()
    final.force_login(buyer)
    response = final.get(f"/account/orders/{stamped_order.pk}/files/{grant.pk}/")
    assert response.status_code == 200
    assert served <= {body(response)}


@pytest.fixture
def web_statement_timeout():
    """The web process's bound on a statement (DB_REQUEST_STATEMENT_TIMEOUT):
    a request that waits on a lock longer fails."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '5s'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")


# SQLite has no row locks: a worker's write transaction holds the whole
# database, and production runs on PostgreSQL.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_asking_for_a_copy_a_worker_is_making_never_waits_for_the_worker(
    client, stamped_order, web_statement_timeout
):
    grant = grant_of(stamped_order, "salt.pdf")
    copy = StampedCopy.objects.create(grant=grant, version=grant.version, copy_id="c" * 32)
    # It waited long enough to be queued again, and a worker has just taken it.
    StampedCopy.objects.filter(pk=copy.pk).update(requested_at=timezone.now() - timedelta(minutes=3))
    locked, answered = threading.Event(), threading.Event()
    held = []

    def worker():  # as build_stamped_copy does while it stamps
        try:
            with transaction.atomic():
                StampedCopy.objects.select_for_update().get(pk=copy.pk)
                locked.set()
                held.append(answered.wait(timeout=60))  # the guard only ends a hung test
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert locked.wait(timeout=60)
    client.raise_request_exception = False
    response = client.get(url(grant))
    answered.set()
    thread.join()

    assert response.status_code == 202
    assert held == [True]
    assert StampedCopy.objects.get(pk=copy.pk).status == StampedCopy.PENDING
