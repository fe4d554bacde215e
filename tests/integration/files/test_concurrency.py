"""Update notices and stamped copies under concurrent requests (truly in
parallel on PostgreSQL; SQLite serialises them)."""

import pytest
from django.core import mail

from shop_ext.delivery.tasks import notify_buyers
from shop_ext.models import StampedCopy, UpdateNotice
from tests.client import Client
from tests.integration.delivery.test_concurrency import run_together
from tests.integration.files.conftest import replace_file
from tests.integration.files.test_stamping import body

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
