"""The bad-input sweep over every route of the allow-list (url_allowlist.py).

test_bad_input_sweep.py drives the shop's forms with generated input and
checks what they did; this one makes sure no routed address, ours or
upstream's, answers junk with a 5xx. For each route: its path arguments
replaced by junk (huge numbers, non-ASCII, ``../``, empty, overlong, and the
real ids of a paid order), junk query strings, and junk POSTs, as an
anonymous visitor (with a valid CSRF token from /csrf/, checks enforced), as
the signed-in buyer of that order and, on the admin's routes (and the admin
header's site menu), as a superuser signed in afresh for each route (its
sign-out routes end the session). Routes named with a ``sweep`` in the
allow-list get their special handling here.
"""

import re
from urllib.parse import quote

import pytest

from shop_ext.delivery.private_links import holder_of
from tests.client import Client
from tests.integration.core.test_bad_input_sweep import CURATED
from tests.integration.core.url_allowlist import ALLOWED

pytestmark = pytest.mark.django_db

# One value for every argument of a path at a time ("real": the paid order's).
PATH_ARGS = [
    "real",
    "",
    "0",
    "-1",
    "2147483648",
    "99999999999999999999999999",
    "..",
    "../../etc/passwd",
    "%2E%2E%2F",
    "é",
    "١٢",
    "%00",
    "x" * 1000,
    "0" * 64,
]
QUERIES = [
    {"page": "99999999999999999999", "sort": "'", "next": "//evil.example/", "format": "pdf"},
    {name: CURATED[i % len(CURATED)] for i, name in enumerate(("q", "id", "site_id", "p", "token", "type"))},
    {"x" * 500: "é" * 2000},
]
POSTS = [
    {},
    {name: CURATED[20 + i] for i, name in enumerate(("quantity", "email", "username", "id", "next"))},
    {"site_id": "x", "app": "shop", "model": "nope", "id": "-1", "fields": "../", "value": "\u202e"},
]
RANGES = ["bytes=0-", "bytes=99999999999999999999-", "bytes=5-1", "items=a"]
WEBHOOK_BODIES = [b"", b"{", b'{"id": "evt_1", "type": "charge.refunded"}', "é".encode() * 5000]

# A route's arguments: <converter:name> or <name>, (?P<name>...), or a bare group.
ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\((?!\?)[^)]*\)")
OPTIONAL_GROUP = re.compile(r"\([^)]*\)\?")


def path_of(route, value_of):
    """The route as an address, each argument given by ``value_of(name)``."""
    route = OPTIONAL_GROUP.sub("", route)
    path = ARGUMENT.sub(lambda m: value_of(m.group(1) or m.group(2) or "id"), route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def has_arguments(route):
    return ARGUMENT.search(OPTIONAL_GROUP.sub("", route)) is not None


@pytest.fixture
def real(paid_order, book):
    """Argument values naming the real objects: the buyer's paid order."""
    grant = paid_order.download_grants.first()
    return {
        "order_id": paid_order.pk,
        "grant_id": grant.pk,
        "token": holder_of(paid_order).token,
        "slug": book.slug,
        "object_id": paid_order.pk,
        "id": paid_order.user_id,
        "app_label": "shop",
    }


def is_staff_route(entry):
    return entry.route.startswith("admin/") or entry.route == "set_site/"


def visitors(*users):
    """An anonymous visitor (None) and signed-in users, CSRF checks on, each
    with a token from /csrf/ as the site's pages get one."""
    for user in users:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if user is not None:
            client.force_login(user, backend="shop_ext.accounts.backends.ShopBackend")
        token = client.get("/csrf/").json()["token"]
        yield client, token


def no_5xx(response, method, path):
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code < 500, f"{response.status_code} for {method} {path[:300]}"


@pytest.mark.parametrize("entry", ALLOWED, ids=lambda e: f"{e.route} {e.view}")
def test_no_route_answers_junk_with_a_5xx(entry, real, buyer, admin_user, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_route_sweep"  # unset, the webhook is a 503 on purpose
    headers = [{}] + ([{"HTTP_RANGE": r} for r in RANGES] if entry.sweep == "download" else [])
    base = path_of(entry.route, lambda name: quote(str(real.get(name, "1")), safe=""))
    paths = [base]
    if has_arguments(entry.route):
        paths += [path_of(entry.route, lambda name, v=value: v) for value in PATH_ARGS if value != "real"]

    users = (None, buyer, admin_user) if is_staff_route(entry) else (None, buyer)
    for client, token in visitors(*users):
        for path in paths:
            for extra in headers:
                no_5xx(client.get(path, **extra), "GET", path)
        for query in QUERIES:
            no_5xx(client.get(base, query), "GET", f"{base}?{query}")
        for data in POSTS:
            for path in (base, paths[-1]):
                no_5xx(client.post(path, {**data, "csrfmiddlewaretoken": token}), "POST", path)
        if entry.sweep == "webhook":
            for payload in WEBHOOK_BODIES:
                response = client.post(
                    base, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
                )
                no_5xx(response, "POST", base)
                assert response.status_code == 400
