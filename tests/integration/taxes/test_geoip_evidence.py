"""The IP address's country as a piece of tax evidence (issue 31, optional
GeoIP2): with SHOP_GEOIP2_DATABASE set, the checkout records the country of
the shopper's address; agreeing with the billing country it confirms it,
disagreeing it flags the order and the billing country stands; no database,
an unknown address or an unreadable file leave the piece empty and the
checkout goes on."""

import pytest
from cartridge.shop.models import Order

from shop_ext.taxes.evidence import add_card_country
from tests.client import Client
from tests.factories import TaxRateFactory
from tests.geoip_db import FRENCH_IP, GERMAN_IP, GERMAN_IPV6, UNKNOWN_IP, write_country_db
from tests.shopper import COMPLETE_URL, add_to_cart, checkout

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tax_on(settings):
    settings.SHOP_TAX_ENABLED = True
    TaxRateFactory(country="FR", tax_class="ebook")


@pytest.fixture
def geoip_db(settings, tmp_path):
    settings.SHOP_GEOIP2_DATABASE = str(write_country_db(tmp_path / "country.mmdb"))


@pytest.fixture
def french_order_from(book):
    """A French buyer's eBook order placed from the address ``ip``; its evidence."""

    def place(ip):
        client = Client(REMOTE_ADDR=ip)
        add_to_cart(client, book, option3="eBook")
        assert checkout(client, shipping=False, billing_detail_country="France")["Location"] == COMPLETE_URL
        return Order.objects.latest("id").tax_evidence

    return place


def test_an_ip_in_the_billing_country_confirms_it(geoip_db, french_order_from):
    evidence = french_order_from(FRENCH_IP)

    assert (evidence.ip_country, evidence.country, evidence.conflict) == ("FR", "FR", False)


@pytest.mark.parametrize("ip", [GERMAN_IP, GERMAN_IPV6])
def test_an_ip_elsewhere_flags_the_order_and_the_billing_country_stands(
    geoip_db, french_order_from, ip, caplog
):
    evidence = french_order_from(ip)

    assert (evidence.ip_country, evidence.country, evidence.conflict) == ("DE", "FR", True)
    assert any("IP address in DE" in record.getMessage() for record in caplog.records)


def test_a_card_from_the_billing_country_keeps_an_ip_conflict_flagged(geoip_db, french_order_from):
    evidence = french_order_from(GERMAN_IP)

    add_card_country(evidence.order_id, "fr")

    evidence.refresh_from_db()
    assert (evidence.card_country, evidence.ip_country, evidence.country, evidence.conflict) == (
        "FR",
        "DE",
        "FR",
        True,
    )


def test_an_address_the_database_does_not_know_leaves_the_piece_empty(geoip_db, french_order_from):
    evidence = french_order_from(UNKNOWN_IP)

    assert (evidence.ip_country, evidence.conflict) == ("", False)


def test_without_a_database_no_ip_country_is_looked_up(settings, french_order_from):
    settings.SHOP_GEOIP2_DATABASE = ""

    evidence = french_order_from(GERMAN_IP)

    assert (evidence.ip_country, evidence.conflict) == ("", False)


def test_an_unreadable_database_never_fails_the_checkout(settings, tmp_path, french_order_from, caplog):
    broken = tmp_path / "broken.mmdb"
    broken.write_bytes(b"not a MaxMind database")
    settings.SHOP_GEOIP2_DATABASE = str(broken)

    evidence = french_order_from(GERMAN_IP)

    assert (evidence.ip_country, evidence.country, evidence.conflict) == ("", "FR", False)
    assert any("cannot say where" in record.getMessage() for record in caplog.records)
