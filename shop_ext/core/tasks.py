"""Queueing Celery tasks so that a broker that is down never undoes what a
request did (an order stays placed and paid): the failure is handed to the
caller, who records the work as not queued where staff can start it again."""

import logging

from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shop_ext.core.mail import MAX_RETRIES

log = logging.getLogger(__name__)

# What a task may meet for a moment (a dropped database connection, a broker
# or Redis that is restarting): worth running the task again, later.
TEMPORARY_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerUnreachable,
    RedisConnectionError,
    RedisTimeoutError,
)

# Every task's options (@shared_task(**RETRY_TEMPORARY)): a temporary error
# runs the task again after about 5, 10, 20, 40, 80 s (jittered, so workers
# that failed together do not come back together), then it fails and is
# logged; requeue_emails picks up an email left unsent. Every task is safe to
# run twice. A busy mail server's retries (core.mail) count against the same bound.
RETRY_TEMPORARY = {
    "autoretry_for": TEMPORARY_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
}

# How work that the broker did not take is marked (e.g. an email; see requeue_emails).
NOT_QUEUED = "Not queued, the task queue was unreachable"


def enqueue(task, *args, on_failure=None):
    """Queue ``task(*args)`` now; if the broker cannot take it, log it and
    call ``on_failure(error)``. Returns whether it was queued."""
    try:
        task.apply_async(args)
    except task.OperationalError as error:  # broker unreachable (kombu's, re-exported by Celery)
        log.error("Could not queue %s%s: %s", task.name, args, error)
        if on_failure is not None:
            on_failure(error)
        return False
    return True


def enqueue_on_commit(task, *args, on_failure=None):
    """Queue it once the current transaction has committed, so the worker
    never looks for rows that are not there yet. Robust: what is committed
    stands, so an unexpected failure here (Redis timing out, the database
    gone before ``on_failure`` could write) is logged, never the request's
    500; an email left untried is queued again by requeue_emails."""
    transaction.on_commit(lambda: enqueue(task, *args, on_failure=on_failure), robust=True)
