"""Queue again the order emails, file-update notices and contact messages that were never
sent and that no worker holds: lost with a Redis that restarted without its
data, dropped by a retry that could not be published, or not queued while
the broker was down.

Run it every minute or few (docs/deploy.md, "The worker"): an email no
worker tried is queued again after SHOP_EMAIL_REQUEUE_MINUTES; one a worker
tried, once its retries are over (core.mail.RETRIES_WINDOW). An email is
sent once however often it is queued (shop_ext.core.mail.send_recorded_once).
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from shop_ext.contact.tasks import send_contact_message
from shop_ext.core.mail import RETRIES_WINDOW
from shop_ext.core.tasks import NOT_QUEUED, enqueue
from shop_ext.delivery.tasks import send_update_notice
from shop_ext.models import ContactMessage, OrderEmail, UpdateNotice
from shop_ext.orders.tasks import send_order_email

# Each kind of recorded email, and the task that sends one.
SENDERS = {
    "order email": (OrderEmail, send_order_email),
    "update notice": (UpdateNotice, send_update_notice),
    "contact message": (ContactMessage, send_contact_message),
}


class Command(BaseCommand):
    help = (
        "Queue again the order emails, update notices and contact messages that were never sent "
        "and that no worker holds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=settings.SHOP_EMAIL_REQUEUE_MINUTES,
            help="Minutes an email no worker tried waits before it is queued again.",
        )

    def handle(self, minutes, **options):
        now = timezone.now()
        untried = Q(tries=0, requested_at__lte=now - timedelta(minutes=minutes))
        retries_over = Q(tries__gt=0, requested_at__lte=now - RETRIES_WINDOW)
        for label, (model, task) in SENDERS.items():
            waiting = model.objects.filter(
                Q(gave_up=False) | Q(error__startswith=NOT_QUEUED),
                untried | retries_over,
                sent_at__isnull=True,
            )
            row_ids = list(waiting.values_list("pk", flat=True))
            queued = 0
            for row_id in row_ids:
                model.objects.filter(pk=row_id).update(gave_up=False)
                queued += enqueue(task, row_id)
            self.stdout.write(f"{queued} of {len(row_ids)} unsent {label}(s) queued again.")
