"""The page cache's keys come from a bounded set, whatever a client sends
(junk parameters, junk paths, random searches), and each site's pages,
menus and 404s stay its own (docs/caching.md)."""

import secrets

import pytest
import redis
from django.contrib.sites.models import Site
from django.core.cache import cache
from mezzanine.core import request as mezzanine_request

from shop_ext.catalogue import page_cache
from tests.client import Client
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def cache_keys():
    """Every key now in the (in-memory) cache."""
    return set(cache._cache)


def junk_urls(category, count):
    """``count`` distinct addresses a client may make up: parameters the
    pages do not read, paths that are 404s (under a page, at the top, a
    product's), one-off searches, and a page's address with extra slashes
    (Mezzanine finds ``/fiction/`` at ``/fiction//`` and ``//fiction/``)."""
    page = category.get_absolute_url()
    kinds = (
        lambda n, junk: f"{page}?q={junk}",
        lambda n, junk: f"{page}?{junk}=1",
        lambda n, junk: f"/shop/product/the-harbour/?q={junk}",
        lambda n, junk: f"/?q={junk}&type=shop.Product",
        lambda n, junk: f"{page}{junk}/",
        lambda n, junk: f"/{junk}/",
        lambda n, junk: f"/shop/product/{junk}/",
        lambda n, junk: f"/search/?q={junk}",
        lambda n, junk: page + "/" * (1 + n),
        lambda n, junk: "/" * (1 + n) + page,
    )
    return [kinds[n % len(kinds)](n, f"junk{n}{secrets.token_hex(4)}") for n in range(count)]


def test_a_search_parameter_on_other_pages_adds_no_entry(client, harbour, category):
    for url in (category.get_absolute_url(), harbour.get_absolute_url(), "/"):
        assert client.get(url).status_code == 200  # stored
        before = cache_keys()
        for n in range(5):
            response = client.get(f"{url}?q=junk{n}")
            assert response.status_code == 200
            assert response["X-Page-Cache"] == "hit"  # the page stored for the address
        assert cache_keys() == before


def test_junk_addresses_add_a_bounded_number_of_keys(client, harbour, category, monkeypatch):
    monkeypatch.setattr(page_cache, "SEARCH_COUNTER_SLOTS", 4, raising=False)
    for url in ("/", category.get_absolute_url(), harbour.get_absolute_url(), "/search/?q=harbour"):
        client.get(url)
    for url in junk_urls(category, 16):  # every kind twice: a 404's menus, a counter slot
        client.get(url)
    warm = cache_keys()
    for url in junk_urls(category, 120):
        assert client.get(url).status_code in (200, 404)
    assert len(cache_keys() - warm) <= 4  # at most the search counter slots


def test_a_repeated_search_is_still_stored(client, harbour, django_assert_num_queries):
    for _ in range(page_cache.SEARCH_CACHED_AFTER):
        client.get("/search/?q=harbour")
    with django_assert_num_queries(0):
        assert b"The Harbour" in client.get("/search/?q=harbour").content


@pytest.fixture
def second_site():
    """A second Mezzanine site, chosen by the host ``localhost`` (the first
    is the default, for ``testserver``). Mezzanine keeps the last request
    in a thread-local: it is put back, so no later test sees this host."""
    kept = mezzanine_request.current_request()
    yield Site.objects.create(domain="localhost", name="Second shop")
    mezzanine_request._thread_local.request = kept


def test_each_site_keeps_its_own_pages_menus_and_404s(harbour, category, second_site):
    poetry = CategoryFactory(title="Poetry", site=second_site)
    first, second = Client(), Client(HTTP_HOST="localhost")
    fiction_url, poetry_url = category.get_absolute_url(), poetry.get_absolute_url()
    for _ in range(2):  # built and stored, then served from the cache
        on_first = first.get(fiction_url)
        assert on_first.status_code == 200
        assert b"Poetry" not in on_first.content
        on_second = second.get(poetry_url)
        assert on_second.status_code == 200
        assert b"Fiction" not in on_second.content
    assert first.get(fiction_url)["X-Page-Cache"] == "hit"
    # Each site's pages are 404s on the other, with that site's menus.
    missing_on_second = second.get(fiction_url)
    assert missing_on_second.status_code == 404
    assert b"Fiction" not in missing_on_second.content
    assert b"Poetry" in missing_on_second.content
    missing_on_first = first.get(poetry_url)
    assert missing_on_first.status_code == 404
    assert b"Poetry" not in missing_on_first.content
    assert b"Fiction" in missing_on_first.content
    assert first.get(harbour.get_absolute_url()).status_code == 200
    assert second.get(harbour.get_absolute_url()).status_code == 404


@pytest.fixture
def cache_redis(settings, tmp_path):
    """The shared cache on a Redis of the test's own, configured as
    docs/deploy.md configures the cache's (maxmemory, allkeys-lru)."""
    from deploy.local_stack import CACHE_REDIS_OPTIONS, start_redis, stop

    server = start_redis(tmp_path, CACHE_REDIS_OPTIONS, name="cache-redis")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
        }
    }
    yield redis.Redis(port=server.port)
    stop(server.process)


def test_two_thousand_junk_addresses_leave_redis_bounded(client, harbour, category, cache_redis):
    for url in ("/", category.get_absolute_url(), harbour.get_absolute_url(), "/search/?q=harbour"):
        assert client.get(url).status_code == 200
    for url in junk_urls(category, 16):
        client.get(url)
    warm = cache_redis.dbsize()
    for url in junk_urls(category, 2000):
        assert client.get(url).status_code in (200, 404)
    # Only the search counters' slots may have filled (250 one-off searches).
    assert cache_redis.dbsize() - warm <= page_cache.SEARCH_COUNTER_SLOTS
    assert client.get(category.get_absolute_url())["X-Page-Cache"] == "hit"
