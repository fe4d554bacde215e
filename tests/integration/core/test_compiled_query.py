"""shop_ext.core.compiled_query: a query compiled once reads, for other
values, what the ORM reads, related objects and annotations included, in
one query; this pins the Django compiler contract it relies on
(Query.get_compiler, SQLCompiler.as_sql called by execute_sql)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop_ext.core.compiled_query import CompiledQuery
from shop_ext.delivery.views import _signed_grant_query
from shop_ext.models import DownloadGrant

pytestmark = pytest.mark.django_db


def described(grant):
    return (
        grant.pk,
        grant.order_id,
        grant.order.delivery.attempts_used,
        grant.file.name_for_buyer(grant.files_of_its_type),
        grant.file.product.pk,
        grant.version_id,
        grant.buyer_password,
    )


def test_it_reads_what_the_orm_reads_for_each_call(paid_order, buy, book):
    other_order = buy(book, "eBook")
    compiled = CompiledQuery(_signed_grant_query)
    for order in (paid_order, other_order, paid_order):
        for grant in DownloadGrant.objects.filter(order=order):
            with CaptureQueriesContext(connection) as queries:
                got = compiled.first(order.pk, grant.pk)
                description = described(got)  # related objects and annotations: no query of their own
            assert len(queries) == 1
            assert description == described(_signed_grant_query(order.pk, grant.pk).get())
    assert compiled.first(other_order.pk, DownloadGrant.objects.filter(order=paid_order)[0].pk) is None


def test_a_value_must_be_one_parameter_of_the_query():
    compiled = CompiledQuery(
        lambda order_id, grant_id: DownloadGrant.objects.filter(pk=grant_id, order_id=grant_id)
    )
    with pytest.raises(ValueError, match="one parameter"):
        compiled.first(1, 2)
