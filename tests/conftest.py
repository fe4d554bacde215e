import os
from decimal import Decimal

import pytest
from cartridge.shop.models import Order
from django.core.files.base import ContentFile

from shop_ext.models import Book, ProductFile

BILLING = {
    "billing_detail_first_name": "Dana",
    "billing_detail_last_name": "Reader",
    "billing_detail_street": "1 Paper Lane",
    "billing_detail_city": "Bookham",
    "billing_detail_state": "",
    "billing_detail_postcode": "BK1 2AB",
    "billing_detail_country": "UK",
    "billing_detail_phone": "0123456789",
    "billing_detail_email": "dana@example.com",
}
# A browser posts the shipping inputs too (empty when "same as billing").
SHIPPING_INPUTS = {key.replace("billing_", "shipping_"): "" for key in BILLING if key != "billing_detail_email"}
EPUB = b"PK\x03\x04" + b"demo epub bytes " * 64
PDF = b"%PDF-1.4\n" + b"demo pdf bytes " * 128


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of this run's own on a shared server (PostgreSQL):
    two runs at once (two checkouts, CI jobs) would otherwise create and
    drop the same ``test_<name>`` under each other. SQLite is unaffected."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        if db["ENGINE"] == "django.db.backends.sqlite3":
            continue
        test = db.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_pid{os.getpid()}"


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path):
    """Every test gets its own media and private roots."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SENDFILE_ROOT = str(tmp_path / "private")


def make_book(title="The Lighthouse Keeper's Almanac", files=(("almanac.epub", EPUB), ("almanac.pdf", PDF))):
    """A Book in three formats, built as the admin does; its files are
    delivered by the eBook and Paperback + eBook variations."""
    book = Book.objects.create(title=title, author="Mara Quill", isbn="978-1-4028-9462-6", available=True)
    book.variations.create_from_options({"option3": ["Paperback", "eBook", "Paperback + eBook"]})
    book.variations.manage_empty()
    prices = {"Paperback": "12.99", "eBook": "6.99", "Paperback + eBook": "15.99"}
    for variation in book.variations.all():
        variation.unit_price = Decimal(prices[variation.option3])
        variation.num_in_stock = None if variation.option3 == "eBook" else 10
        variation.default = variation.option3 == "Paperback"
        variation.save()
    book.copy_default_variation()
    digital = book.variations.filter(option3__in=["eBook", "Paperback + eBook"])
    for name, data in files:
        product_file = ProductFile(product=book, file=ContentFile(data, name=name))
        product_file.save()
        product_file.variations.set(digital)
    return book


def variation(product, fmt):
    return product.variations.get(option3=fmt)


@pytest.fixture
def book(db):
    return make_book()


@pytest.fixture
def buyer(django_user_model):
    return django_user_model.objects.create_user("dana", "dana@example.com", "pw-dana-123")


def add_to_cart(client, product, fmt, quantity=1):
    return client.post(product.get_absolute_url(), {"option3": fmt, "quantity": quantity})


def checkout(client, extra=None):
    """Walk Cartridge's two checkout steps as a browser does (the
    confirmation step re-posts the details as hidden fields)."""
    details = {**BILLING, **SHIPPING_INPUTS, "same_billing_shipping": "on", **(extra or {})}
    response = client.post("/shop/checkout/", {**details, "step": 1})
    assert response.status_code == 200, response.content[:500]
    return client.post("/shop/checkout/", {**details, "step": 2})


@pytest.fixture
def place_order(client, buyer):
    """The buyer signs in, adds ``fmt`` of ``product`` and checks out."""

    def place(product, fmt="eBook", quantity=1):
        client.force_login(buyer)
        add_to_cart(client, product, fmt, quantity)
        response = checkout(client)
        assert response.status_code == 302 and response["Location"].endswith("/shop/checkout/complete/")
        return Order.objects.filter(user_id=buyer.id).latest("id")

    return place


@pytest.fixture
def paid_order(book, place_order, django_capture_on_commit_callbacks):
    """An eBook order of ``buyer``, paid (grants made, email sent)."""
    from shop_ext.orders import mark_order_paid

    order = place_order(book, "eBook")
    with django_capture_on_commit_callbacks(execute=True):
        mark_order_paid(order)
    order.refresh_from_db()
    return order


# ------------------------------------------------- bad-input sweep counter
# tests/test_bad_input_sweep.py counts the generated cases per endpoint
# group here; the terminal summary reports them (and what they found).
SWEEP_CASES = {}


def pytest_terminal_summary(terminalreporter):
    if not SWEEP_CASES:
        return
    terminalreporter.section("bad-input sweep")
    for group, count in sorted(SWEEP_CASES.items()):
        terminalreporter.write_line(f"{group:<16} {count:>5} cases")
    terminalreporter.write_line(f"{'total':<16} {sum(SWEEP_CASES.values()):>5} cases")
