"""Which mail failures are worth another try later, and when, for every
task that sends email."""

import smtplib

# Tries after the first, over about 15 minutes.
MAX_RETRIES = 5


def retry_delay(retries):
    """Seconds before try ``retries + 2``: 30 s, 1, 2, 4, 8 minutes."""
    return 30 * 2**retries


def retry_if_transient(task, error):
    """From inside a bound Celery ``task``: have it run again later if
    ``error`` is worth another try and tries are left (raises Celery's
    Retry); else return, and the caller records the failure."""
    if is_transient(error) and task.request.retries < MAX_RETRIES:
        raise task.retry(countdown=retry_delay(task.request.retries)) from error


def is_transient(error):
    """The mail server unreachable, busy or refusing for now (4xx); not a
    refused address (5xx) or a broken template."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPException, OSError))
