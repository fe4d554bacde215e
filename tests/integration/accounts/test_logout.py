"""Signing out is a POST everywhere (Django 5 and CSRF): a GET, from a link
or an image on any page, signs nobody out."""

import re

import pytest

from tests.client import Client

pytestmark = pytest.mark.django_db

ORDERS = "/account/orders/"


def signed_in(client):
    return client.get(ORDERS).status_code == 200


def test_get_on_the_site_logout_signs_nobody_out_and_offers_a_button(client, buyer):
    client.force_login(buyer)
    response = client.get("/accounts/logout/?next=/shop/cart/")
    assert response.status_code == 200
    assert signed_in(client)
    page = response.content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/">', page)
    assert '<input type="hidden" name="next" value="/shop/cart/">' in page


def test_post_signs_out_and_goes_to_a_safe_next_page(client, buyer):
    client.force_login(buyer)
    response = client.post("/accounts/logout/", {"next": "/shop/cart/"})
    assert response.status_code == 302
    assert response["Location"] == "/shop/cart/"
    assert not signed_in(client)

    client.force_login(buyer)
    response = client.post("/accounts/logout/", {"next": "https://evil.example.com/"})
    assert response["Location"] == "/"


def test_post_without_the_csrf_token_is_refused(buyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    assert client.post("/accounts/logout/").status_code == 403
    assert signed_in(client)


def test_site_header_signs_out_with_a_form(client, buyer):
    client.force_login(buyer)
    page = client.get("/").content.decode()
    assert 'href="/accounts/logout/' not in page
    form = re.search(r'<form method="post" action="/accounts/logout/"[^>]*>(.*?)</form>', page, re.S)
    assert form
    assert "csrfmiddlewaretoken" in form.group(1)


def test_admin_logout_is_post_only_and_its_header_posts(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/logout/").status_code == 405
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 200
    page = admin_page.content.decode()
    assert 'href="/admin/logout/' not in page
    form = re.search(r'<form method="post" action="/admin/logout/"[^>]*>(.*?)</form>', page, re.S)
    assert form
    assert "csrfmiddlewaretoken" in form.group(1)

    client.post("/admin/logout/")
    assert client.get("/admin/").status_code == 302
