"""Queue again the order emails that were never sent and that no worker
holds: lost with a Redis that restarted without its data, dropped by a
retry that could not be published, or not queued while the broker was down.

Run it every 15 minutes (docs/deploy.md, "The worker"); an email is sent
once however often it is queued (shop_ext.orders.emails).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from shop_ext.core.tasks import enqueue
from shop_ext.models import OrderEmail
from shop_ext.orders.tasks import NOT_QUEUED, send_order_email


class Command(BaseCommand):
    help = "Queue again the order emails that were never sent (older than --minutes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=15,
            help="Only emails queued at least this long ago (longer than a worker's retries take).",
        )

    def handle(self, minutes, **options):
        since = timezone.now() - timedelta(minutes=minutes)
        waiting = OrderEmail.objects.filter(
            Q(gave_up=False) | Q(error__startswith=NOT_QUEUED), sent_at__isnull=True, requested_at__lte=since
        )
        email_ids = list(waiting.values_list("pk", flat=True))
        queued = 0
        for email_id in email_ids:
            OrderEmail.objects.filter(pk=email_id).update(gave_up=False)
            queued += enqueue(send_order_email, email_id)
        self.stdout.write(f"{queued} of {len(email_ids)} unsent order email(s) queued again.")
