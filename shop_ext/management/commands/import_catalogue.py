"""Import the catalogue from a spreadsheet, one row per format (docs/catalogue-import.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop_ext.catalogue import format_rows


class Command(BaseCommand):
    help = (
        "Create or update titles and their formats from a .csv (UTF-8) or .xlsx file with the columns "
        f"{', '.join(format_rows.COLUMNS)}. Every row is checked first; if any is refused, nothing is "
        "written. --dry-run reports what would be created, changed and refused, row by row."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")

    def handle(self, *args, path, dry_run, **options):
        try:
            if path.stat().st_size > settings.SHOP_IMPORT_MAX_BYTES:
                raise CommandError(
                    f"{path} is larger than SHOP_IMPORT_MAX_BYTES ({settings.SHOP_IMPORT_MAX_BYTES} bytes): "
                    "split it. Nothing was imported."
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            dataset = format_rows.read_sheet(data, path.suffix.lower().lstrip("."))
        except format_rows.BadSheet as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from None
        rows = len(dataset)
        result = format_rows.import_catalogue(
            dataset, dry_run=dry_run, progress=lambda done: self.stdout.write(f"{done} of {rows} rows read")
        )
        for line in format_rows.report_lines(result):
            self.stdout.write(line)
        summary = format_rows.summary(result)
        if format_rows.is_refused(result):
            raise CommandError(f"{path}: {summary}. Nothing was imported: correct the rows named above.")
        self.stdout.write(f"{path.name}: {summary}{' (dry run: nothing written)' if dry_run else ''}.")
