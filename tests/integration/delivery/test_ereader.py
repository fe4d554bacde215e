"""Send to e-reader: the address saved and checked, the book mailed by the
worker as an attachment through real SMTP, one download attempt used, the
services' size limit, and a refused address told to the buyer with the
attempt given back."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from shop_ext.models import DownloadAttempt, EReader, EReaderSending, OrderDelivery, StampedCopy
from tests.client import Client
from tests.factories import EPUB

pytestmark = pytest.mark.django_db

LIBRARY = "/account/library/"


@pytest.fixture
def real_smtp(settings):
    def use(port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port

    return use


def epub_grant(order):
    return order.download_grants.get(file__original_filename="almanac.epub")


def send(client, grant, capture):
    with capture(execute=True):
        response = client.post(f"/account/library/ereader/send/{grant.pk}/")
    assert response.status_code == 302
    return client.get(LIBRARY).content.decode()


def test_bad_address_is_refused_with_a_message(client, buyer):
    client.force_login(buyer)
    response = client.post("/account/library/ereader/", {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not EReader.objects.exists()


def test_an_address_no_ereader_service_reads_is_refused(client, buyer):
    """Only the services in SHOP_EREADER_MAX_MB take books by email (Kobo
    has no such address): any other domain is refused, saying which do."""
    client.force_login(buyer)
    for address in ("dana@example.com", "dana@kobo.com", "dana@kindle.com.example.net"):
        response = client.post("/account/library/ereader/", {"email": address})
        assert response.status_code == 400
        page = response.content.decode()
        assert "We can only mail books to an e-reader service&#x27;s address" in page
        assert "@kindle.com, @pbsync.com" in page
    assert not EReader.objects.exists()
    assert client.post("/account/library/ereader/", {"email": "Dana@PBSync.com"}).status_code == 302


def test_an_address_saved_before_its_service_left_the_list_sends_nothing(
    client, paid_order, settings, django_capture_on_commit_callbacks
):
    client.post("/account/library/ereader/", {"email": "dana@pbsync.com"})
    settings.SHOP_EREADER_MAX_MB = {"kindle.com": 50}
    page = send(client, epub_grant(paid_order), django_capture_on_commit_callbacks)
    assert "We can only mail books to an e-reader service&#x27;s address (@kindle.com)" in page
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 0
    assert not EReaderSending.objects.exists()


def test_book_reaches_the_smtp_sink_as_an_attachment(
    client, paid_order, smtp_sink, real_smtp, django_capture_on_commit_callbacks, settings
):
    settings.SHOP_EREADER_FROM_EMAIL = "books@shop.example.com"
    handler, port = smtp_sink
    real_smtp(port)
    assert client.post("/account/library/ereader/", {"email": "dana_42@kindle.com"}).status_code == 302
    page = send(client, epub_grant(paid_order), django_capture_on_commit_callbacks)
    assert "books@shop.example.com" in page
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == ["dana_42@kindle.com"]
    assert envelope.mail_from == "books@shop.example.com"
    message = email.message_from_bytes(envelope.content)
    (attachment,) = [part for part in message.walk() if part.get_filename()]
    assert attachment.get_filename() == "the-lighthouse-keepers-almanac.epub"
    assert attachment.get_payload(decode=True) == EPUB
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 1
    sending = EReaderSending.objects.get()
    assert sending.status == EReaderSending.SENT
    assert sending.attempt.outcome == DownloadAttempt.SERVED


def test_a_refused_address_is_told_and_the_attempt_given_back(
    client, paid_order, real_smtp, django_capture_on_commit_callbacks
):
    class Refusing(Sink):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such mailbox here"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        real_smtp(port)
        client.post("/account/library/ereader/", {"email": "nobody@kindle.com"})
        page = send(client, epub_grant(paid_order), django_capture_on_commit_callbacks)
    finally:
        controller.stop()
    sending = EReaderSending.objects.get()
    assert sending.status == EReaderSending.FAILED
    assert "No such mailbox here" in sending.error
    assert "No such mailbox here" in page
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 0
    assert sending.attempt.outcome == DownloadAttempt.FAILED


def test_too_big_for_the_service_uses_no_attempt(
    client, paid_order, settings, django_capture_on_commit_callbacks
):
    settings.SHOP_EREADER_MAX_MB = {"kindle.com": 0}
    client.post("/account/library/ereader/", {"email": "dana@kindle.com"})
    page = send(client, epub_grant(paid_order), django_capture_on_commit_callbacks)
    assert "larger than the 0 MB" in page
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 0
    assert not EReaderSending.objects.exists()


def test_no_attempts_left_sends_nothing(client, paid_order, django_capture_on_commit_callbacks):
    client.post("/account/library/ereader/", {"email": "dana@kindle.com"})
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=1, attempts_used=1)
    page = send(client, epub_grant(paid_order), django_capture_on_commit_callbacks)
    assert "All download attempts for this order have been used." in page
    assert not EReaderSending.objects.exists()


def test_someone_elses_grant_is_a_404(client, paid_order, django_user_model):
    other = django_user_model.objects.create_user("erin", "erin@example.com", "pw-erin-123")
    client.force_login(other)
    client.post("/account/library/ereader/", {"email": "erin@kindle.com"})
    assert client.post(f"/account/library/ereader/send/{epub_grant(paid_order).pk}/").status_code == 404
    assert client.get(f"/account/library/ereader/send/{epub_grant(paid_order).pk}/").status_code == 405


def test_a_stamped_book_sends_the_buyers_copy(
    client, stamped_order, smtp_sink, real_smtp, django_capture_on_commit_callbacks
):
    handler, port = smtp_sink
    real_smtp(port)
    client.post("/account/library/ereader/", {"email": "dana@kindle.com"})
    grant = stamped_order.download_grants.get(file__original_filename="salt.epub")
    first = send(client, grant, django_capture_on_commit_callbacks)
    assert "being made" in first
    assert not handler.messages
    assert OrderDelivery.objects.get(order=stamped_order).attempts_used == 0
    send(client, grant, django_capture_on_commit_callbacks)
    (envelope,) = handler.messages
    message = email.message_from_bytes(envelope.content)
    (attachment,) = [part for part in message.walk() if part.get_filename()]
    copy = StampedCopy.objects.get(grant=grant)
    with copy.file.open("rb") as stored:
        assert attachment.get_payload(decode=True) == stored.read()
    with grant.file.file.open("rb") as master:
        assert attachment.get_payload(decode=True) != master.read()
    assert OrderDelivery.objects.get(order=stamped_order).attempts_used == 1


def test_staff_see_sendings_and_refusals_read_only(paid_order, admin_user):
    staff = Client()
    staff.force_login(admin_user)
    EReaderSending.objects.create(
        grant=epub_grant(paid_order),
        email="dana@kindle.com",
        status=EReaderSending.FAILED,
        error="550 no mailbox",
    )
    page = staff.get("/admin/shop_ext/ereadersending/")
    assert page.status_code == 200
    assert "550 no mailbox" in page.content.decode()
    assert staff.get("/admin/shop_ext/ereadersending/add/").status_code == 403
