"""Cached pages as deployed: two app servers share one Redis, so a page
one of them stored is served by the other, and an edit that staff make
through one of them shows through the other on the very next request."""

import re
import secrets
import time

import pytest
import redis
import requests

from shop_ext.catalogue import page_cache
from tests.functional.stack.forms import TOKEN, csrf_token
from tests.functional.stack.test_sign_in_stack import sign_in

pytestmark = pytest.mark.stack

PRODUCT = "/shop/product/bread-slowly/"
UNAVAILABLE = "This product is currently unavailable."
EDITOR = {"username": "pages-editor", "password": "Pages-editor-pw-7731", "email": "editor@example.com"}


@pytest.fixture(scope="module")
def app_servers(stack):
    """The stack's gunicorn and a second one on the same database and Redis."""
    return stack.gunicorn, stack.start_gunicorn(name="gunicorn-pages")


@pytest.fixture(scope="module")
def editor(stack):
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser(**{EDITOR!r})",
    )
    return EDITOR


def anonymous_get(server, path):
    # One host name, as behind nginx or a balancer (the host is in the key).
    response = requests.get(server.url + path, headers={"Host": "127.0.0.1"}, timeout=30)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    return response


def set_available(staff, server, product_id, available):
    """Staff tick or untick "available" in the admin's product list."""
    url = f"{server.url}/admin/shop/product/"
    token = csrf_token(staff, staff.get(url))
    data = {
        "form-TOTAL_FORMS": 1,
        "form-INITIAL_FORMS": 1,
        "form-0-id": product_id,
        "form-0-status": 2,
        "_save": "Save",
        "csrfmiddlewaretoken": token,
    }
    if available:
        data["form-0-available"] = "on"
    response = staff.post(url, data=data, headers={"Referer": url}, allow_redirects=False)
    assert response.status_code == 302, response.text[-2000:]


def test_an_edit_through_one_app_server_shows_through_the_other_at_once(stack, app_servers, editor):
    first, second = app_servers
    [(product_id,)] = stack.sql("SELECT id FROM shop_product WHERE slug = %s", PRODUCT.split("/")[3])
    for path in (PRODUCT, "/books/"):
        assert anonymous_get(first, path).headers["X-Page-Cache"] in ("hit", "miss")
        served = anonymous_get(second, path)
        assert served.headers["X-Page-Cache"] == "hit"  # stored by the other server
    assert UNAVAILABLE not in served.text

    staff = requests.Session()
    signed_in = sign_in(staff, f"{first.url}/accounts/login/", editor["username"], editor["password"])
    assert signed_in.status_code == 302
    try:
        set_available(staff, first, product_id, available=False)
        page = anonymous_get(second, PRODUCT)
        assert page.headers["X-Page-Cache"] == "miss"
        assert UNAVAILABLE in page.text
        assert anonymous_get(second, "/books/").headers["X-Page-Cache"] == "miss"  # rebuilt
    finally:
        set_available(staff, first, product_id, available=True)
    assert UNAVAILABLE not in anonymous_get(second, PRODUCT).text


def test_static_files_have_hashed_names_long_cache_and_gzip(stack):
    page = requests.get(f"{stack.url}/", timeout=30).text
    stylesheet = re.search(r'href="(/static/theme/css/shop\.[0-9a-f]{12}\.css)"', page).group(1)
    hashed = requests.get(stack.url + stylesheet, headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == "max-age=31536000, public, immutable"
    assert hashed.headers["Content-Encoding"] == "gzip"
    plain = requests.get(f"{stack.url}/static/theme/css/shop.css", timeout=30)
    assert plain.headers["Cache-Control"] == "max-age=3600, public"


def test_nginx_keeps_anonymous_pages_to_the_end_of_the_second_never_a_token_or_a_session(stack):
    for path in ("/", "/books/", PRODUCT):
        pages = [requests.get(stack.url + path, timeout=30) for _ in range(3)]
        assert "HIT" in [page.headers["X-Nginx-Cache"] for page in pages], path
        for page in pages:
            assert "Set-Cookie" not in page.headers
            assert "X-Accel-Expires" not in page.headers  # for nginx only
            assert set(TOKEN.findall(page.text)) <= {""}  # the Buy form's token is empty
    assert TOKEN.findall(pages[0].text) == [""]
    answers = [requests.get(f"{stack.url}/csrf/", timeout=30) for _ in range(2)]
    assert [answer.headers["X-Nginx-Cache"] for answer in answers] == ["BYPASS", "BYPASS"]  # never kept
    assert len({answer.json()["token"] for answer in answers}) == 2
    assert all("csrftoken" in answer.cookies for answer in answers)
    signed = requests.get(f"{stack.url}/", cookies={"sessionid": "any"}, timeout=30)
    assert signed.headers["X-Nginx-Cache"] == "BYPASS"


def test_an_edit_shows_through_nginx_once_its_second_has_turned(stack, app_servers, editor):
    [(product_id,)] = stack.sql("SELECT id FROM shop_product WHERE slug = %s", PRODUCT.split("/")[3])
    assert "HIT" in [requests.get(stack.url + PRODUCT, timeout=30).headers["X-Nginx-Cache"] for _ in range(3)]
    staff = requests.Session()
    signed_in = sign_in(staff, f"{stack.url}/accounts/login/", editor["username"], editor["password"])
    assert signed_in.status_code == 302
    try:
        set_available(staff, stack, product_id, available=False)
        # nginx keeps a page while its clock (whole seconds) reads the second it was stored in.
        time.sleep(1.05 - time.time() % 1)
        page = requests.get(stack.url + PRODUCT, timeout=30)
        assert page.headers["X-Nginx-Cache"] != "HIT"
        assert UNAVAILABLE in page.text
    finally:
        set_available(staff, stack, product_id, available=True)


def test_two_thousand_junk_addresses_leave_the_cache_redis_bounded(stack):
    """Junk parameters on category and product pages, junk 404 paths and
    one-off searches, through nginx: the cache's Redis holds a bounded
    number of keys, and it is not the broker's."""
    cache_redis = redis.Redis.from_url(stack.cache_url)
    if stack.cache_redis is not None:  # started by the stack, as docs/deploy.md configures it
        assert cache_redis.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        broker = redis.Redis.from_url(stack.broker_url)
        assert broker.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    kinds = (
        "/books/?q={}",
        "/books/?{}=1",
        PRODUCT + "?q={}",
        "/books/{}/",
        "/{}/",
        "/shop/product/{}/",
        "/search/?q={}",
        "/?sort={}",
    )
    browser = requests.Session()

    def send(count):
        for n in range(count):
            junk = f"junk{n}{secrets.token_hex(4)}"
            answer = browser.get(stack.url + kinds[n % len(kinds)].format(junk), timeout=30)
            assert answer.status_code in (200, 404), answer.status_code
            browser.cookies.clear()

    send(len(kinds) * 2)  # the menus of each kind of 404, the pages without junk
    warm = cache_redis.dbsize()
    send(2000)
    # At most the search counters' slots (250 one-off searches) are new.
    assert cache_redis.dbsize() - warm <= page_cache.SEARCH_COUNTER_SLOTS
