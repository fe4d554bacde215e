import os

import pytest
from cartridge.shop.models import Order
from django.core.management import call_command

from tests import factories
from tests.client import Client
from tests.s3_server import new_bucket, s3_server, storage_options

from .shopper import COMPLETE_URL, add_to_cart, checkout


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of this run's own: two runs at once (two terminals in
    one checkout, CI jobs on one PostgreSQL server) would otherwise create and
    drop the same database under each other."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        if db["ENGINE"] == "django.db.backends.sqlite3":
            if not test.get("NAME"):
                continue  # in memory: nothing shared
            # A file (project/settings/test.py), so that threads share it.
            test["NAME"] = test["NAME"].replace(".sqlite3", f"-pid{os.getpid()}.sqlite3")
        else:
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_pid{os.getpid()}"


@pytest.fixture
def client():
    """pytest-django's client fixture, with on_commit work run per request (tests/client.py)."""
    return Client()


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path):
    """Every test gets its own media and private roots, and an empty cache
    (counters and markers keyed by ids that the next test reuses)."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SENDFILE_ROOT = str(tmp_path / "private")
    cache.clear()


@pytest.fixture
def book(db):
    """The Lighthouse Keeper's Almanac: Paperback 12.99 (the default, 10 in
    stock), eBook 6.99 and Paperback + eBook 15.99 (10 in stock); the two
    with an eBook deliver an EPUB and a PDF (factories.book_with_files)."""
    return factories.book_with_files()


@pytest.fixture
def staff(client, admin_user):
    """The test client, signed in as a superuser (pytest-django's ``admin_user``)."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def demo(db):
    """The demo catalogue, as ``manage.py load_demo --force`` loads it (no accounts)."""
    call_command("load_demo", force=True, verbosity=0)


@pytest.fixture
def buyer(django_user_model):
    return django_user_model.objects.create_user("dana", "dana@example.com", "pw-dana-123")


@pytest.fixture
def place_order(client, buyer):
    """The buyer signs in, adds ``fmt`` of ``product`` and checks out."""

    def place(product, fmt="eBook", quantity=1):
        client.force_login(buyer)
        add_to_cart(client, product, quantity, option3=fmt)
        response = checkout(client, billing_detail_email=buyer.email)
        assert response.status_code == 302
        assert response["Location"] == COMPLETE_URL
        return Order.objects.filter(user_id=buyer.id).latest("id")

    return place


@pytest.fixture
def pay_order(django_capture_on_commit_callbacks):
    """Marks an order paid as staff or the payment webhook do, running what
    that queues on commit (grants made, email sent); returns it re-read."""
    from shop_ext.orders.actions import mark_order_paid

    def pay(order):
        with django_capture_on_commit_callbacks(execute=True):
            mark_order_paid(order)
        order.refresh_from_db()
        return order

    return pay


@pytest.fixture
def buy(place_order, pay_order):
    """The buyer buys ``fmt`` of ``product``; the order is paid."""

    def bought(product, fmt="eBook"):
        return pay_order(place_order(product, fmt))

    return bought


@pytest.fixture
def paid_order(book, buy):
    """An eBook order of ``buyer``, paid (grants made, email sent)."""
    return buy(book, "eBook")


# ------------------------------------------------- bad-input sweep counter
# tests/integration/core/test_bad_input_sweep.py counts the generated cases per endpoint
# group here; the terminal summary reports them (and what they found).
SWEEP_CASES = {}


def pytest_terminal_summary(terminalreporter):
    if not SWEEP_CASES:
        return
    terminalreporter.section("bad-input sweep")
    for group, count in sorted(SWEEP_CASES.items()):
        terminalreporter.write_line(f"{group:<16} {count:>5} cases")
    terminalreporter.write_line(f"{'total':<16} {sum(SWEEP_CASES.values()):>5} cases")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server for this run, started on first use (tests/s3_server.py)."""
    with s3_server(tmp_path_factory.mktemp("s3") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def s3_endpoint_checking_keys(tmp_path_factory):
    """A second moto server, one that refuses every key as AWS refuses a wrong one."""
    with s3_server(tmp_path_factory.mktemp("s3-keys") / "moto.log", checking_keys=True) as endpoint:
        yield endpoint


@pytest.fixture
def s3_private_storage(settings, s3_endpoint):
    """Private files in a new, empty bucket on the test S3 server."""
    from shop_ext.core.storage import private_storage

    bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "private": storage_options(s3_endpoint, bucket)}
    return private_storage
