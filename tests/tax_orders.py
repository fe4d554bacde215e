"""Orders across borders for the tax tests: the rates of three countries,
and a buyer checking out and paying by card (the fake Stripe) from where
the test says."""

from datetime import date
from decimal import Decimal

from cartridge.shop.models import Order

from tests.factories import TaxRateFactory
from tests.shopper import COMPLETE_URL, add_to_cart, checkout

GERMAN_DELIVERY = {
    "shipping_detail_first_name": "Ada",
    "shipping_detail_last_name": "Byron",
    "shipping_detail_street": "Hauptstr. 1",
    "shipping_detail_city": "Berlin",
    "shipping_detail_state": "Berlin",
    "shipping_detail_postcode": "10115",
    "shipping_detail_country": "Germany",
    "shipping_detail_phone": "030 123",
}


def load_rates(settings):
    """Tax on; France 20% (books 5.5%), Germany 19% (books 7%), the UK 20% (books 0%)."""
    settings.SHOP_TAX_ENABLED = True
    since = date(2025, 1, 1)
    for country, standard, books in (("FR", "20", "5.5"), ("DE", "19", "7"), ("GB", "20", "0")):
        TaxRateFactory(country=country, tax_class="standard", rate=Decimal(standard), valid_from=since)
        TaxRateFactory(country=country, tax_class="printed_book", rate=Decimal(books), valid_from=since)
        TaxRateFactory(country=country, tax_class="ebook", rate=Decimal(books), valid_from=since)


def buy_by_card(client, stripe_api, send_event, lines, **details):
    """Put ``lines`` ((product, format) pairs) in the cart, check out with
    ``details`` (shipping=False and the delivery fields for a delivery
    elsewhere) and pay at the fake Stripe (the webhook received). Returns
    the paid order."""
    for product, fmt in lines:
        add_to_cart(client, product, option3=fmt)
    placed = checkout(client, **details)
    assert placed["Location"] == COMPLETE_URL
    order = Order.objects.latest("id")
    assert client.get(COMPLETE_URL).status_code == 302
    payment = order.payments.get()
    send_event("checkout.session.completed", stripe_api.complete(payment.session_id))
    order.refresh_from_db()
    return order
