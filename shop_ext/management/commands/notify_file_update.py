"""Email past buyers about a file's new version, as the admin action does."""

from django.core.management.base import BaseCommand, CommandError

from shop_ext.delivery.tasks import notify_buyers
from shop_ext.models import ProductFile


class Command(BaseCommand):
    help = (
        "Tell every buyer who may download the newest version of a product file as an update, "
        "once per version and address (a second run tells nobody again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("product_file_ids", nargs="+", type=int, metavar="PRODUCT_FILE_ID")

    def handle(self, *args, product_file_ids, **options):
        product_files = ProductFile.objects.select_related("current_version", "product").in_bulk(
            product_file_ids
        )
        missing = sorted(set(product_file_ids) - set(product_files))
        if missing:
            raise CommandError(f"No product file with id {', '.join(map(str, missing))}.")
        for product_file in product_files.values():
            version = product_file.current_version
            version.product_file = product_file
            queued = notify_buyers(version)
            self.stdout.write(f"{version}: {queued} buyer(s) queued to be told")
