"""Business buyers' EU VAT numbers (docs/taxes.md, "Business buyers"): the
format, checked by python-stdnum, and, with SHOP_VIES_CHECK, the answer of
the EU's VIES service. VIES down or slow never fails a checkout: the
answer is then "unavailable", VAT is charged and staff refund it later."""

import logging
from dataclasses import asdict, dataclass

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from stdnum.eu import vat
from stdnum.exceptions import ValidationError

from shop_ext.models import VatCheck

log = logging.getLogger(__name__)

# Longer than any EU VAT number with its prefix and a few separators: a
# longer post is refused before stdnum reads it.
MAX_LENGTH = 30
# Where a VAT number's prefix is not the country's ISO code.
PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
COUNTRY_PREFIX = {"GR": "EL"}
# EU member states, by ISO code (Northern Ireland's XI numbers are GB's).
EU_COUNTRIES = frozenset(code.upper() for code in vat.MEMBER_STATES) - {"XI"}


class BadVatNumber(ValueError):
    """A VAT number that cannot be used; the message says why, for the buyer."""


@dataclass(frozen=True)
class VatNumberCheck:
    """A number (with its prefix) and what was found about it."""

    number: str
    status: str
    checked_at: str = ""
    request_id: str = ""

    @property
    def country(self):
        return PREFIX_COUNTRY.get(self.number[:2], self.number[:2])

    def as_dict(self):
        return asdict(self)


def clean(value, billing_country):
    """The number as typed, compacted to its prefixed form (the billing
    country's prefix added when it has none). Raises BadVatNumber when it is
    too long, malformed, or of another country than ``billing_country``."""
    value = (value or "").strip()
    if len(value) > MAX_LENGTH:
        raise BadVatNumber(_("This is too long for a VAT number."))
    if billing_country not in EU_COUNTRIES:
        raise BadVatNumber(
            _("VAT numbers are for business buyers in the EU: %(country)s is not in the EU.")
            % {"country": countries.name(billing_country) or billing_country}
        )
    try:
        number = vat.compact(value)
    except ValidationError:
        number = ""
    if not number[:2].isalpha():
        number = COUNTRY_PREFIX.get(billing_country, billing_country) + number
    country = PREFIX_COUNTRY.get(number[:2], number[:2])
    if country in EU_COUNTRIES | {"GB"} and country != billing_country:
        raise BadVatNumber(
            _("This VAT number is from %(number_country)s, but your billing country is %(country)s.")
            % {"number_country": countries.name(country), "country": countries.name(billing_country)}
        )
    try:
        vat.validate(number)
    except ValidationError:
        raise BadVatNumber(
            _("This is not a valid VAT number for %(country)s: please check it.")
            % {"country": countries.name(billing_country)}
        ) from None
    return number


def check(number):
    """What is known of a well-formed ``number``: by its format only, or
    VIES's answer (valid, invalid, or unavailable when VIES errs, is down
    or takes longer than SHOP_VIES_TIMEOUT_SECONDS)."""
    if not settings.SHOP_VIES_CHECK:
        return VatNumberCheck(number, VatCheck.FORMAT_ONLY)
    country = PREFIX_COUNTRY.get(number[:2], number[:2])
    asked_at = timezone.now().isoformat()
    try:
        response = requests.post(
            settings.SHOP_VIES_URL,
            json={"countryCode": number[:2], "vatNumber": number[2:]},
            timeout=settings.SHOP_VIES_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        answer = response.json()
        valid = answer["valid"]
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        log.warning("VIES could not check a VAT number of %s: %s", country, type(error).__name__)
        return VatNumberCheck(number, VatCheck.UNAVAILABLE, asked_at)
    if not isinstance(valid, bool):
        log.warning("VIES answered a VAT number of %s without a yes or no", country)
        return VatNumberCheck(number, VatCheck.UNAVAILABLE, asked_at)
    return VatNumberCheck(
        number,
        VatCheck.VALID if valid else VatCheck.INVALID,
        str(answer.get("requestDate") or asked_at)[:40],
        str(answer.get("requestIdentifier") or "")[:40],
    )


def reverse_charged(vat_check, home_country):
    """A business in another EU country than the shop's, its number valid
    (by VIES, or by its format when VIES is not asked), accounts for the VAT
    itself: the lines are charged 0%."""
    return (
        vat_check is not None
        and vat_check.status in (VatCheck.VALID, VatCheck.FORMAT_ONLY)
        and home_country in EU_COUNTRIES
        and vat_check.country in EU_COUNTRIES
        and vat_check.country != home_country
    )
