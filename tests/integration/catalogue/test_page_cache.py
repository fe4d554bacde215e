"""Anonymous pages come from the shared cache (no query on a warm hit), and
every change shows on the next request: an edit in the admin, a sale
starting or ending by the clock, stock sold. Signed-in shoppers and carts
are never served from it, and nothing personal is stored in it."""

import re
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from shop_ext.catalogue import stock
from tests.admin_forms import admin_form_data
from tests.client import Client
from tests.factories import CategoryFactory, SaleFactory, make_book, variation
from tests.shopper import add_to_cart

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
EMPTY_TOKEN = b'name="csrfmiddlewaretoken" value=""'


def stored_pages():
    """The page entries now in the (in-memory) cache."""
    return [key for key in cache._cache if re.match(r":\d+:pages:v\d+:\d+:", key)]


def test_a_warm_page_costs_no_query(client, harbour, category, django_assert_num_queries):
    for url in ("/", category.get_absolute_url(), harbour.get_absolute_url()):
        first = client.get(url)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.status_code == 200
        assert again.context is None  # served, not rendered
        assert again.content.count(b"The Harbour") == first.content.count(b"The Harbour") > 0


def test_common_search_results_are_cached_one_off_queries_are_not(client, harbour, django_assert_num_queries):
    for _ in range(3):
        assert b"The Harbour" in client.get("/search/?q=harbour").content
    with django_assert_num_queries(0):
        assert b"The Harbour" in client.get("/search/?q=harbour").content
    client.get("/search/?q=lighthouse")
    assert len(stored_pages()) == 1


def test_signed_in_shoppers_are_never_served_from_the_cache(client, harbour, admin_user):
    Client().get(harbour.get_absolute_url())  # stored by an anonymous visit
    client.force_login(admin_user)
    response = client.get(harbour.get_absolute_url())
    assert response.context is not None
    assert b"Signed in as" in response.content


def test_a_shopper_with_a_cart_sees_their_cart_and_it_is_never_stored(client, harbour):
    add_to_cart(client, harbour, option3="Paperback")
    for _ in range(2):
        response = client.get(harbour.get_absolute_url())
        assert response.context is not None
        assert re.search(rb'class="cart-count">1<', response.content)
    stranger = Client().get(harbour.get_absolute_url())
    assert re.search(rb'class="cart-count">0<', stranger.content)


def test_a_cached_page_is_the_same_for_every_browser_and_carries_nothing_of_anyone(harbour):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [browser.get(harbour.get_absolute_url()) for browser in (first, second)]
    assert pages[1].context is None  # from the cache
    assert pages[0].content == pages[1].content
    for page in pages:
        assert not page.cookies  # no session, no CSRF cookie
        assert "private" not in page.get("Cache-Control", "")
        assert EMPTY_TOKEN in page.content  # the Buy form's, filled in by the browser
        assert not TOKEN.search(page.content.decode())


def test_pages_go_to_nginx_to_the_end_of_the_second(client, harbour, category):
    with time_machine.travel(timezone.now().replace(microsecond=300_000) + timedelta(seconds=1), tick=False):
        for url in ("/", category.get_absolute_url(), harbour.get_absolute_url()):
            for _ in range(2):  # stored, then a hit
                assert client.get(url)["X-Accel-Expires"] == f"@{int(time.time())}"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("/fiction/", True),
        ("/fiction/?utm_source=news", False),
        ("/fiction/?sort=bogus", False),
        ("/fiction/?page=1&page=1", False),
        ("/fiction/?", False),
        ("/fict%69on/", False),
        ("/search/?q=harbour&type=shop.Product", True),
        ("/search/?type=shop.Product&q=harbour", False),
    ],
)
def test_nginx_keeps_only_the_one_spelling_of_a_stored_page(client, harbour, category, sent, kept):
    """gunicorn gives the address as sent in RAW_URI; nginx's key is that."""
    for stored in ("/fiction/", "/search/?q=harbour&type=shop.Product"):
        for _ in range(3):  # a search is stored once asked a few times
            client.get(stored)
    path, _, query = sent.partition("?")
    response = client.get(unquote(path), QUERY_STRING=query, RAW_URI=sent)
    assert response.status_code == 200
    assert ("X-Accel-Expires" in response) is kept


def test_nginx_keeps_no_page_built_for_one_browser(client, harbour, category):
    assert "X-Accel-Expires" not in client.get("/search/?q=harbour")  # asked once: not stored
    add_to_cart(client, harbour, option3="Paperback")
    assert "X-Accel-Expires" not in client.get(category.get_absolute_url())  # a cart


def test_nginx_keeps_no_page_that_the_clock_changes_within_the_second(
    client, harbour, category, django_capture_on_commit_callbacks
):
    starts = timezone.now().replace(microsecond=500_000) + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        SaleFactory(categories=[category], discount_percent=Decimal("20"), valid_from=starts)
    with time_machine.travel(starts - timedelta(milliseconds=200), tick=False):
        for expected in ("miss", "hit"):
            response = client.get(category.get_absolute_url())
            assert response["X-Page-Cache"] == expected
            assert "X-Accel-Expires" not in response
    with time_machine.travel(starts - timedelta(seconds=1), tick=False):
        assert "X-Accel-Expires" in client.get(harbour.get_absolute_url())


def test_a_price_edited_in_the_admin_shows_on_the_next_request(client, harbour, category, admin_user):
    for url in ("/", category.get_absolute_url(), harbour.get_absolute_url()):
        assert b"$10.00" in client.get(url).content
    staff = Client()
    staff.force_login(admin_user)
    url = f"/admin/shop_ext/book/{harbour.pk}/change/"
    data = admin_form_data(staff.get(url))
    data["variations-0-unit_price"] = "14.00"
    assert staff.post(url, data).status_code == 302
    for url in ("/", category.get_absolute_url(), harbour.get_absolute_url()):
        html = client.get(url).content
        assert b"$14.00" in html
        assert b"$10.00" not in html


def test_a_sale_starts_and_ends_by_the_clock(client, harbour, category, django_capture_on_commit_callbacks):
    # Sooner than SHOP_PAGE_CACHE_SECONDS: the sale's own dates must end the entries.
    starts = timezone.now() + timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        SaleFactory(
            categories=[category],
            discount_percent=Decimal("20"),
            valid_from=starts,
            valid_to=starts + timedelta(minutes=3),
        )
    pages = (harbour.get_absolute_url(), category.get_absolute_url(), "/")
    for url in pages:
        client.get(url)
        assert b"old-price" not in client.get(url).content  # stored, no sale yet
    with time_machine.travel(starts + timedelta(seconds=1)):
        for url in pages:
            assert b"$8.00" in client.get(url).content
            assert b"$8.00" in client.get(url).content
    with time_machine.travel(starts + timedelta(minutes=3, seconds=1)):
        for url in pages:
            html = client.get(url).content
            assert b"$8.00" not in html
            assert b"$10.00" in html


def test_stock_sold_shows_on_the_product_page(client, harbour, django_capture_on_commit_callbacks):
    paperback = variation(harbour, option3="Paperback")
    assert b"Only 3 copies left" in client.get(harbour.get_absolute_url()).content
    with django_capture_on_commit_callbacks(execute=True):
        assert stock.decrement(paperback.id, 3)
    html = client.get(harbour.get_absolute_url()).content
    assert b"Only 3 copies left" not in html
    assert b"Sold out" in html


def test_copies_held_in_a_cart_show_on_the_product_page(client, harbour):
    assert b"Only 3 copies left" in client.get(harbour.get_absolute_url()).content
    add_to_cart(Client(), harbour, quantity=3, option3="Paperback")
    assert b"Sold out" in client.get(harbour.get_absolute_url()).content


def test_a_category_edit_shows_on_every_page(client, harbour, category, django_capture_on_commit_callbacks):
    assert b"Fiction" in client.get(harbour.get_absolute_url()).content
    assert b"Fiction" in client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        category.title = "Novels"
        category.save()
    for url in (harbour.get_absolute_url(), "/", category.get_absolute_url()):
        assert b"Novels" in client.get(url).content  # the menus


def test_a_product_added_to_a_category_shows_on_its_page(
    client, category, django_capture_on_commit_callbacks
):
    assert b"The Lighthouse" not in client.get(category.get_absolute_url()).content
    with django_capture_on_commit_callbacks(execute=True):
        make_book({"Paperback": "9.00"}, title="The Lighthouse").categories.add(category)
    assert b"The Lighthouse" in client.get(category.get_absolute_url()).content


@pytest.mark.parametrize(
    ("query", "normal"), [("?x=1", ""), ("?utm_source=news&page=2", "?page=2"), ("?page=1&page=1", "?page=1")]
)
def test_other_parameters_add_no_entry(client, category, query, normal, django_assert_num_queries):
    assert client.get(category.get_absolute_url() + query).status_code == 200
    assert stored_pages() == []  # built, not stored
    client.get(category.get_absolute_url() + normal)
    with django_assert_num_queries(0):
        response = client.get(category.get_absolute_url() + query)
    assert response["X-Page-Cache"] == "hit"  # the page stored for the address without them
    assert len(stored_pages()) == 1


def test_values_out_of_range_are_served_but_not_stored(client, category):
    for query in ("?page=999", "?sort=bogus", "?page=abc", "?page=²", "?page=02", "?page=0"):
        assert client.get(category.get_absolute_url() + query).status_code == 200
    assert client.get("/search/?sort=bogus&q=harbour").status_code == 400
    assert stored_pages() == []


def test_a_cache_that_is_down_gives_pages_uncached(client, harbour, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for _ in range(2):
        response = client.get(harbour.get_absolute_url())
        assert response.status_code == 200
        assert b"The Harbour" in response.content


def test_menus_are_kept_for_pages_built_for_signed_in_shoppers(
    client, harbour, category, buyer, admin_user, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(buyer)
    client.get(harbour.get_absolute_url())
    with CaptureQueriesContext(connection) as first:
        client.get(harbour.get_absolute_url())
    settings_off = Client()
    settings_off.force_login(buyer)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        settings_off.get(harbour.get_absolute_url())
    assert len(first.captured_queries) < len(cold.captured_queries)  # the menus' page query
    with django_capture_on_commit_callbacks(execute=True):
        CategoryFactory(title="Poetry drafts", status=1)  # a draft: staff only
        category.title = "Novels"
        category.save()
    assert b"Novels" in client.get(harbour.get_absolute_url()).content
    assert b"Poetry drafts" not in client.get(harbour.get_absolute_url()).content
    staff = Client()
    staff.force_login(admin_user)
    assert b"Poetry drafts" in staff.get(harbour.get_absolute_url()).content


def test_a_new_release_serves_no_page_an_older_one_stored(client, harbour):
    client.get(harbour.get_absolute_url())
    assert client.get(harbour.get_absolute_url())["X-Page-Cache"] == "hit"
    call_command("migrate", verbosity=0)  # what every release runs (docs/deploy.md)
    assert client.get(harbour.get_absolute_url())["X-Page-Cache"] == "miss"


def test_a_sale_set_on_one_variation_starts_by_the_clock(client, harbour, category, admin_user):
    # Set in the admin's variation inline, with no Sale: its own dates must end the entries.
    starts = timezone.localtime() + timedelta(minutes=3)
    staff = Client()
    staff.force_login(admin_user)
    url = f"/admin/shop_ext/book/{harbour.pk}/change/"
    data = admin_form_data(staff.get(url))
    data["variations-0-sale_price"] = "5.00"
    data["variations-0-sale_from_0"] = starts.strftime("%Y-%m-%d")
    data["variations-0-sale_from_1"] = starts.strftime("%H:%M:%S")
    assert staff.post(url, data).status_code == 302
    pages = (harbour.get_absolute_url(), category.get_absolute_url())
    for url in pages:
        client.get(url)
        assert b"$5.00" not in client.get(url).content  # stored, no sale yet
    with time_machine.travel(starts + timedelta(seconds=1)):
        for url in pages:
            assert b"$5.00" in client.get(url).content
