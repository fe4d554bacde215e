"""Queueing Celery tasks so that a broker that is down never undoes what a
request did (an order stays placed and paid): the failure is handed to the
caller, who records the work as not queued where staff can start it again."""

import logging

from django.db import transaction

log = logging.getLogger(__name__)

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
    never looks for rows that are not there yet."""
    transaction.on_commit(lambda: enqueue(task, *args, on_failure=on_failure))
