"""Delete the catalogue imports uploaded more than SHOP_CATALOGUE_IMPORTS_KEEP_DAYS
ago, with the spreadsheet each kept in private storage. A job still checking
or importing is left alone, however old. Run it daily (docs/deploy.md)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from shop_ext.models import CatalogueImport


class Command(BaseCommand):
    help = (
        "Delete catalogue imports (and their stored files) older than SHOP_CATALOGUE_IMPORTS_KEEP_DAYS; "
        "never one that is running."
    )

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.SHOP_CATALOGUE_IMPORTS_KEEP_DAYS)
        old = CatalogueImport.objects.filter(created_at__lt=cutoff).exclude(
            status__in=CatalogueImport.RUNNING
        )
        deleted = 0
        for job in old.iterator():
            # The row first, still only if not running: a job confirmed at
            # this instant keeps its file.
            if old.filter(pk=job.pk).delete()[0]:
                deleted += 1
                if job.file:
                    job.file.delete(save=False)
        self.stdout.write(f"{deleted} catalogue import(s) from before {cutoff:%Y-%m-%d} deleted.")
