"""The tax report (docs/taxes.md, "The tax report"): sales by country,
class and rate (net, tax, gross) over a period, refunds netted, in the
shop's currency: the table of the OSS quarterly return. Read by
``manage.py tax_report`` and the admin's "Tax report" page.

A sale counts on the day its invoice number was given (the day it was
paid); a refund on the day it was made, less those that failed at the
provider."""

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django_countries import countries

from shop_ext.models import OrderTaxLine, RefundTaxLine, TaxClass

ZERO = Decimal("0.00")
HEADER = [
    "country",
    "country_name",
    "tax_class",
    "rate",
    "sales_net",
    "sales_tax",
    "sales_gross",
    "refunds_net",
    "refunds_tax",
    "refunds_gross",
    "net",
    "tax",
    "gross",
    "currency",
]
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ReportRow:
    country: str
    tax_class: str
    rate: Decimal
    sales: list = field(default_factory=lambda: [ZERO] * 3)  # net, tax, gross
    refunds: list = field(default_factory=lambda: [ZERO] * 3)

    @property
    def net(self):
        return self.sales[0] - self.refunds[0]

    @property
    def tax(self):
        return self.sales[1] - self.refunds[1]

    @property
    def gross(self):
        return self.sales[2] - self.refunds[2]


def tax_report(first_day, last_day):
    """The rows of the report from ``first_day`` to ``last_day`` (dates,
    both included, in the shop's time zone), by country, class and rate."""
    rows = {}

    def add(lines, which):
        for line in lines:
            key = (str(line.country), line.tax_class, line.rate)
            totals = getattr(rows.setdefault(key, ReportRow(*key)), which)
            for i, value in enumerate((line.net, line.tax, line.gross)):
                totals[i] += value

    add(
        OrderTaxLine.objects.filter(
            order__invoice_number__issued_at__date__gte=first_day,
            order__invoice_number__issued_at__date__lte=last_day,
        ),
        "sales",
    )
    add(
        RefundTaxLine.objects.filter(
            refund__created_at__date__gte=first_day,
            refund__created_at__date__lte=last_day,
            refund__failed_at__isnull=True,
        ),
        "refunds",
    )
    return [rows[key] for key in sorted(rows)]


def totals(rows):
    """Net, tax and gross over every row."""
    summed = defaultdict(lambda: ZERO)
    for row in rows:
        for name in ("net", "tax", "gross"):
            summed[name] += getattr(row, name)
    return {name: summed[name] for name in ("net", "tax", "gross")}


def safe_cell(value):
    """Text a spreadsheet shows as text: one that would start a formula is
    prefixed with a quote. Numbers are written by us and left as they are
    (a refund's negative net is no formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows, out):
    """The report as CSV into ``out`` (a text file)."""
    writer = csv.writer(out)
    writer.writerow(HEADER)
    currency = settings.SHOP_PAYMENT_CURRENCY.upper()
    for row in rows:
        cells = [
            row.country,
            countries.name(row.country) or row.country,
            str(TaxClass(row.tax_class).label),
            row.rate,
            *row.sales,
            *row.refunds,
            row.net,
            row.tax,
            row.gross,
            currency,
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
