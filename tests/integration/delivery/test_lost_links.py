"""The "lost my links" page: one answer for every address, links only to
the address that asked, and a limit per address and per client."""

import pytest
from django.core import mail

from shop_ext.orders import OrderStatus
from tests.client import Client
from tests.pseudo_locale import pseudo_translated
from tests.shopper import private_link

pytestmark = pytest.mark.django_db

URL = "/account/downloads/resend/"


def ask(email, client=None, address="198.51.100.7"):
    return (client or Client()).post(URL, {"email": email}, REMOTE_ADDR=address)


def test_the_page_is_linked_from_sign_in_and_from_emails(paid_order):
    assert URL in Client().get("/accounts/login/").content.decode()
    assert URL in mail.outbox[-1].body


def test_a_known_address_gets_its_orders_private_links(paid_order):
    mail.outbox.clear()

    response = ask("DANA@example.com")

    assert response.status_code == 200
    (message,) = mail.outbox
    assert message.to == ["dana@example.com"]
    assert Client().get(private_link(message.body, paid_order.pk)).status_code == 200


def test_known_and_unknown_addresses_get_the_same_answer(paid_order):
    mail.outbox.clear()

    known = ask("dana@example.com", address="198.51.100.1")
    unknown = ask("nobody@example.com", address="198.51.100.2")

    assert known.status_code == unknown.status_code == 200
    assert known.content.decode().replace("dana@example.com", "X") == unknown.content.decode().replace(
        "nobody@example.com", "X"
    )
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]


def test_orders_that_download_nothing_now_are_not_sent(paid_order):
    paid_order.status = OrderStatus.REFUNDED
    paid_order.save()
    mail.outbox.clear()

    assert ask("dana@example.com").status_code == 200
    assert mail.outbox == []


@pytest.mark.parametrize(
    "email", ["not-an-address", "a@" + "b" * 300 + ".com", "", "x@example.com\x00"], ids=repr
)
def test_bad_addresses_are_a_400_and_send_nothing(email):
    response = ask(email)
    assert response.status_code == 400
    assert mail.outbox == []


def test_asks_are_limited_per_address(paid_order, settings):
    settings.SHOP_LOST_LINKS_PER_EMAIL_PER_HOUR = 2
    mail.outbox.clear()
    answers = [ask("dana@example.com", address=f"198.51.100.{n}").status_code for n in range(1, 5)]
    assert answers == [200, 200, 429, 429]
    assert len(mail.outbox) == 2


def test_asks_are_limited_per_client(settings):
    settings.SHOP_LOST_LINKS_PER_CLIENT_PER_HOUR = 3
    answers = [ask(f"reader{n}@example.com").status_code for n in range(5)]
    assert answers == [200, 200, 200, 429, 429]


def test_with_the_cache_down_the_page_sends_nothing(paid_order, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    mail.outbox.clear()

    response = ask("dana@example.com")

    assert response.status_code == 503
    assert "try again" in response.content.decode()
    assert mail.outbox == []


def test_a_client_over_its_limit_uses_none_of_an_addresss_asks(paid_order, settings):
    settings.SHOP_LOST_LINKS_PER_CLIENT_PER_HOUR = 1
    settings.SHOP_LOST_LINKS_PER_EMAIL_PER_HOUR = 2
    assert ask("someone@example.com", address="203.0.113.9").status_code == 200
    for _ in range(5):
        assert ask("dana@example.com", address="203.0.113.9").status_code == 429
    mail.outbox.clear()
    assert ask("dana@example.com", address="198.51.100.50").status_code == 200
    assert len(mail.outbox) == 1


def test_the_email_is_written_in_the_active_language(paid_order, settings, tmp_path):
    messages = {
        "Your download links from %(site)s": "xx-links-from-%(site)s",
        "Someone (we hope you) asked for the download links of the orders placed with this address.": (
            "xx-asked"
        ),
        "Lost your download links? Get them again:": "xx-lost-them",
    }
    mail.outbox.clear()

    with pseudo_translated(settings, tmp_path, messages):
        ask("dana@example.com")

    (message,) = mail.outbox
    assert message.subject == f"xx-links-from-{settings.SITE_TITLE}"
    assert "\nxx-asked\n" in message.body
    assert "\nxx-lost-them https://" in message.body
    assert "<p>xx-asked</p>" in message.alternatives[0][0]
