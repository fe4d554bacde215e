"""The one rule for "at which rate is this taxed": a line's tax class, and
the rate of a country and class in force on a day."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django_countries import countries

from shop_ext.catalogue.availability import format_field, is_digital_only
from shop_ext.models import ProductTaxClass, TaxClass, TaxRate


class RateMissing(Exception):
    """No rate is known for a class in a country on a day: nothing may be
    sold there at a guessed rate."""

    def __init__(self, country, tax_class, day):
        self.country, self.tax_class, self.day = country, tax_class, day
        super().__init__(
            _("We cannot work out the tax on %(class)s for %(country)s yet, so we cannot sell it there.")
            % {"class": TaxClass(tax_class).label.lower(), "country": countries.name(country) or country}
        )


def tax_class_of(variation):
    """The class a variation is taxed under: the product's own choice for
    its format (or for every format), else by its format: downloads are
    ebooks, other formats printed books, and a product without a format
    (a T-shirt) is standard rated."""
    fmt = getattr(variation, format_field(), None) or ""
    chosen = dict(
        ProductTaxClass.objects.filter(product_id=variation.product_id).values_list("format", "tax_class")
    )
    if fmt in chosen:
        return chosen[fmt]
    if "" in chosen:
        return chosen[""]
    if not fmt:
        return TaxClass.STANDARD
    return TaxClass.EBOOK if is_digital_only(variation) else TaxClass.PRINTED_BOOK


def rate_on(country, tax_class, day):
    """The rate (a percentage, Decimal) of ``tax_class`` in ``country`` on
    ``day``: the row with the latest ``valid_from`` not after it, so a new
    rate applies from its first day, to carts already open too."""
    if tax_class == TaxClass.ZERO:
        return Decimal("0.00")
    row = (
        TaxRate.objects.filter(country=country, tax_class=tax_class, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if row is None:
        raise RateMissing(country, tax_class, day)
    return row
