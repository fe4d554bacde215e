"""What every page read again on each request (Mezzanine's editable
settings, the site of the host, each format's ISBN, a category's options)
is read once, and a change still shows on the next request: a setting or
a site edited in the admin, an ISBN added. Pages built on every request
(SHOP_PAGE_CACHE_SECONDS = 0), as on a miss of the page cache."""

import pytest
from django.contrib.sites.models import Site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from mezzanine.core import request as mezzanine_request

from shop_ext.catalogue import isbns
from tests.client import Client
from tests.factories import CategoryFactory, DiscountCodeFactory, make_book, variation
from tests.shopper import CART_URL, add_to_cart

pytestmark = pytest.mark.django_db

# Per built page, on SQLite through the test client (docs/benchmarks.md run 14:
# PostgreSQL, bench/pages.py's pages).
CATEGORY_PAGE_QUERIES = 14
PRODUCT_PAGE_QUERIES = 15


@pytest.fixture(autouse=True)
def pages_built(settings):
    settings.SHOP_PAGE_CACHE_SECONDS = 0


def queries_of(client, url):
    client.get(url)  # the first request of a process reads what the next ones reuse
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def read_tables(sqls, *tables):
    return [sql for sql in sqls if any(f'FROM "{table}"' in sql for table in tables)]


def test_a_built_page_reads_no_setting_or_site_row(client, harbour, category):
    for url in (category.get_absolute_url(), harbour.get_absolute_url()):
        assert read_tables(queries_of(client, url), "conf_setting", "django_site") == []


def test_query_counts_of_built_pages(client, harbour, category, django_assert_num_queries):
    client.get(category.get_absolute_url())
    with django_assert_num_queries(CATEGORY_PAGE_QUERIES):
        client.get(category.get_absolute_url())
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES):
        client.get(harbour.get_absolute_url())


def test_a_product_page_reads_every_isbn_in_one_query(client):
    one = make_book({"Paperback": "10.00"}, title="One format")
    three = make_book({"Paperback": "10.00", "eBook": "5.00", "Paperback + eBook": "12.00"}, title="Three")
    for number, (fmt, isbn13) in enumerate(
        [("Paperback", "9780306406157"), ("eBook", "9781402894626"), ("Paperback + eBook", "9780141036144")]
    ):
        isbns.set_isbn(variation(three, option3=fmt), isbn13)
        if number == 0:
            isbns.set_isbn(variation(one, option3=fmt), "9780262033848")
    on_one = queries_of(client, one.get_absolute_url())
    on_three = queries_of(client, three.get_absolute_url())
    assert len(read_tables(on_three, "shop_ext_variationisbn")) == 1
    assert len(on_three) == len(on_one)
    page = client.get(three.get_absolute_url()).content.decode()
    assert "978-1-4028-9462-6" in page
    assert "978-0-14-103614-4" in page


def test_a_setting_edited_in_the_admin_shows_on_the_next_request(client, admin_client, harbour):
    DiscountCodeFactory(code="TENOFF", discount_percent=10)
    add_to_cart(client, harbour)
    assert client.get(CART_URL).context.get("discount_form") is not None
    url = "/admin/conf/setting/"
    form = admin_client.get(url).context["settings_form"]
    values = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in values.items() if value is not None and value is not False}
    del data["SHOP_DISCOUNT_FIELD_IN_CART"]  # unticked
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["settings_form"].errors
    assert client.get(CART_URL).context.get("discount_form") is None


def test_a_setting_changed_without_a_signal_shows_once_its_copy_is_old(client, harbour, monkeypatch):
    """A row updated by a data migration or a shell (no signal, so no new
    version) shows once a process's copy is MAX_AGE_SECONDS old."""
    from mezzanine.conf.models import Setting

    from shop_ext.core import editable_settings

    DiscountCodeFactory(code="TENOFF", discount_percent=10)
    add_to_cart(client, harbour)
    Setting.objects.create(name="SHOP_DISCOUNT_FIELD_IN_CART", value="False", site_id=1)  # a signal
    assert client.get(CART_URL).context.get("discount_form") is None
    Setting.objects.filter(name="SHOP_DISCOUNT_FIELD_IN_CART").update(value="True")  # no signal
    assert client.get(CART_URL).context.get("discount_form") is None  # the process's copy
    monkeypatch.setattr(editable_settings, "MAX_AGE_SECONDS", 0)
    assert client.get(CART_URL).context.get("discount_form") is not None


@pytest.fixture
def keep_current_request():
    """Mezzanine keeps the last request in a thread-local: put it back, so
    no later test sees another host's site."""
    kept = mezzanine_request.current_request()
    yield
    mezzanine_request._thread_local.request = kept


def test_a_site_added_for_a_host_serves_that_host_at_once(client, category, keep_current_request):
    on_localhost = Client(HTTP_HOST="localhost")
    assert b"Fiction" in on_localhost.get("/").content  # no site of its own yet: the default one
    second = Site.objects.create(domain="LocalHost", name="Second shop")
    CategoryFactory(title="Poetry", site=second)
    page = on_localhost.get("/").content
    assert b"Poetry" in page
    assert b"Fiction" not in page
    second.domain = "elsewhere.example"
    second.save()
    assert b"Fiction" in on_localhost.get("/").content
    assert b"Poetry" not in client.get("/").content
