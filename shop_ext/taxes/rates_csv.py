"""Tax rates from a CSV file (``manage.py load_tax_rates``): the file the
shop ships (data/tax_rates-<date>.csv, dated, its sources named) or the owner's own.

Columns: country (ISO 3166 alpha-2), tax_class, rate (percent), valid_from
(YYYY-MM-DD), source. Lines starting with # are comments."""

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django_countries import countries

from shop_ext.models import TaxClass, TaxRate

SHIPPED = Path(__file__).parent / "data" / "tax_rates-2025-01-01.csv"
COLUMNS = ["country", "tax_class", "rate", "valid_from", "source"]


class BadRates(ValueError):
    """The file cannot be loaded; the message names the line and the field."""


@dataclass
class Loaded:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def read_rows(lines):
    """Each data row as (country, tax_class, rate, valid_from, source), checked."""
    data = (line for line in lines if line.strip() and not line.lstrip().startswith("#"))
    reader = csv.reader(data)
    header = next(reader, None)
    if header is None or [name.strip() for name in header] != COLUMNS:
        raise BadRates(f"The first row must name the columns {','.join(COLUMNS)}, not {header}.")
    rows, seen = [], set()
    for row in reader:
        where = f"Row {reader.line_num}"
        if len(row) != len(COLUMNS):
            raise BadRates(f"{where}: {len(COLUMNS)} columns expected, {len(row)} found.")
        country, tax_class, rate, valid_from, source = (value.strip() for value in row)
        if country.upper() not in countries:
            raise BadRates(f"{where}: {country!r} is no ISO 3166 country code.")
        if tax_class not in TaxClass.values:
            raise BadRates(f"{where}: {tax_class!r} is no tax class ({', '.join(TaxClass.values)}).")
        try:
            percent = Decimal(rate)
        except InvalidOperation:
            raise BadRates(f"{where}: {rate!r} is no number.") from None
        if (
            not percent.is_finite()
            or not Decimal(0) <= percent <= Decimal(100)
            or percent != round(percent, 2)
        ):
            raise BadRates(
                f"{where}: the rate {rate} must be a percentage from 0 to 100, at most 2 decimals."
            )
        try:
            day = date.fromisoformat(valid_from)
        except ValueError:
            raise BadRates(f"{where}: {valid_from!r} is no date (YYYY-MM-DD).") from None
        key = (country.upper(), tax_class, day)
        if key in seen:
            raise BadRates(f"{where}: a second rate for {country} {tax_class} from {day}.")
        seen.add(key)
        rows.append((*key[:2], percent, day, source[:200]))
    return rows


def load(lines):
    """Add the file's rates, or update those of the same country, class and
    day: loading a file twice changes nothing. All or nothing."""
    result = Loaded()
    rows = read_rows(lines)
    with transaction.atomic():
        for country, tax_class, rate, valid_from, source in rows:
            row, created = TaxRate.objects.get_or_create(
                country=country,
                tax_class=tax_class,
                valid_from=valid_from,
                defaults={"rate": rate, "source": source},
            )
            if created:
                result.created += 1
            elif (row.rate, row.source) != (rate, source):
                row.rate, row.source = rate, source
                row.save(update_fields=["rate", "source"])
                result.changed += 1
            else:
                result.unchanged += 1
    return result
