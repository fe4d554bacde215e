"""Sign-in lockout as deployed: django-axes behind the real nginx.

Two clients on their own loopback addresses (127.0.0.2 and 127.0.0.3) sign
in through nginx, which passes their address in X-Forwarded-For; the app
trusts that header from nginx (SHOP_TRUSTED_PROXIES=127.0.0.1) only.
"""

import re

import pytest
import requests
from requests.adapters import HTTPAdapter

pytestmark = pytest.mark.stack

ACCOUNT = {"username": "stack-locked", "password": "Stack-locked-pw-5520", "email": "locked@example.com"}
ATTACKER, OWNER = "127.0.0.2", "127.0.0.3"


class FromAddress(HTTPAdapter):
    """Connections from one local source address."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


def client_from(address):
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def sign_in(session, url, login, password, **headers):
    page = session.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        url,
        data={"username": login, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": url, **headers},
        allow_redirects=False,
    )


@pytest.fixture(scope="module")
def account(stack):
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user(**{ACCOUNT!r})",
    )
    return ACCOUNT


def test_lockout_with_two_client_addresses_behind_nginx(stack, account):
    url = f"{stack.url}/accounts/login/"
    attacker = client_from(ATTACKER)
    for _ in range(5):
        sign_in(attacker, url, account["username"], "wrong")
    assert sign_in(attacker, url, account["username"], account["password"]).status_code == 429
    # Neither the account's email nor a forged X-Forwarded-For gets round it.
    assert sign_in(attacker, url, account["email"], account["password"]).status_code == 429
    forged = sign_in(attacker, url, account["username"], account["password"], **{"X-Forwarded-For": OWNER})
    assert forged.status_code == 429
    [(recorded,)] = stack.sql(
        "SELECT host(ip_address) FROM axes_accessattempt WHERE username = %s", account["username"]
    )
    assert recorded == ATTACKER

    # The owner, from another address, signs in.
    response = sign_in(client_from(OWNER), url, account["username"], account["password"])
    assert response.status_code == 302
