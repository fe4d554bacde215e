"""Sign-up and sign-in through Mezzanine's forms with django-axes on, as in
production (the test settings turn axes off elsewhere)."""

import pytest
from axes.models import AccessAttempt

pytestmark = pytest.mark.django_db

PASSWORD = "Axes-test-pw-9183"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def test_sign_up_signs_the_new_user_in(client, django_user_model):
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Ada",
            "last_name": "Reader",
            "email": "ada@example.com",
            "username": "ada",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(django_user_model.objects.get(username="ada").pk)


def test_sign_in_works_and_failures_are_counted(client, django_user_model):
    django_user_model.objects.create_user("ada", "ada@example.com", PASSWORD)
    response = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    assert b"Invalid username/email and password" in response.content
    assert AccessAttempt.objects.get(username="ada").failures_since_start == 1
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(django_user_model.objects.get(username="ada").pk)


# ---------------------------------------------------- lockout behind nginx

NGINX = "127.0.0.1"
ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"


def sign_in(client, login, password, remote=NGINX, forwarded=None):
    """A sign-in as the app sees it behind nginx: from nginx's address, with
    the client's in X-Forwarded-For (``forwarded``)."""
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": login, "password": password}, **extra)


def lock_out(client, login, **where):
    for _ in range(5):
        sign_in(client, login, "wrong", **where)
    return sign_in(client, login, PASSWORD, **where)


@pytest.fixture
def ada(settings, django_user_model):
    settings.SHOP_TRUSTED_PROXIES = [NGINX]
    return django_user_model.objects.create_user("ada", "ada@example.com", PASSWORD)


def test_lockout_behind_the_proxy_is_per_client_address(client, ada):
    """One attacker's failures lock the username for the attacker's address
    only, not for everyone behind nginx."""
    assert lock_out(client, "ada", forwarded=ATTACKER).status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER

    response = sign_in(client, "ada", PASSWORD, forwarded=OWNER)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(ada.pk)


def test_forwarded_address_from_an_untrusted_client_is_ignored(client, ada):
    """A client that talks to the app directly cannot pick its address
    with X-Forwarded-For: the lock stays on its own."""
    assert lock_out(client, "ada", remote=ATTACKER, forwarded="192.0.2.1").status_code == 429
    assert sign_in(client, "ada", PASSWORD, remote=ATTACKER, forwarded=OWNER).status_code == 429


@pytest.mark.parametrize(("failed_with", "then"), [("ada@example.com", "ada"), ("ada", "ada@example.com")])
def test_username_and_email_of_one_account_share_the_lockout(client, ada, failed_with, then):
    assert lock_out(client, failed_with, forwarded=ATTACKER).status_code == 429
    response = sign_in(client, then, PASSWORD, forwarded=ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().username == "ada"
