"""A signed download's plain case is answered before the session, user,
cart and page middleware (shop_ext.delivery.middleware); every other case,
each refusal first, goes through the whole stack to download_file as
before: the same answer, nothing counted, the refusal logged.

``response.wsgi_request`` tells the two apart: the session and auth
middleware give every request they see ``session`` and ``user``."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone

from shop_ext.models import DownloadAttempt, OrderDelivery
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import set_order_status
from tests.client import Client
from tests.shopper import download_links

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nginx_backend")]


@pytest.fixture
def link(client, buyer, paid_order):
    """The signed-in buyer's link to the first file, as their order history shows it."""
    client.force_login(buyer)
    return download_links(client, paid_order.pk)[0]


def answered_early(response):
    return not hasattr(response.wsgi_request, "session") and not hasattr(response.wsgi_request, "user")


def attempts_used(order):
    return OrderDelivery.objects.get(order=order).attempts_used


def test_a_plain_signed_download_is_answered_early_counted_and_logged(client, paid_order, link):
    response = client.get(link)
    assert response.status_code == 200
    assert answered_early(response)
    assert response["X-Accel-Redirect"].startswith("/protected/")
    assert "attempt=" in response["X-Accel-Redirect"]
    assert response["X-Download-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert attempts_used(paid_order) == 1
    served = DownloadAttempt.objects.get(order=paid_order)
    assert (served.outcome, served.user.username) == (DownloadAttempt.SERVED, "dana")


def test_the_early_answer_sends_what_the_whole_stack_sends(client, paid_order, link):
    early = client.get(link)
    by_session = client.get(link.split("?")[0])  # no key: the session says who asks
    assert answered_early(early)
    assert not answered_early(by_session)
    # The token differs; nginx sets the frame rule and the file's length
    # (CommonMiddleware gives the whole stack's empty body a Content-Length).
    skip = {"X-Accel-Redirect", "X-Frame-Options", "Vary", "Content-Length"}
    assert {k: v for k, v in early.items() if k not in skip} == {
        k: v for k, v in by_session.items() if k not in skip
    }
    assert early["X-Accel-Redirect"].split("?")[0] == by_session["X-Accel-Redirect"].split("?")[0]


def test_a_head_or_a_resume_goes_through_the_whole_stack(client, paid_order, link):
    assert not answered_early(client.head(link))
    client.get(link)
    resume = client.get(link, HTTP_RANGE="bytes=100-")
    assert resume.status_code == 200
    assert not answered_early(resume)
    assert attempts_used(paid_order) == 1  # the resume was free, as before


def forget_sessions():
    """The sessions end on the server while the browser still sends its
    cookie: only a key that holds can tell who asks then."""
    Session.objects.all().delete()


def spoiled_key(client, buyer, order, link):
    forget_sessions()
    return link[:-1] + ("A" if link[-1] != "A" else "B")


def another_browser(client, buyer, order, link):
    other = Client()
    other.force_login(buyer)  # the same buyer, signed in elsewhere
    client.cookies["sessionid"] = other.cookies["sessionid"].value
    forget_sessions()
    return link


def password_changed(client, buyer, order, link):
    buyer.set_password("a-new-password-123")
    buyer.save()
    forget_sessions()
    return link


def account_deactivated(client, buyer, order, link):
    buyer.is_active = False
    buyer.save()
    forget_sessions()
    return link


def grant_revoked(client, buyer, order, link):
    order.download_grants.update(revoked_at=timezone.now())
    return link


def order_refunded(client, buyer, order, link):
    set_order_status(order, OrderStatus.REFUNDED)
    return link


def attempts_gone(client, buyer, order, link):
    OrderDelivery.objects.filter(order=order).update(max_attempts=2, attempts_used=2)
    return link


@pytest.mark.parametrize(
    ("spoil", "status", "logged"),
    [
        (spoiled_key, 302, False),
        (another_browser, 302, False),
        (password_changed, 302, False),
        (account_deactivated, 302, False),
        (grant_revoked, 403, True),
        (order_refunded, 403, True),
        (attempts_gone, 403, True),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_each_refusal_goes_through_the_whole_stack(client, buyer, paid_order, link, spoil, status, logged):
    """A key that does not hold leaves the session to say who asks (here:
    nobody, so sign in); a refusal is the refusal page, logged. Never an
    early answer, never an attempt."""
    url = spoil(client, buyer, paid_order, link)
    used = attempts_used(paid_order)
    response = client.get(url)
    assert response.status_code == status
    assert not answered_early(response)
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")
    assert attempts_used(paid_order) == used
    assert DownloadAttempt.objects.filter(outcome=DownloadAttempt.SERVED).count() == 0
    assert DownloadAttempt.objects.filter(outcome=DownloadAttempt.DENIED).exists() == logged


def test_an_expired_key_goes_through_the_whole_stack(client, paid_order, link, settings):
    forget_sessions()
    later = timezone.now() + timedelta(minutes=settings.SHOP_SIGNED_DOWNLOAD_MINUTES, seconds=5)
    with time_machine.travel(later):
        response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not answered_early(response)
    assert attempts_used(paid_order) == 0


def test_a_stranger_with_the_link_is_refused_by_the_whole_stack(paid_order, link, django_user_model):
    mallory = django_user_model.objects.create_user("mallory", "m@example.com", "pw-mallory")
    other = Client()
    other.force_login(mallory)
    response = other.get(link)
    assert response.status_code == 404
    assert not answered_early(response)
    assert attempts_used(paid_order) == 0
