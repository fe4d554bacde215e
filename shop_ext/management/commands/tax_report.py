"""The tax report as CSV: sales by country, class and rate over a period,
refunds netted (docs/taxes.md, "The tax report")."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from shop_ext.taxes.report import tax_report, write_csv


def iso_date(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is no date: write it YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Sales by country, tax class and rate (net, tax, gross) from --from to --to (both included), "
        "refunds netted, as CSV: the table of the OSS quarterly return."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first_day", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last_day", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--output", help="the CSV file to write (default: standard output)")

    def handle(self, *args, first_day, last_day, output, **options):
        first_day, last_day = iso_date(first_day), iso_date(last_day)
        if first_day > last_day:
            raise CommandError(f"--from {first_day} is after --to {last_day}.")
        rows = tax_report(first_day, last_day)
        if output is None:
            write_csv(rows, self.stdout)
            return
        try:
            with open(output, "w", newline="", encoding="utf-8") as out:
                write_csv(rows, out)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from None
        self.stderr.write(f"{output}: {len(rows)} row(s) from {first_day} to {last_day}.")
