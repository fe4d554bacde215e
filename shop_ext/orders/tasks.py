"""The order emails' task: queued on commit, retried with backoff while the
mail server is unreachable, then recorded as failed for staff to re-send."""

from celery import shared_task

from shop_ext.core.mail import MAX_RETRIES, retry_if_transient
from shop_ext.core.tasks import NOT_QUEUED, enqueue_on_commit
from shop_ext.models import OrderEmail
from shop_ext.orders import emails


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_order_email(self, email_id):
    error = emails.send_once(email_id)
    if error is None:
        return
    retry_if_transient(self, error)
    emails.give_up(email_id, repr(error))


def queue_order_email(order, kind, requested_by=None):
    """Record the email and queue its sending once the transaction commits."""
    email = OrderEmail.objects.create(order=order, kind=kind, requested_by=requested_by)

    def not_queued(error):
        OrderEmail.objects.filter(pk=email.pk).update(gave_up=True, error=f"{NOT_QUEUED}: {error}"[:1000])

    enqueue_on_commit(send_order_email, email.pk, on_failure=not_queued)
    return email
