"""A counted download's own transaction commits without waiting for the
WAL to reach the disk (synchronous_commit off, on PostgreSQL): a synchronous commit
waited 6-14 ms for the disk under load (docs/benchmarks.md, run 15). Every
other transaction, a payment's included, keeps synchronous commit
(docs/security.md says what a PostgreSQL crash can forget)."""

import pytest
from django.db import connection

from shop_ext.models import DownloadAttempt, OrderDelivery
from shop_ext.orders.actions import mark_order_paid
from tests.factories import book_with_files
from tests.shopper import download_links

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's"
)


def setting_after_each_statement():
    """An execute wrapper, and the (sql, synchronous_commit) it notes right
    after each statement, in the statement's session."""
    noted = []

    def note(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        raw = context["connection"].connection  # psycopg's own: not noted again
        noted.append((sql, raw.execute("SELECT current_setting('synchronous_commit')").fetchone()[0]))
        return result

    return note, noted


@pytest.mark.django_db
def test_the_count_sets_synchronous_commit_off_for_its_transaction(client, buyer, paid_order):
    link = download_links(client, paid_order.pk)[0]
    note, noted = setting_after_each_statement()
    with connection.execute_wrapper(note):
        assert client.get(link).status_code == 200

    # The test's own transaction wraps the view's statements, so the count's
    # setting is still in force after it: the grant's read came before.
    (grant_sql, before), (count_sql, after) = noted
    assert grant_sql.lstrip().startswith("SELECT")
    assert before == "on"
    assert "INSERT INTO" in count_sql
    assert after == "off"
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 1
    assert DownloadAttempt.objects.filter(order=paid_order, outcome=DownloadAttempt.SERVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_only_the_counts_own_transaction_skips_the_wait(client, buyer, paid_order, place_order):
    """In autocommit, as served, the setting ends with the count's statement:
    the next statement on the same connection, a payment's here, commits
    synchronously."""
    link = download_links(client, paid_order.pk)[0]
    unpaid = place_order(book_with_files(), "eBook")
    assert client.get(link).status_code == 200
    note, noted = setting_after_each_statement()
    with connection.execute_wrapper(note):
        assert mark_order_paid(unpaid)
    assert noted
    assert {setting for _, setting in noted} == {"on"}
