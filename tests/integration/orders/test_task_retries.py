"""Tasks run again after a temporary error (a database connection cut, a
broker away) instead of failing for good: run eagerly, a retry runs at once,
so the second call's success is what the test sees."""

import pytest
from django.core import mail
from django.db import OperationalError

from shop_ext.core.storage import private_storage
from shop_ext.delivery.tasks import build_order_zip
from shop_ext.delivery.zips import zip_files, zip_name
from shop_ext.models import OrderEmail
from shop_ext.orders import emails
from shop_ext.orders.tasks import send_order_email

pytestmark = pytest.mark.django_db


def fails_once(real):
    """``real``, except that its first call raises OperationalError; and the
    list of calls made."""
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    return flaky, calls


def test_an_email_whose_database_read_is_cut_is_sent_on_the_retry(paid_order, monkeypatch):
    email = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.RECEIPT)
    flaky, calls = fails_once(emails.SENDERS[OrderEmail.RECEIPT])
    monkeypatch.setitem(emails.SENDERS, OrderEmail.RECEIPT, flaky)
    mail.outbox.clear()
    send_order_email.apply(args=[email.pk])
    email.refresh_from_db()
    assert len(calls) == 2
    assert email.sent_at is not None
    assert not email.gave_up
    assert email.tries == 1  # the cut try was rolled back with its transaction
    assert [m.to for m in mail.outbox] == [[paid_order.billing_detail_email]]


def test_an_email_task_cut_before_it_reads_its_row_is_retried(paid_order, monkeypatch):
    email = OrderEmail.objects.create(order=paid_order, kind=OrderEmail.RECEIPT)
    flaky, calls = fails_once(emails.send_once)
    monkeypatch.setattr(emails, "send_once", flaky)
    send_order_email.apply(args=[email.pk])
    email.refresh_from_db()
    assert len(calls) == 2
    assert email.sent_at is not None


def test_a_zip_task_cut_by_the_database_builds_the_zip_on_the_retry(paid_order, monkeypatch):
    from shop_ext.delivery import tasks

    target = zip_name(paid_order, zip_files(paid_order))
    flaky, calls = fails_once(tasks.zip_files)
    monkeypatch.setattr(tasks, "zip_files", flaky)
    assert build_order_zip.apply(args=[paid_order.pk]).successful()
    assert len(calls) == 2
    assert private_storage.exists(target)


def test_a_database_that_stays_away_fails_the_task_after_bounded_retries(paid_order, monkeypatch):
    from shop_ext.core.mail import MAX_RETRIES
    from shop_ext.delivery import tasks

    calls = []

    def always_cut(order):
        calls.append(order)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(tasks, "zip_files", always_cut)
    result = build_order_zip.apply(args=[paid_order.pk])
    assert isinstance(result.result, OperationalError)
    assert len(calls) == MAX_RETRIES + 1


def test_every_task_the_worker_runs_retries_temporary_errors_a_bounded_number_of_times():
    """The rule for tasks added later too: every task Celery finds in
    shop_ext.tasks retries database, broker and Redis errors, at most MAX_RETRIES times."""
    from kombu.exceptions import OperationalError as BrokerUnreachable
    from redis.exceptions import ConnectionError as RedisConnectionError

    import shop_ext.tasks
    from shop_ext.core.mail import MAX_RETRIES

    for name in shop_ext.tasks.__all__:
        task = getattr(shop_ext.tasks, name)
        retried = getattr(task, "autoretry_for", ())
        for error in (OperationalError, BrokerUnreachable, RedisConnectionError):
            assert issubclass(error, retried), (name, error)
        assert task.max_retries == MAX_RETRIES, name
        assert task.retry_backoff, name
