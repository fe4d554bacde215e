"""An order's private link: the page and downloads it opens with no account
and no cookie, and every way a token can be wrong."""

import io
import logging

import pytest
from django.core import mail

from shop_ext.models import DownloadAttempt, OrderDelivery
from shop_ext.orders import OrderStatus
from tests.client import Client
from tests.factories import StaffFactory
from tests.shopper import private_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(paid_order):
    """The private page's path, as the files email gave it."""
    return private_link(mail.outbox[-1].body, paid_order.pk)


def changed(token_path, position=-2):
    """The path with one hex digit of its token changed."""
    chars = list(token_path)
    chars[position] = "0" if chars[position] != "0" else "1"
    return "".join(chars)


def test_the_link_opens_the_page_and_files_with_no_cookie(paid_order, link):
    stranger = Client()
    page = stranger.get(link)
    assert page.status_code == 200
    assert "download attempts left" in page.content.decode()
    grant = paid_order.download_grants.first()
    assert stranger.get(f"{link}files/{grant.pk}/").status_code == 200
    assert stranger.get(f"{link}files/all.zip").status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        lambda link: changed(link),  # tampered
        lambda link: link[:-10] + "/",  # truncated
        lambda link: link[:-1] + "a/",  # one digit longer
        lambda link: link.upper(),  # not lower-case hex
    ],
    ids=["tampered", "truncated", "too long", "upper case"],
)
def test_a_wrong_token_is_a_404_for_the_page_and_the_files(paid_order, link, bad):
    wrong = bad(link)
    grant = paid_order.download_grants.first()
    stranger = Client()
    assert stranger.get(wrong).status_code == 404
    assert stranger.get(f"{wrong}files/{grant.pk}/").status_code == 404
    # (APPEND_SLASH first redirects a path that matches no pattern.)
    assert stranger.get(f"{wrong}files/all.zip", follow=True).status_code == 404
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 0


def test_another_orders_token_with_this_orders_number_is_a_404(paid_order, link, place_order, book):
    other = place_order(book, "eBook")
    token = link.split("/")[3]
    assert Client().get(f"/orders/{other.pk}/{token}/").status_code == 404


def test_downloads_from_the_link_count_against_the_orders_limits(paid_order, link):
    grant = paid_order.download_grants.first()
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=1)
    stranger = Client()
    assert stranger.get(f"{link}files/{grant.pk}/").status_code == 200
    refused = stranger.get(f"{link}files/{grant.pk}/")
    assert refused.status_code == 403
    assert "All download attempts" in refused.content.decode()
    assert refused["Referrer-Policy"] == "no-referrer"  # the refusal's address holds the token too


def test_a_cancelled_orders_link_shows_why_and_serves_nothing(paid_order, link):
    paid_order.status = OrderStatus.CANCELLED
    paid_order.save()
    grant = paid_order.download_grants.first()
    stranger = Client()
    page = stranger.get(link)
    assert page.status_code == 200
    assert "cancelled" in page.content.decode()
    assert stranger.get(f"{link}files/{grant.pk}/").status_code == 403
    assert DownloadAttempt.objects.filter(outcome=DownloadAttempt.SERVED).count() == 0


def test_staff_replace_the_link_the_old_one_stops_and_the_new_email_works(
    paid_order, link, django_capture_on_commit_callbacks
):
    staff = Client()
    staff.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/admin/shop/order/", {"action": "replace_private_links", "_selected_action": [paid_order.pk]}
        )
        staff.post(
            "/admin/shop/order/", {"action": "resend_files_email", "_selected_action": [paid_order.pk]}
        )

    assert Client().get(link).status_code == 404
    new_link = private_link(mail.outbox[-1].body, paid_order.pk)
    assert new_link != link
    assert Client().get(new_link).status_code == 200


def test_the_link_never_reaches_the_logs(paid_order, link, client):
    """The shop's log handlers hide the token (a 404 for a wrong one is
    logged by django.request with its path)."""
    handler = next(h for h in logging.getLogger("shop_ext").handlers if h.filters)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    token = link.split("/")[3]
    percent_encoded = "".join(f"%{ord(c):02X}" for c in token)
    try:
        for path in (link, link.upper(), f"/orders/{paid_order.pk}/{percent_encoded}/"):
            logging.getLogger("shop_ext.test").warning("Not Found: %s", path)
    finally:
        handler.setStream(previous)
    logged = stream.getvalue()
    assert logged.count(f"/orders/{paid_order.pk}/[private]/") == 2
    assert "/ORDERS/" in logged  # upper case: hidden too
    assert token not in logged.lower()
    assert percent_encoded not in logged


def test_a_free_resume_belongs_to_the_client_that_made_the_counted_download(paid_order, link):
    """One counted download gives no free downloads to other holders of the link."""
    url = f"{link}files/{paid_order.download_grants.first().pk}/"
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=None)
    assert Client(REMOTE_ADDR="203.0.113.1").get(url).status_code == 200
    for n in range(2, 22):
        resume = Client(REMOTE_ADDR=f"198.51.100.{n}").get(url, HTTP_RANGE="bytes=1-")
        assert resume.status_code == 200
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 21
    assert not DownloadAttempt.objects.filter(order=paid_order, outcome=DownloadAttempt.RESUMED).exists()
    resumed = Client(REMOTE_ADDR="203.0.113.1").get(url, HTTP_RANGE="bytes=1-")
    assert resumed.status_code == 200
    first = DownloadAttempt.objects.filter(order=paid_order, ip_address="203.0.113.1").earliest("created_at")
    assert DownloadAttempt.objects.get(outcome=DownloadAttempt.RESUMED).resumed_from == first


def test_refusals_through_a_link_fill_the_log_only_so_far(paid_order, link, settings):
    settings.SHOP_DENIED_DOWNLOADS_LOGGED_PER_HOUR = 5
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=1, attempts_used=1)
    url = f"{link}files/{paid_order.download_grants.first().pk}/"
    for n in range(30):
        assert Client(REMOTE_ADDR=f"198.51.100.{n}").get(url).status_code == 403
    assert DownloadAttempt.objects.filter(order=paid_order, outcome=DownloadAttempt.DENIED).count() == 5


def test_a_request_without_a_client_address_gets_no_free_resume(paid_order, link):
    url = f"{link}files/{paid_order.download_grants.first().pk}/"
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=None)
    assert Client(REMOTE_ADDR="").get(url).status_code == 200
    assert Client(REMOTE_ADDR="").get(url, HTTP_RANGE="bytes=1-").status_code == 200
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 2
