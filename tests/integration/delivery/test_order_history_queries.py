"""The order history page's database work does not grow with the files an
order delivers (issue 33): each file's download name needs to know how many
files of its type the product has, which the grants' query brings along
instead of a COUNT per file."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop_ext.delivery.grants import grant_file_to_past_buyers
from shop_ext.models import DownloadGrant
from tests.factories import add_file

pytestmark = pytest.mark.django_db


def history_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/account/orders/")
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def test_order_history_queries_do_not_grow_with_the_files(client, buyer, book, paid_order):
    client.force_login(buyer)
    history_queries(client)  # the first page of a session does more than later ones
    _, two_files = history_queries(client)
    for n in range(4):
        grant_file_to_past_buyers(add_file(book, "eBook", name=f"extra-{n}.epub"))
    assert DownloadGrant.objects.filter(order=paid_order).count() == 6

    page, six_files = history_queries(client)

    assert len(six_files) == len(two_files), "\n".join(six_files)
    # Several EPUBs of one product: each named by its own label too.
    assert "the-lighthouse-keepers-almanac-extra-3.epub" in page.content.decode()
