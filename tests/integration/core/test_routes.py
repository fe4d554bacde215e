"""The project routes exactly the URLs of the allow-list (url_allowlist.py),
and no longer the upstream routes it does not use."""

import json

import pytest
from django.urls import URLResolver, get_resolver

from tests.client import Client
from tests.factories import StaffFactory
from tests.integration.core.url_allowlist import ALLOWED
from tests.shopper import quiet_client


def routed(patterns=None, prefix=""):
    """Every (full route, view) the resolver can reach, in order."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routed(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.lookup_str


def test_every_route_is_in_the_allow_list_and_every_entry_is_routed():
    found = list(routed())
    views_of = {}
    for route, view in found:
        views_of.setdefault(route, []).append(view)
    allowed = {(entry.route, entry.view) for entry in ALLOWED}

    def is_allowed(route, view):
        return (route, view) in allowed or (route, None) in allowed

    unlisted = [f"{route}  ->  {view}" for route, view in found if not is_allowed(route, view)]
    assert not unlisted, (
        "routed but not in url_allowlist.py (add it with a reason, or unroute it):\n" + "\n".join(unlisted)
    )
    gone = [
        f"{e.route}  ->  {e.view}"
        for e in ALLOWED
        if e.route not in views_of or (e.view is not None and e.view not in views_of[e.route])
    ]
    assert not gone, "in url_allowlist.py but no longer routed (remove the entry):\n" + "\n".join(gone)
    assert all(entry.reason.strip() for entry in ALLOWED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/comment/",
        "/rating/",
        "/reset/MQ/set-password/",
        "/password_reset/done/",
        "/reset/done/",
        "/edit/",
        "/jsi18n/django.contrib.admin/",
        "/accounts/",
    ],
)
def test_upstream_routes_the_shop_does_not_use_are_404(url):
    """Mezzanine's comments and ratings, Django's own password reset (mail
    sent in the request, tokens in the logs), inline editing, Mezzanine's
    translations catalogue: not routed, also for a POST."""
    client = quiet_client()
    token = client.get("/csrf/").json()["token"]
    assert client.get(url).status_code == 404
    assert client.post(url, {"csrfmiddlewaretoken": token, "comment": "hi"}).status_code == 404


@pytest.mark.django_db
def test_the_admin_forgot_password_link_leads_to_the_shops_reset():
    client = quiet_client()
    page = client.get("/admin/login/")
    assert page.status_code == 200
    assert 'href="/password_reset/"' in page.content.decode()
    response = client.post("/password_reset/", {"email": "dana@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/"


@pytest.mark.django_db
def test_staff_see_product_pages_without_mezzanines_inline_editor(book):
    """Inline editing posts to Mezzanine's /edit/, which is not routed: it
    is off (the theme never loaded its editor), so staff get the page."""
    response = quiet_client(StaffFactory()).get(book.get_absolute_url())
    assert response.status_code == 200
    assert "editable-form" not in response.content.decode()


@pytest.mark.django_db
def test_the_media_librarys_name_check_is_for_staff_with_a_csrf_token(admin_user):
    """The uploader asks it before each upload; upstream it answered anyone,
    without a CSRF token, and was a 500 without its folder."""
    url = "/admin/media-library/check_file/"
    anonymous = quiet_client()
    token = anonymous.get("/csrf/").json()["token"]
    assert (
        anonymous.post(url, {"csrfmiddlewaretoken": token, "folder": "", "file": "a.png"}).status_code == 302
    )
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(admin_user, backend="shop_ext.accounts.backends.ShopBackend")
    token = staff.get("/csrf/").json()["token"]
    assert staff.post(url, {"folder": "", "file": "a.png"}).status_code == 403
    assert staff.post(url, {"csrfmiddlewaretoken": token, "file": "a.png"}).status_code == 400
    assert (
        staff.post(url, {"csrfmiddlewaretoken": token, "folder": "../..", "file": "a.png"}).status_code == 400
    )
    answer = staff.post(url, {"csrfmiddlewaretoken": token, "folder": "", "file": "no-such-file.png"})
    assert answer.status_code == 200
    assert json.loads(answer.content) == {}
    assert staff.get(url).status_code == 405
