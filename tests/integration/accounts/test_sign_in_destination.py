"""Where signing in leads: back to the page the buyer came from (a path on
this site only), else to "My orders"."""

import pytest

from tests.client import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-dana-12345"


@pytest.fixture
def dana(django_user_model):
    return django_user_model.objects.create_user("dana", "dana@example.com", PASSWORD)


def sign_in(query=""):
    return Client().post(f"/accounts/login/{query}", {"username": "dana", "password": PASSWORD})


def test_without_a_next_page_sign_in_leads_to_my_orders(dana):
    response = sign_in()
    assert response.status_code == 302
    assert response["Location"] == "/account/orders/"


def test_sign_in_returns_to_the_page_it_came_from(dana):
    response = sign_in("?next=/shop/cart/")
    assert response["Location"] == "/shop/cart/"


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/", "0", "/accounts/login/"]
)
def test_a_next_page_elsewhere_or_the_sign_in_page_itself_leads_to_my_orders(dana, target):
    response = sign_in(f"?next={target}")
    assert response["Location"] == "/account/orders/"


def test_the_home_pages_sign_in_link_carries_no_next_page_and_others_do():
    home = Client().get("/").content.decode()
    assert 'href="/accounts/login/"' in home
    assert 'href="/accounts/login/?next=/shop/cart/"' in Client().get("/shop/cart/").content.decode()
