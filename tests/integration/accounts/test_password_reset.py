"""The "forgot password" page tells nobody which accounts exist: one answer
for every login, and the link goes out exactly to the active accounts the
login names."""

import io
import logging
import re

import pytest

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"


@pytest.fixture
def accounts(django_user_model):
    create = django_user_model.objects.create_user
    create("dana", "dana@example.com", "pw-dana-123")
    create("ann", "shared@example.com", "pw-ann-12345")
    create("bob", "shared@example.com", "pw-bob-12345")
    create("gone", "gone@example.com", "pw-gone-123", is_active=False)


def page(response):
    """The page, without its per-response CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.mark.parametrize(
    ("login", "recipients"),
    [
        ("dana", ["dana@example.com"]),
        ("dana@example.com", ["dana@example.com"]),
        ("shared@example.com", ["shared@example.com", "shared@example.com"]),
        ("gone", []),
        ("nobody@example.com", []),
    ],
)
def test_reset_answers_alike_for_every_login(client, accounts, mailoutbox, login, recipients):
    unknown = client.post(RESET, {"username": "no-such-account"})
    assert mailoutbox == []

    response = client.post(RESET, {"username": login})

    assert response.status_code == unknown.status_code == 200
    assert page(response) == page(unknown)
    assert "If an account has that username or email address" in page(response)
    assert [m.to for m in mailoutbox] == [[to] for to in recipients]


def test_accounts_sharing_an_email_each_get_their_own_link(client, accounts, mailoutbox, django_user_model):
    client.post(RESET, {"username": "shared@example.com"})

    signed_in = set()
    for message in mailoutbox:
        assert "ann" in message.body or "bob" in message.body  # which account the link is for
        [link] = re.findall(r"https?://\S+(/accounts/password/verify/\S+)", message.body)
        visitor = type(client)()
        assert visitor.get(link).status_code == 302
        signed_in.add(django_user_model.objects.get(pk=visitor.session["_auth_user_id"]).username)
    assert signed_in == {"ann", "bob"}


def test_the_link_uses_the_site_address_and_a_queued_task_sends_once(client, accounts, mailoutbox, settings):
    """Sent by the worker (at once here): the link names SHOP_SITE_URL, not
    the request's host, and the same task run again sends nothing."""
    from shop_ext.accounts.tasks import send_password_reset

    client.post(RESET, {"username": "dana"}, HTTP_HOST="localhost:8123")
    [message] = mailoutbox
    assert re.search(r"https://shop\.example\.com/accounts/password/verify/\S+", message.body)
    assert "localhost" not in message.body

    dana = accounts_user("dana")
    task = send_password_reset.apply(args=[dana.pk], task_id="reset-once")
    send_password_reset.apply(args=[dana.pk], task_id="reset-once")
    assert task.successful()
    assert len(mailoutbox) == 2


def accounts_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_in_development_links_use_the_address_the_shopper_used(client, accounts, mailoutbox, settings):
    """`make run` on another port: the link goes to that port, not :8000."""
    settings.DEBUG = True
    client.post(RESET, {"username": "dana"}, HTTP_HOST="localhost:8123")
    [message] = mailoutbox
    assert re.search(r"http://localhost:8123/accounts/password/verify/\S+", message.body)


@pytest.mark.parametrize("kind", ["password/verify", "verify"])
def test_the_tokens_of_mezzanines_account_links_never_reach_the_logs(kind):
    """The reset link and the sign-up check's link carry a token that signs
    the account in: the shop's log handlers hide it (a wrong link's 404 is
    logged by django.request with its path)."""
    handler = next(h for h in logging.getLogger("shop_ext").handlers if h.filters)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("shop_ext.test").warning("Not Found: %s", f"/accounts/{kind}/3f/cbj4sz-0123abcdef/")
    finally:
        handler.setStream(previous)
    logged = stream.getvalue()
    assert f"/accounts/{kind}/3f/[private]/" in logged
    assert "cbj4sz-0123abcdef" not in logged
