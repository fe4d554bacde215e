"""Load tax rates from a CSV file: the dated one the shop ships, or the owner's."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shop_ext.taxes import rates_csv


class Command(BaseCommand):
    help = (
        "Add tax rates from a CSV file (country,tax_class,rate,valid_from,source), or update those of "
        "the same country, class and day; without a path, the file the shop ships. The owner must keep "
        "the rates current (docs/taxes.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=rates_csv.SHIPPED)

    def handle(self, *args, path, **options):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            loaded = rates_csv.load(text.splitlines())
        except rates_csv.BadRates as error:
            raise CommandError(f"{path}: {error} Nothing was loaded.") from None
        self.stdout.write(
            f"{path.name}: {loaded.created} rate(s) added, {loaded.changed} changed, "
            f"{loaded.unchanged} unchanged."
        )
