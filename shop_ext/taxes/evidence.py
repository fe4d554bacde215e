"""Where an order's lines are supplied, from evidence recorded on the
order (docs/taxes.md, "Where the supply takes place"): digital lines where
the buyer is, physical lines where they are delivered."""

import logging

from django.db import transaction
from django_countries import countries

from shop_ext.models import OrderTaxEvidence
from shop_ext.taxes.geoip import ip_country

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


def record_at_checkout(order, ip):
    """The order's evidence as the checkout knows it: the billing and
    delivery countries, and the country of the shopper's address ``ip``
    where a GeoIP2 database is configured. The card's country comes when
    Stripe reports the payment (add_card_country)."""
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
    return OrderTaxEvidence.objects.create(
        order=order,
        billing_country=billing,
        delivery_country=country_code(order.shipping_detail_country),
        ip_country=from_ip,
        country=country,
        conflict=conflict,
    )


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
