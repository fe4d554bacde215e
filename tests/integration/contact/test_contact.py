"""The contact page: the page tree's text above our form, a message to
staff by email (with a reply to the shopper), bounded input, CSRF, and a
limit per client."""

import pytest
from django.core import mail
from mezzanine.pages.models import RichTextPage

from tests.client import Client

pytestmark = pytest.mark.django_db

URL = "/contact/"
MESSAGE = {
    "name": "Dana Reader",
    "email": "dana@example.com",
    "order": "1042",
    "subject": "EPUB will not open",
    "message": "My Kobo says the file is damaged.\nCould you send it again?",
}


def send(client=None, address="198.51.100.7", **changes):
    return (client or Client()).post(URL, {**MESSAGE, **changes}, REMOTE_ADDR=address)


def test_the_page_shows_the_page_trees_text_above_the_form():
    RichTextPage.objects.create(title="Contact us", slug="contact", content="<p>We read every message.</p>")
    page = Client().get(URL).content.decode()
    assert "We read every message." in page
    assert 'name="message"' in page
    assert 'href="/account/downloads/resend/"' in page


def test_a_message_reaches_staff_with_a_reply_to_the_shopper(settings):
    settings.SHOP_CONTACT_EMAIL = "help@shop.example.com"

    response = send()

    assert response.status_code == 200
    assert "your message has reached us" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["help@shop.example.com"]
    assert message.extra_headers["Reply-To"] == "dana@example.com"
    assert "EPUB will not open" in message.subject
    assert "My Kobo says the file is damaged." in message.body
    assert "1042" in message.body


def test_html_in_a_message_is_shown_as_text_in_the_staff_email():
    send(message="<script>alert(1)</script> <a href='https://evil.example'>x</a>")
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "not-an-address"},
        {"message": ""},
        {"message": "x" * 5001},
        {"name": "n" * 101},
        {"subject": "Hello\r\nBcc: everyone@example.com"},
        {"name": "Dana\nBcc: x@example.com"},
        {"order": "9" * 21},
    ],
    ids=lambda c: next(iter(c)),
)
def test_bad_input_is_a_400_that_keeps_what_was_typed_and_sends_nothing(changes):
    response = send(**changes)
    assert response.status_code == 400
    kept = MESSAGE["subject"] if "subject" not in changes else MESSAGE["email"]
    assert kept in response.content.decode()
    assert mail.outbox == []


def test_messages_are_limited_per_client(settings):
    settings.SHOP_CONTACT_MESSAGES_PER_CLIENT_PER_HOUR = 2
    answers = [send().status_code for _ in range(4)]
    assert answers == [200, 200, 429, 429]
    assert len(mail.outbox) == 2
    assert send(address="198.51.100.8").status_code == 200


def test_a_refused_message_keeps_what_was_typed(settings):
    settings.SHOP_CONTACT_MESSAGES_PER_CLIENT_PER_HOUR = 0
    response = send()
    assert response.status_code == 429
    assert "My Kobo says the file is damaged." in response.content.decode()


def test_with_the_cache_down_nothing_is_sent(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    response = send()
    assert response.status_code == 503
    assert mail.outbox == []


def test_a_post_without_the_csrf_token_is_refused():
    response = Client(enforce_csrf_checks=True).post(URL, MESSAGE)
    assert response.status_code == 403
    assert mail.outbox == []


def test_anonymous_visitors_get_the_page_from_the_page_cache():
    RichTextPage.objects.create(title="Contact us", slug="contact", content="<p>We read every message.</p>")
    first, second = Client().get(URL), Client().get(URL)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert b'name="csrfmiddlewaretoken" value=""' in second.content


def test_a_message_from_the_cached_page_without_a_token_is_offered_again_with_one():
    Client().get(URL)
    response = Client(enforce_csrf_checks=True).post(URL, {**MESSAGE, "csrfmiddlewaretoken": ""})
    assert response.status_code == 403
    assert "My Kobo says the file is damaged." in response.content.decode()
    assert mail.outbox == []
