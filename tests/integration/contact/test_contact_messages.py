"""Contact messages are stored before they are mailed: a mail server that
refuses them for good, or a task queue that is down, loses nothing (staff
read them in the admin, requeue_emails queues them again); the admin list
is for staff with its permissions; old messages are purged."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from shop_ext.contact.tasks import send_contact_message
from shop_ext.models import ContactMessage
from tests.client import Client
from tests.factories import staff_with
from tests.smtp import smtp_server

from .test_contact import MESSAGE, send

pytestmark = pytest.mark.django_db

ADMIN_LIST = "/admin/shop_ext/contactmessage/"
VIEW = "shop_ext.view_contactmessage"


@pytest.fixture
def real_smtp(settings):
    """Mail goes out over SMTP to 127.0.0.1, at the port a test sets."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return settings


def test_a_message_reaches_the_smtp_sink_and_is_kept(real_smtp):
    with smtp_server() as (sink, port):
        real_smtp.EMAIL_PORT = port
        response = send()

    assert response.status_code == 200
    (envelope,) = sink.messages
    assert "My Kobo says the file is damaged." in envelope.content.decode()
    stored = ContactMessage.objects.get()
    assert (stored.email, stored.subject, stored.order_number) == (
        "dana@example.com",
        "EPUB will not open",
        "1042",
    )
    assert stored.sent_at is not None
    assert stored.body == MESSAGE["message"]


def test_a_message_the_mail_server_refuses_for_good_is_kept_for_staff(real_smtp, admin_client):
    with smtp_server(answer="550 5.7.1 Message rejected") as (sink, port):
        real_smtp.EMAIL_PORT = port
        response = send()

    assert response.status_code == 200
    assert "your message has reached us" in response.content.decode()
    assert sink.messages == []
    stored = ContactMessage.objects.get()
    assert (stored.sent_at, stored.gave_up, stored.tries) == (None, True, 1)
    assert "550" in stored.error
    assert "EPUB will not open" in admin_client.get(ADMIN_LIST).content.decode()
    page = admin_client.get(f"{ADMIN_LIST}{stored.pk}/change/").content.decode()
    assert "My Kobo says the file is damaged." in page


def test_a_message_the_task_queue_could_not_take_is_queued_again_later(monkeypatch):
    def broker_down(*args, **kwargs):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(send_contact_message, "apply_async", broker_down)
        response = send()

    assert response.status_code == 200
    stored = ContactMessage.objects.get()
    assert (stored.sent_at, stored.gave_up) == (None, True)
    assert mail.outbox == []
    call_command("requeue_emails", minutes=0, stdout=None)
    stored.refresh_from_db()
    assert stored.sent_at is not None
    (sent,) = mail.outbox
    assert "EPUB will not open" in sent.subject


@pytest.mark.parametrize(
    "changes", [{"message": "x" * 5001}, {"subject": "s" * 151}], ids=["long message", "long subject"]
)
def test_an_overlong_message_is_refused_and_nothing_is_stored(changes):
    assert send(**changes).status_code == 400
    assert not ContactMessage.objects.exists()


def test_messages_over_the_limit_are_not_stored(settings):
    settings.SHOP_CONTACT_MESSAGES_PER_CLIENT_PER_HOUR = 1
    assert [send().status_code for _ in range(3)] == [200, 429, 429]
    assert ContactMessage.objects.count() == 1


def staff_client(*permissions):
    client = Client()
    client.force_login(staff_with(*permissions))
    return client


def test_staff_without_the_view_permission_cannot_read_messages():
    send()
    staff = staff_client()
    message = ContactMessage.objects.get()

    assert staff.get(ADMIN_LIST).status_code == 403
    assert staff.get(f"{ADMIN_LIST}{message.pk}/change/").status_code == 403


def test_view_only_staff_read_messages_but_cannot_mark_add_or_delete():
    send()
    message = ContactMessage.objects.get()
    staff = staff_client(VIEW)

    listing = staff.get(ADMIN_LIST)
    assert listing.status_code == 200
    assert "EPUB will not open" in listing.content.decode()
    assert "mark_handled" not in listing.content.decode()
    assert staff.get(f"{ADMIN_LIST}{message.pk}/change/").status_code == 200
    assert staff.get(f"{ADMIN_LIST}add/").status_code == 403
    assert staff.post(f"{ADMIN_LIST}{message.pk}/delete/", {"post": "yes"}).status_code == 403
    staff.post(ADMIN_LIST, {"action": "mark_handled", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.handled_at is None
    assert ContactMessage.objects.exists()


def test_staff_with_the_change_permission_mark_messages_handled():
    send()
    message = ContactMessage.objects.get()
    staff = staff_client(VIEW, "shop_ext.change_contactmessage")

    response = staff.post(ADMIN_LIST, {"action": "mark_handled", "_selected_action": [message.pk]})

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.handled_at is not None
    assert message.handled_by.username.startswith("staff-")
    # Nothing the shopper wrote can be edited.
    staff.post(f"{ADMIN_LIST}{message.pk}/change/", {"body": "rewritten", "subject": "rewritten"})
    message.refresh_from_db()
    assert message.body.startswith("My Kobo")


def test_deleting_a_message_takes_its_own_permission():
    send()
    message = ContactMessage.objects.get()
    staff = staff_client(VIEW, "shop_ext.delete_contactmessage")

    response = staff.post(f"{ADMIN_LIST}{message.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not ContactMessage.objects.exists()


def test_nobody_adds_a_message_in_the_admin(admin_client):
    assert admin_client.get(f"{ADMIN_LIST}add/").status_code == 403


def test_old_messages_are_purged_after_the_days_kept(settings):
    settings.SHOP_CONTACT_MESSAGES_KEEP_DAYS = 30
    send()
    send(address="198.51.100.9", subject="Recent")
    old = ContactMessage.objects.get(subject=MESSAGE["subject"])
    ContactMessage.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=31))

    call_command("purge_contact_messages", stdout=None)

    assert list(ContactMessage.objects.values_list("subject", flat=True)) == ["Recent"]
