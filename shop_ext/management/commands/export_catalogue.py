"""Export the catalogue to a spreadsheet that import_catalogue reads back."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shop_ext.catalogue import format_rows


class Command(BaseCommand):
    help = "Write every format of every product, one row each, to a .csv or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        file_format = path.suffix.lower().lstrip(".")
        if file_format not in format_rows.FORMATS:
            raise CommandError(f"{path}: name a .csv or .xlsx file.")
        dataset = format_rows.export_catalogue()
        data = format_rows.write_sheet(dataset, file_format)
        try:
            if isinstance(data, str):
                path.write_text(data, encoding="utf-8")
            else:
                path.write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from None
        self.stdout.write(f"{path.name}: {len(dataset)} format(s) written.")
