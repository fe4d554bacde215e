"""Which mail failures are worth another try later, and when, for every
task that sends email; and sending the email a row records at most once."""

import logging
import smtplib
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone
from mezzanine.utils.email import send_mail_template

log = logging.getLogger(__name__)

# Tries after the first, over about 15 minutes.
MAX_RETRIES = 5


def retry_delay(retries):
    """Seconds before try ``retries + 2``: 30 s, 1, 2, 4, 8 minutes."""
    return 30 * 2**retries


# How long a worker may still be retrying an email after it was queued.
RETRIES_WINDOW = timedelta(seconds=sum(retry_delay(n) for n in range(MAX_RETRIES)) + 60)


def send_from_task(task, what, subject, template, addr_from, addr_to, context, headers=None):
    """Send one templated email from inside a bound Celery ``task``: another
    try later while the failure is transient (raises Celery's Retry), else
    ``what`` is logged as not sent. Returns whether it was sent."""
    try:
        send_mail_template(
            subject, template, addr_from, addr_to, context=context, fail_silently=False, headers=headers
        )
    except DatabaseError:
        raise  # not the mail's fault: the task's autoretry runs it again (core.tasks.RETRY_TEMPORARY)
    except Exception as error:
        retry_if_transient(task, error)
        log.exception("%s not sent, no more tries", what)
        return False
    return True


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


def send_recorded_once(model, row_id, send, related=()):
    """Send the email that row ``row_id`` of ``model`` records (it has
    ``sent_at``, ``tries`` and ``error``) unless it went out already, by
    calling ``send(row)``. Returns the error that stopped it (recorded on the
    row), or None.

    The row's lock is held while it sends and it is marked sent in the same
    transaction, so a task that runs twice, or on two workers at once, sends
    one email. (A worker that dies after the mail server took the message but
    before the commit sends it again on the retry: at least once, never lost.)
    Only the row itself is locked (never the order's, which checkout and
    downloads write to); EMAIL_TIMEOUT bounds how long."""
    with transaction.atomic():
        row = model.objects.select_for_update(of=("self",)).select_related(*related).filter(pk=row_id).first()
        if row is None or row.sent_at is not None:
            return None
        row.tries += 1
        try:
            send(row)
        except DatabaseError:
            raise  # rolls back the try; the task's autoretry runs it again (core.tasks.RETRY_TEMPORARY)
        except Exception as error:  # any failure: record it on the row, the caller decides on a retry
            log.warning("%s: try %s failed", row, row.tries, exc_info=True)
            row.error = f"{timezone.now():%Y-%m-%d %H:%M} {type(error).__name__}: {error}"[:1000]
            row.save(update_fields=["tries", "error"])
            return error
        row.sent_at = timezone.now()
        row.save(update_fields=["tries", "sent_at"])
    log.info("%s: sent", row)
    return None


def give_up(model, row_id, reason):
    """No more tries: staff see it as failed and can queue it again."""
    model.objects.filter(pk=row_id, sent_at__isnull=True).update(gave_up=True)
    log.error("%s %s not sent, no more tries: %s", model._meta.verbose_name, row_id, reason)
