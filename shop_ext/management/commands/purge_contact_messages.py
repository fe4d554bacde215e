"""Delete the contact messages older than SHOP_CONTACT_MESSAGES_KEEP_DAYS
(the privacy page says how long they are kept). Run it daily (docs/deploy.md)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from shop_ext.models import ContactMessage


class Command(BaseCommand):
    help = "Delete contact messages older than SHOP_CONTACT_MESSAGES_KEEP_DAYS."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.SHOP_CONTACT_MESSAGES_KEEP_DAYS)
        deleted, _by_model = ContactMessage.objects.filter(requested_at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} contact message(s) older than {cutoff:%Y-%m-%d} deleted.")
