"""What goes into a cached page's key (shop_ext.catalogue.page_cache): the
query parameters each kind of page reads and the values that may be
stored, the site, address and generations a key holds, the one spelling of
an address nginx may keep (page_cache_middleware), the counters' keys and
the stand-in for the CSRF token. No database: the hosts' sites are put in
the (in-memory) cache as a first page would. Storing and serving pages:
tests/integration/catalogue/test_page_cache*.py."""

import re

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import resolve

from shop_ext.catalogue import page_cache, page_cache_middleware
from shop_ext.core import sites

PAGE_NUMBER = page_cache.QUERY_PARAMETERS["page"]["page"]
SORT = page_cache.QUERY_PARAMETERS["page"]["sort"]
QUERY = page_cache.QUERY_PARAMETERS["search"]["q"]
SEARCH_TYPE = page_cache.QUERY_PARAMETERS["search"]["type"]


def request_for(address, raw_uri=None, **extra):
    """A GET of ``address`` as the middleware sees it: resolved, and with
    gunicorn's RAW_URI (the address as sent) when given."""
    request = RequestFactory().get(address, **extra)
    request.resolver_match = resolve(request.path_info)
    if raw_uri is not None:
        request.META["RAW_URI"] = raw_uri
    return request


def query_of(address):
    return page_cache.key_parameters(request_for(address))


@pytest.mark.parametrize("value", ["1", "2", "9", "10", "20"])
def test_page_numbers_1_to_20_may_be_stored(value):
    assert PAGE_NUMBER(value)


@pytest.mark.parametrize("value", ["0", "21", "99", "02", "-1", "1.0", " 1", "", "²", "１", "1\n"])
def test_other_page_numbers_are_not_stored(value):
    assert not PAGE_NUMBER(value)


def test_a_sort_is_stored_only_if_a_listing_or_the_search_offers_it():
    assert SORT("-unit_price")  # a category's (SHOP_PRODUCT_SORT_OPTIONS)
    assert SORT("relevance")  # the search's
    assert not SORT("bogus")
    assert not SORT("")


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("harbour", True),
        ("salt roads", True),
        ("x" * page_cache.MAX_CACHED_QUERY, True),
        ("x" * (page_cache.MAX_CACHED_QUERY + 1), False),
        (" harbour", False),
        ("harbour ", False),
        ("salt  roads", False),
        ("salt\troads", False),
    ],
)
def test_a_search_is_stored_only_short_and_in_its_one_spacing(query, stored):
    assert QUERY(query) is stored


def test_the_search_type_is_stored_only_for_products():
    assert SEARCH_TYPE("shop.Product")
    assert not SEARCH_TYPE("pages.Page")


@pytest.mark.parametrize(
    ("address", "pairs", "storable"),
    [
        ("/", [], True),
        ("/fiction/?page=2&sort=-unit_price", [("page", "2"), ("sort", "-unit_price")], True),
        # Sorted: one key whatever the order the parameters came in.
        ("/search/?type=shop.Product&q=harbour", [("q", "harbour"), ("type", "shop.Product")], True),
        # A parameter the page does not read is left out, and the page built is not stored.
        ("/fiction/?utm_source=mail&page=2", [("page", "2")], False),
        ("/shop/product/the-harbour/?q=junk", [], False),
        ("/?page=2", [], False),
        # Repeated: the value the views read (the last), not stored.
        ("/search/?q=salt&q=harbour", [("q", "harbour")], False),
        # Out of range: built for this request, not stored.
        ("/fiction/?page=21", [("page", "21")], False),
        ("/search/?q=harbour&sort=bogus", [("q", "harbour"), ("sort", "bogus")], False),
    ],
)
def test_a_key_holds_only_the_parameters_its_kind_of_page_reads(address, pairs, storable):
    assert query_of(address) == (pairs, storable)


@pytest.mark.parametrize(
    ("address", "as_sent", "canonical"),
    [
        ("/fiction/", "/fiction/", True),
        ("/search/?q=harbour&type=shop.Product", "/search/?q=harbour&type=shop.Product", True),
        ("/search/?q=harbour&type=shop.Product", "/search/?type=shop.Product&q=harbour", False),
        ("/fiction/", "/fiction/?", False),
        ("/fiction/", "/fict%69on/", False),
        ("/search/?q=salt+roads", "/search/?q=salt+roads", True),
        ("/search/?q=salt+roads", "/search/?q=salt%20roads", False),
        ("/café/", "/caf%C3%A9/", True),
    ],
)
def test_nginx_may_keep_a_page_only_at_the_one_spelling_of_its_address(address, as_sent, canonical):
    request = request_for(address, raw_uri=as_sent)
    pairs, _storable = page_cache.key_parameters(request)
    assert page_cache_middleware._is_canonical(request, pairs) is canonical


def test_without_raw_uri_the_address_is_django_s_own_spelling():
    request = request_for("/search/?q=harbour&type=shop.Product")
    pairs, _storable = page_cache.key_parameters(request)
    assert page_cache_middleware._is_canonical(request, pairs)


def test_each_site_has_its_own_catalogue_generation():
    assert page_cache._generation_key(1) == "pages:generation:1"
    assert page_cache._generation_key(1) != page_cache._generation_key(2)


def test_a_product_s_stock_counter_has_a_key_of_fixed_length_per_site_and_slug():
    """The slug is hashed: any slug a client makes up gives a key of the same length."""
    short, long = page_cache._stock_key(1, "the-harbour"), page_cache._stock_key(1, "x" * 5000)
    assert len(short) == len(long) == len("pages:stock:1:") + 64
    assert "harbour" not in short
    assert short != page_cache._stock_key(2, "the-harbour")
    assert short != page_cache._stock_key(1, "the-harbour-2")


@pytest.fixture
def fresh_placeholder():
    """The placeholder is kept per process: worked out afresh for this test and after it."""
    page_cache.csrf_placeholder.cache_clear()
    yield
    page_cache.csrf_placeholder.cache_clear()


def test_the_csrf_token_s_stand_in_comes_from_the_secret_key(settings, fresh_placeholder):
    first = page_cache.csrf_placeholder()
    assert first == page_cache.csrf_placeholder()
    assert first.startswith("csrf-")
    assert len(first) == len("csrf-") + 32
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    page_cache.csrf_placeholder.cache_clear()
    assert page_cache.csrf_placeholder() != first


@pytest.fixture
def known_sites(monkeypatch):
    """The hosts' sites in the cache, as the first page of each leaves them
    (testserver: site 1, localhost: site 2); the per-process copy is this test's own."""
    monkeypatch.setattr(sites, "_last_known_domains", {})
    cache.set(sites.DOMAINS_KEY, {"testserver": 1, "localhost": 2}, None)


def key_of(address, **extra):
    request = request_for(address, **extra)
    pairs, _storable = page_cache.key_parameters(request)
    return page_cache.page_key(request, pairs)


def test_a_page_key_names_the_site_and_its_catalogue_generation(known_sites):
    key = key_of("/fiction/")
    generation = cache.get(page_cache._generation_key(1))
    assert re.fullmatch(rf"pages:v{page_cache.ENTRY_FORMAT}:1:{generation}:[0-9a-f]{{64}}", key)


def test_the_same_address_gets_the_same_key_and_any_other_address_another(known_sites):
    key = key_of("/search/?q=harbour&type=shop.Product")
    assert key_of("/search/?type=shop.Product&q=harbour") == key  # the parameters sorted
    assert key_of("/search/?q=harbour&type=shop.Product&utm_source=mail") == key  # one the page does not read
    others = {
        key_of("/search/?q=harbour"),
        key_of("/search/?q=harbour&type=shop.Product", secure=True),
        key_of("/search/?q=harbour&type=shop.Product", HTTP_HOST="localhost"),
        key_of("/search/?q=salt&type=shop.Product"),
        key_of("/fiction/?q=harbour&type=shop.Product"),
    }
    assert len(others) == 5
    assert key not in others


def test_a_catalogue_change_moves_every_key_of_its_site_on(known_sites):
    before = {address: key_of(address) for address in ("/", "/fiction/", "/shop/product/the-harbour/")}
    other_site = key_of("/fiction/", HTTP_HOST="localhost")
    cache.incr(page_cache._generation_key(1))  # what a change does once it commits
    after = {address: key_of(address) for address in before}
    assert all(after[address] != key for address, key in before.items())
    assert key_of("/fiction/", HTTP_HOST="localhost") == other_site


def test_a_product_page_key_moves_on_with_that_product_s_stock(known_sites):
    first = request_for("/shop/product/the-harbour/")
    key = page_cache.page_key(first, [])
    cache.add(*first._page_cache_new_stock, None)  # the counter starts when the page is stored
    assert key_of("/shop/product/the-harbour/") == key
    category = key_of("/fiction/")
    cache.incr(page_cache._stock_key(1, "the-harbour"))  # a copy sold
    assert key_of("/shop/product/the-harbour/") != key
    assert key_of("/fiction/") == category
