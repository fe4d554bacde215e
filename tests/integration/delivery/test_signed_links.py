"""The order history's download links, signed for the browser that was
shown them (shop_ext.delivery.signed_links): what they open, for whom, for
how long, and that they never outlive a revocation."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone

from shop_ext.delivery.signed_links import KEY
from shop_ext.models import DownloadAttempt, OrderDelivery
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import set_order_status
from tests.client import Client
from tests.shopper import download_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(client, buyer, paid_order):
    """The signed-in buyer's links to the files and the zip, as their order history shows them."""
    client.force_login(buyer)
    return download_links(client, paid_order.pk)


def attempts_used(order):
    return OrderDelivery.objects.get(order=order).attempts_used


def forget_session(client):
    """The session ends on the server while the browser still sends its
    cookie: only a key that holds can tell who asks then."""
    Session.objects.filter(session_key=client.cookies["sessionid"].value).delete()


def is_sign_in_redirect(response):
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_order_history_links_carry_a_key_and_download_as_the_buyer(client, paid_order, links):
    assert len(links) == 3  # two files and the zip
    assert all(f"?{KEY}=" in link for link in links)
    response = client.get(links[0])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert attempts_used(paid_order) == 1
    served = DownloadAttempt.objects.get(order=paid_order)
    assert (served.outcome, served.user.username) == (DownloadAttempt.SERVED, "dana")


def test_a_key_stands_in_for_reading_the_session_not_for_the_cookie(client, paid_order, links):
    forget_session(client)
    assert client.get(links[0]).status_code == 200
    assert client.get(links[-1]).status_code == 200  # the zip

    without_cookie = Client()
    assert is_sign_in_redirect(without_cookie.get(links[0]))
    assert attempts_used(paid_order) == 2


def test_another_buyer_with_the_link_is_a_stranger(paid_order, links, django_user_model):
    mallory = django_user_model.objects.create_user("mallory", "m@example.com", "pw-mallory")
    other = Client()
    other.force_login(mallory)
    assert other.get(links[0]).status_code == 404
    assert other.get(links[-1]).status_code == 404
    assert attempts_used(paid_order) == 0
    assert DownloadAttempt.objects.filter(outcome=DownloadAttempt.DENIED, user=mallory).count() == 2


@pytest.mark.parametrize(
    "spoil",
    [
        lambda links: links[1].split("?")[0] + "?" + links[0].split("?")[1],  # another file's key
        lambda links: links[-1].split("?")[0] + "?" + links[0].split("?")[1],  # a file's key on the zip
        lambda links: links[0][:-1] + ("A" if links[0][-1] != "A" else "B"),  # altered
        lambda links: links[0].split(":")[0],  # its time without its signature
    ],
    ids=["other file", "file key on zip", "altered", "truncated"],
)
def test_a_key_opens_only_its_own_link(client, paid_order, links, spoil):
    forget_session(client)
    assert is_sign_in_redirect(client.get(spoil(links)))
    assert attempts_used(paid_order) == 0


def test_a_key_ends_after_its_minutes(client, paid_order, links, settings):
    forget_session(client)
    later = timezone.now() + timedelta(minutes=settings.SHOP_SIGNED_DOWNLOAD_MINUTES, seconds=5)
    with time_machine.travel(later):
        assert is_sign_in_redirect(client.get(links[0]))
    assert attempts_used(paid_order) == 0


def test_an_expired_key_asks_the_session_instead(client, paid_order, links, settings):
    later = timezone.now() + timedelta(minutes=settings.SHOP_SIGNED_DOWNLOAD_MINUTES, seconds=5)
    with time_machine.travel(later):
        assert client.get(links[0]).status_code == 200
    assert attempts_used(paid_order) == 1


def test_a_new_password_or_a_deactivated_account_ends_a_key_at_once(client, buyer, paid_order, links):
    buyer.set_password("a-new-password-123")
    buyer.save()
    assert is_sign_in_redirect(client.get(links[0]))

    client.force_login(buyer)
    fresh = download_links(client, paid_order.pk)
    forget_session(client)
    buyer.is_active = False
    buyer.save()
    assert is_sign_in_redirect(client.get(fresh[0]))
    assert attempts_used(paid_order) == 0


def test_revoking_the_file_refuses_its_signed_link_at_once(client, paid_order, links):
    paid_order.download_grants.update(revoked_at=timezone.now())
    response = client.get(links[0])
    assert response.status_code == 403
    assert "withdrawn" in response.content.decode()
    assert attempts_used(paid_order) == 0


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.REFUNDED])
def test_a_refund_or_cancellation_refuses_signed_links_at_once(client, paid_order, links, status):
    set_order_status(paid_order, status)
    for link in (links[0], links[-1]):
        response = client.get(link)
        assert response.status_code == 403
        assert "downloads are closed" in response.content.decode()
    assert attempts_used(paid_order) == 0
