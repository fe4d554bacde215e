"""Where an order's lines are supplied, from evidence recorded on the
order (docs/taxes.md, "Where the supply takes place"): digital lines where
the buyer is, physical lines where they are delivered."""

import logging

from django.conf import settings
from django.db import transaction
from django_countries import countries

from shop_ext.catalogue.availability import is_digital_only
from shop_ext.models import OrderTaxEvidence, VatCheck
from shop_ext.taxes.geoip import ip_country
from shop_ext.taxes.vat_numbers import EU_COUNTRIES, reverse_charged

log = logging.getLogger(__name__)


def country_code(name):
    """The ISO code of a country as the order keeps it (its English name,
    shop_ext.checkout.forms.CountryField), or "" for none."""
    return (countries.by_name(name) or "") if name else ""


def buyer_country(billing, *other_pieces):
    """(country, conflict) for digital lines: the billing country the buyer
    gave; a conflict when an independent piece (the card's issuing country,
    the IP country) names another one. Agreeing pieces confirm it; on a
    conflict staff check the order and the billing country stands."""
    return billing, any(piece and piece != billing for piece in other_pieces)


def supplied_in(variation, billing, delivery):
    """Where a line of ``variation`` is supplied: a download where the buyer
    is (``billing``), anything else where it is delivered."""
    if variation is not None and is_digital_only(variation):
        return billing
    return delivery or billing


def taxed_in(country, home):
    """Where a sale supplied in ``country`` is taxed: there, except that a
    shop established in the EU and not registered for the One-Stop Shop
    (SHOP_TAX_OSS_REGISTERED, below the EUR 10,000 threshold) charges its
    home rates on sales to buyers in other EU countries."""
    if not settings.SHOP_TAX_OSS_REGISTERED and home in EU_COUNTRIES and country in EU_COUNTRIES:
        return home
    return country


def record_at_checkout(order, ip, vat_check=None):
    """The order's evidence as the checkout knows it: the billing and
    delivery countries, the country of the shopper's address ``ip`` where a
    GeoIP2 database is configured, and a business buyer's VAT number with
    what its check said. The card's country comes when Stripe reports the
    payment (add_card_country)."""
    billing = country_code(order.billing_detail_country)
    from_ip = ip_country(ip)
    country, conflict = buyer_country(billing, from_ip)
    if conflict:
        log.warning(
            "Order #%s: billing country %s, IP address in %s: tax evidence disagrees, staff to check.",
            order.pk,
            billing,
            from_ip,
        )
    evidence = OrderTaxEvidence(
        order=order,
        billing_country=billing,
        delivery_country=country_code(order.shipping_detail_country),
        ip_country=from_ip,
        country=country,
        conflict=conflict,
    )
    if vat_check is not None:
        evidence.vat_number = vat_check.number
        evidence.vat_check = vat_check.status
        evidence.vat_checked_at = vat_check.checked_at
        evidence.vat_request_id = vat_check.request_id
        evidence.reverse_charge = reverse_charged(vat_check, settings.SHOP_TAX_HOME_COUNTRY)
    evidence.save()
    if evidence.vat_check == VatCheck.UNAVAILABLE:
        log.warning(
            "Order #%s: VIES could not check the buyer's VAT number: VAT charged, staff to check.", order.pk
        )
    return evidence


def add_card_country(order_id, card_country):
    """Stripe reported the paying card's issuing country: the second piece
    of evidence. A conflict with the billing country flags the order."""
    if not card_country:
        return None
    with transaction.atomic():
        evidence = OrderTaxEvidence.objects.select_for_update().filter(order_id=order_id).first()
        if evidence is None:
            return None
        evidence.card_country = card_country.upper()
        evidence.country, evidence.conflict = buyer_country(
            evidence.billing_country, evidence.card_country, evidence.ip_country
        )
        evidence.save(update_fields=["card_country", "country", "conflict"])
    if evidence.conflict:
        log.warning(
            "Order #%s: billing country %s, card issued in %s: tax evidence disagrees, staff to check.",
            order_id,
            evidence.billing_country,
            evidence.card_country,
        )
    return evidence
