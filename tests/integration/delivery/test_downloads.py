import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from shop_ext.models import DownloadAttempt, OrderDelivery
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import set_order_status
from tests.factories import EPUB, PDF, add_file
from tests.shopper import quiet_client

pytestmark = pytest.mark.django_db

# The book's title, slugified (tests.factories.book_with_files).
EPUB_NAME = "the-lighthouse-keepers-almanac.epub"
PDF_NAME = "the-lighthouse-keepers-almanac.pdf"


def file_url(order, grant):
    return f"/account/orders/{order.pk}/files/{grant.pk}/"


def zip_url(order):
    return f"/account/orders/{order.pk}/files/all.zip"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def epub_grant(order):
    return order.download_grants.get(file__original_filename="almanac.epub")


def attempts_used(order):
    return OrderDelivery.objects.get(order=order).attempts_used


def test_owner_downloads_file_with_safe_headers(client, paid_order):
    grant = epub_grant(paid_order)
    response = client.get(file_url(paid_order, grant))
    assert response.status_code == 200
    assert body(response) == EPUB
    assert response["Content-Disposition"] == f'attachment; filename="{EPUB_NAME}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert attempts_used(paid_order) == 1
    attempt = DownloadAttempt.objects.get(order=paid_order)
    assert (attempt.outcome, attempt.grant, attempt.user.username, attempt.ip_address) == (
        "served",
        grant,
        "dana",
        "127.0.0.1",
    )


@pytest.mark.parametrize("url_kind", ["file", "zip"])
def test_a_look_at_the_link_uses_no_attempt(client, paid_order, url_kind):
    grant = epub_grant(paid_order)
    url = file_url(paid_order, grant) if url_kind == "file" else zip_url(paid_order)
    response = client.head(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert attempts_used(paid_order) == 0
    assert not DownloadAttempt.objects.filter(order=paid_order).exists()
    assert client.get(url).status_code == 200
    assert attempts_used(paid_order) == 1


def test_the_file_is_named_after_the_book_whatever_its_admin_title(client, paid_order):
    grant = epub_grant(paid_order)
    grant.file.title = "EPUB edition"
    grant.file.save()
    response = client.get(file_url(paid_order, grant))
    assert response["Content-Disposition"] == f'attachment; filename="{EPUB_NAME}"'
    assert f"<dd>{EPUB_NAME}</dd>" in client.get("/account/orders/").content.decode()  # its technical details


def retitle_book(order, title):
    product = epub_grant(order).file.product
    product.title = title
    product.save()


def test_a_non_ascii_book_title_gets_an_ascii_fallback_and_the_utf8_name(client, paid_order):
    retitle_book(paid_order, "Le Phare d'Été")
    response = client.get(file_url(paid_order, epub_grant(paid_order)))
    disposition = response["Content-Disposition"]
    assert 'filename="le-phare-dete.epub"' in disposition
    assert "filename*=UTF-8''le-phare-d%C3%A9t%C3%A9.epub" in disposition


@pytest.mark.parametrize(
    ("title", "fallback", "utf8_name"),
    [
        ("Война и мир", "download.epub", "%D0%B2%D0%BE%D0%B9%D0%BD%D0%B0-%D0%B8-%D0%BC%D0%B8%D1%80.epub"),
        (
            "ノルウェイの森",
            "download.epub",
            "%E3%83%8E%E3%83%AB%E3%82%A6%E3%82%A7%E3%82%A4%E3%81%AE%E6%A3%AE.epub",
        ),
        ("Война and Peace", "and-peace.epub", "%D0%B2%D0%BE%D0%B9%D0%BD%D0%B0-and-peace.epub"),
    ],
)
def test_a_non_latin_book_title_gets_a_sensible_ascii_fallback(
    client, paid_order, title, fallback, utf8_name
):
    retitle_book(paid_order, title)
    response = client.get(file_url(paid_order, epub_grant(paid_order)))
    assert (
        response["Content-Disposition"]
        == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{utf8_name}"
    )


def test_a_title_with_backslashes_quotes_and_control_characters_gives_a_clean_name(client, paid_order):
    retitle_book(paid_order, 'Field \\ recording "take 2" \\\x07\n')
    response = client.get(file_url(paid_order, epub_grant(paid_order)))
    assert response["Content-Disposition"] == 'attachment; filename="field-recording-take-2.epub"'
    history = client.get("/account/orders/").content.decode()
    assert "<dd>field-recording-take-2.epub</dd>" in history


def test_several_files_of_one_type_add_their_label_everywhere(
    client, paid_order, settings, django_capture_on_commit_callbacks
):
    settings.SHOP_GRANT_NEW_FILES_TO_PAST_BUYERS = True
    grant = epub_grant(paid_order)
    with django_capture_on_commit_callbacks(execute=True):
        large = add_file(grant.file.product, "eBook", name="almanac-lp.epub", content=EPUB)
    large.title = "Large print"
    large.save()
    large_grant = paid_order.download_grants.get(file=large)

    names = {
        g.file.original_filename: client.get(file_url(paid_order, g))["Content-Disposition"]
        for g in (grant, large_grant)
    }
    archive = zipfile.ZipFile(io.BytesIO(body(client.get(zip_url(paid_order)))))

    assert names == {
        "almanac.epub": 'attachment; filename="the-lighthouse-keepers-almanac-almanac.epub"',
        "almanac-lp.epub": 'attachment; filename="the-lighthouse-keepers-almanac-large-print.epub"',
    }
    assert sorted(archive.namelist()) == [
        "the-lighthouse-keepers-almanac-almanac.epub",
        "the-lighthouse-keepers-almanac-large-print.epub",
        PDF_NAME,
    ]


def test_anonymous_is_sent_to_login_and_back(client, paid_order):
    client.logout()
    url = file_url(paid_order, epub_grant(paid_order))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "next=" in response["Location"]


@pytest.mark.parametrize("url_kind", ["file", "zip"])
def test_other_user_and_unknown_ids_get_404(client, paid_order, django_user_model, url_kind):
    intruder = django_user_model.objects.create_user("mallory", "m@example.com", "pw-mallory")
    client.force_login(intruder)
    grant = epub_grant(paid_order)
    url = file_url(paid_order, grant) if url_kind == "file" else zip_url(paid_order)
    assert client.get(url).status_code == 404
    assert client.get(f"/account/orders/{paid_order.pk + 1000}/files/all.zip").status_code == 404
    assert client.get(f"/account/orders/{paid_order.pk}/files/{grant.pk + 1000}/").status_code == 404
    assert (
        client.get(f"/account/orders/{paid_order.pk}/files/../../etc/passwd", follow=True).status_code == 404
    )
    assert attempts_used(paid_order) == 0
    assert DownloadAttempt.objects.filter(order=paid_order, outcome="denied", user=intruder).exists()


def test_staff_may_download_without_using_attempts(client, paid_order, admin_user):
    client.force_login(admin_user)
    response = client.get(zip_url(paid_order))
    assert response.status_code == 200
    assert attempts_used(paid_order) == 0


def test_unpaid_order_has_no_downloads(client, book, place_order):
    order = place_order(book, "eBook")
    assert client.get(zip_url(order)).status_code in (403, 404)


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.REFUNDED])
def test_cancel_and_refund_close_downloads_and_restore_reopens(client, paid_order, status):
    grant = epub_grant(paid_order)
    set_order_status(paid_order, status)
    response = client.get(file_url(paid_order, grant))
    assert response.status_code == 403
    assert b"downloads are closed" in response.content
    set_order_status(paid_order, OrderStatus.PAID)
    assert client.get(file_url(paid_order, grant)).status_code == 200


def test_attempt_limit_and_expiry(client, paid_order):
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=2)
    grant = epub_grant(paid_order)
    assert client.get(file_url(paid_order, grant)).status_code == 200
    assert client.get(zip_url(paid_order)).status_code == 200
    refused = client.get(file_url(paid_order, grant))
    assert refused.status_code == 403
    assert b"download attempts" in refused.content
    assert attempts_used(paid_order) == 2

    OrderDelivery.objects.filter(order=paid_order).update(
        attempts_used=0, expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(file_url(paid_order, grant)).status_code == 410


def test_range_request_resuming_a_download_uses_no_attempt(client, paid_order):
    grant = epub_grant(paid_order)
    assert client.get(file_url(paid_order, grant)).status_code == 200
    assert client.get(file_url(paid_order, grant), HTTP_RANGE="bytes=100-").status_code == 200
    assert attempts_used(paid_order) == 1
    outcomes = list(DownloadAttempt.objects.filter(order=paid_order).values_list("outcome", flat=True))
    assert sorted(outcomes) == ["resumed", "served"]


# {size}: the size of the file (or zip); a suffix that long is all of it.
WHOLE_FILE_RANGES = ["bytes=0-", "bytes=0-99", "bytes=100-199,0-99", "bytes=-{size}", "bytes=-", "bytes=x-"]
RESUMING_RANGES = ["bytes=100-", "bytes=1-99", "bytes=-{inside}", "bytes = 100-"]


@pytest.mark.parametrize("kind", ["file", "zip"])
@pytest.mark.parametrize(
    ("template", "counted"), [(h, True) for h in WHOLE_FILE_RANGES] + [(h, False) for h in RESUMING_RANGES]
)
def test_only_a_range_past_byte_0_after_a_counted_download_is_a_free_resume(
    client, paid_order, kind, template, counted
):
    url = file_url(paid_order, epub_grant(paid_order)) if kind == "file" else zip_url(paid_order)
    size = len(body(client.get(url)))
    DownloadAttempt.objects.filter(order=paid_order).delete()
    OrderDelivery.objects.filter(order=paid_order).update(attempts_used=0)
    header = template.format(size=size, inside=size - 1)
    assert client.get(url, HTTP_RANGE=header).status_code == 200
    assert attempts_used(paid_order) == 1  # nothing to resume yet: counted
    for _ in range(3):
        assert client.get(url, HTTP_RANGE=header).status_code == 200
    assert attempts_used(paid_order) == (4 if counted else 1)


def test_a_resume_is_free_only_for_the_same_file_within_the_window(client, paid_order, settings):
    epub, pdf = epub_grant(paid_order), paid_order.download_grants.get(file__original_filename="almanac.pdf")
    client.get(file_url(paid_order, epub))
    client.get(file_url(paid_order, pdf), HTTP_RANGE="bytes=100-")  # another file
    client.get(zip_url(paid_order), HTTP_RANGE="bytes=100-")  # the zip is another download too
    assert attempts_used(paid_order) == 3
    DownloadAttempt.objects.filter(order=paid_order).update(
        created_at=timezone.now() - timedelta(minutes=settings.SHOP_DOWNLOAD_RESUME_MINUTES + 1)
    )
    client.get(file_url(paid_order, epub), HTTP_RANGE="bytes=100-")  # out of the window
    assert attempts_used(paid_order) == 4
    assert client.get(file_url(paid_order, epub), HTTP_RANGE="bytes=100-").status_code == 200
    assert attempts_used(paid_order) == 4  # within the window of the one just counted


def test_a_counted_download_gives_a_few_free_resumes_only(client, paid_order, settings):
    settings.SHOP_DOWNLOAD_MAX_RESUMES = 2
    url = file_url(paid_order, epub_grant(paid_order))
    client.get(url)
    for _ in range(4):
        assert client.get(url, HTTP_RANGE="bytes=100-").status_code == 200
    # Two resumes of the first download, then a counted one, whose two resumes follow.
    assert attempts_used(paid_order) == 2
    assert DownloadAttempt.objects.filter(order=paid_order, outcome="resumed").count() == 3


def test_refused_tries_at_other_buyers_orders_fill_the_log_only_so_far(
    paid_order, settings, django_user_model
):
    settings.SHOP_DENIED_DOWNLOADS_LOGGED_PER_HOUR = 5
    stranger = quiet_client()
    stranger.force_login(django_user_model.objects.create_user("eve", "eve@example.com", "pw-eve-123"))
    grant = epub_grant(paid_order)
    for url in [file_url(paid_order, grant), zip_url(paid_order)] * 10:
        assert stranger.get(url).status_code == 404
    assert DownloadAttempt.objects.filter(order=paid_order, outcome="denied").count() == 5
    assert attempts_used(paid_order) == 0


def test_the_download_that_used_the_last_attempt_can_be_resumed(client, paid_order):
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=1)
    url = file_url(paid_order, epub_grant(paid_order))
    assert client.get(url).status_code == 200
    resumed = client.get(url, HTTP_RANGE="bytes=100-")
    assert resumed.status_code == 200
    assert body(resumed) == EPUB  # the simple backend ignores Range; nginx sends the 206
    assert attempts_used(paid_order) == 1
    for header in ("bytes=0-", "bytes=0-99,100-"):
        refused = client.get(url, HTTP_RANGE=header)
        assert refused.status_code == 403
        assert b"All download attempts for this order have been used." in refused.content
    other_file = paid_order.download_grants.get(file__original_filename="almanac.pdf")
    assert client.get(file_url(paid_order, other_file), HTTP_RANGE="bytes=100-").status_code == 403
    OrderDelivery.objects.filter(order=paid_order).update(expires_at=timezone.now())
    assert client.get(url, HTTP_RANGE="bytes=100-").status_code == 410  # the other rules still hold


def test_missing_file_uses_no_attempt_and_is_logged(client, paid_order, caplog):
    grant = epub_grant(paid_order)
    grant.file.file.storage.delete(grant.file.file.name)
    response = client.get(file_url(paid_order, grant))
    assert response.status_code == 404
    assert b"temporarily unavailable" in response.content
    assert attempts_used(paid_order) == 0
    assert DownloadAttempt.objects.get(order=paid_order).outcome == "failed"
    assert "missing from private storage" in caplog.text


def test_revoked_grant_is_refused(client, paid_order):
    grant = epub_grant(paid_order)
    grant.revoked_at = timezone.now()
    grant.save()
    assert client.get(file_url(paid_order, grant)).status_code == 403


def test_zip_holds_the_order_files_and_is_rebuilt_when_one_changes(client, paid_order, settings):
    response = client.get(zip_url(paid_order))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert sorted(archive.namelist()) == [EPUB_NAME, PDF_NAME]
    for name, data in ((EPUB_NAME, EPUB), (PDF_NAME, PDF)):
        assert hashlib.sha256(archive.read(name)).hexdigest() == hashlib.sha256(data).hexdigest()
        assert archive.getinfo(name).compress_type == zipfile.ZIP_STORED

    from pathlib import Path

    zips = Path(settings.SENDFILE_ROOT, "zips", f"order-{paid_order.pk}")
    first = list(zips.glob("*.zip"))
    assert len(first) == 1
    client.get(zip_url(paid_order))
    assert list(zips.glob("*.zip")) == first  # reused, not rebuilt

    from django.core.files.base import ContentFile

    product_file = epub_grant(paid_order).file
    product_file.file = ContentFile(b"PK\x03\x04 second edition", name="almanac.epub")
    product_file.save()
    archive = zipfile.ZipFile(io.BytesIO(body(client.get(zip_url(paid_order)))))
    assert archive.read(EPUB_NAME) == b"PK\x03\x04 second edition"
    assert len(list(zips.glob("*.zip"))) == 1
    assert list(zips.glob("*.zip")) != first


def test_nginx_backend_answers_with_x_accel_redirect_and_no_body(client, paid_order, nginx_backend):
    grant = epub_grant(paid_order)
    response = client.get(file_url(paid_order, grant))
    assert response.status_code == 200
    path, _, query = response["X-Accel-Redirect"].partition("?")
    assert path == f"/protected/{grant.file.file.name}"
    assert query.startswith("attempt=")  # the token nginx hands back if it cannot send the file
    # For nginx's internal location to set: it would copy a Content-Disposition onto its error page.
    assert response["X-Download-Disposition"] == f'attachment; filename="{EPUB_NAME}"'
    assert not response.has_header("Content-Disposition")
    assert response.content == b""


FAILED_URL = "/account/orders/download-failed/"


def failure_token(response):
    """The token the app hands nginx with the file, for reporting a failure."""
    return response["X-Accel-Redirect"].partition("?attempt=")[2]


def report_failure(client, token):
    """What nginx's @download_failed sends: the token as a POST body."""
    return client.post(FAILED_URL, data=token, content_type="text/plain")


def outcomes(order):
    return sorted(DownloadAttempt.objects.filter(order=order).values_list("outcome", flat=True))


def test_a_download_nginx_cannot_send_gives_its_attempt_back_once(client, paid_order, nginx_backend, caplog):
    token = failure_token(client.get(zip_url(paid_order)))
    assert attempts_used(paid_order) == 1
    response = report_failure(client, token)
    assert response.status_code == 503
    page = response.content.decode()
    assert "We could not send this file. No download attempt was used, and we have been told." in page
    assert not response.has_header("Content-Disposition")
    assert attempts_used(paid_order) == 0
    assert outcomes(paid_order) == ["failed"]
    assert "the order's zip" in caplog.text
    assert "group www-data and mode 2750" in caplog.text
    assert token not in caplog.text
    # A replay (nginx retried, or someone holds the token) changes nothing.
    assert report_failure(client, token).status_code == 404
    assert attempts_used(paid_order) == 0
    assert outcomes(paid_order) == ["failed"]


def test_forged_or_expired_failure_reports_change_nothing(client, paid_order, nginx_backend, monkeypatch):
    from django.core import signing

    token = failure_token(client.get(file_url(paid_order, epub_grant(paid_order))))
    attempt_id = DownloadAttempt.objects.get(order=paid_order).pk
    forged = [
        "",
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        signing.dumps({"attempt": attempt_id, "counted": True}, salt="another-salt"),
        signing.dumps({"attempt": attempt_id, "counted": True}),
    ]
    now = signing.time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - 6 * 60)
    forged.append(
        signing.dumps(
            {"attempt": attempt_id, "counted": True}, salt="shop_ext.delivery.views.failed-delivery"
        )
    )
    monkeypatch.undo()
    for body_text in forged:
        assert report_failure(client, body_text).status_code == 404
    assert client.get(FAILED_URL).status_code == 405
    assert attempts_used(paid_order) == 1
    assert outcomes(paid_order) == ["served"]


def test_a_resumed_download_that_fails_gives_back_no_attempt(client, paid_order, nginx_backend):
    url = file_url(paid_order, epub_grant(paid_order))
    client.get(url)
    resumed = client.get(url, HTTP_RANGE="bytes=100-")
    assert outcomes(paid_order) == ["resumed", "served"]
    assert report_failure(client, failure_token(resumed)).status_code == 503
    assert attempts_used(paid_order) == 1  # the resume used none, so none comes back
    assert outcomes(paid_order) == ["failed", "served"]


def test_a_range_after_a_failed_download_is_no_resume(client, paid_order, nginx_backend):
    url = file_url(paid_order, epub_grant(paid_order))
    report_failure(client, failure_token(client.get(url)))
    assert attempts_used(paid_order) == 0
    client.get(url, HTTP_RANGE="bytes=100-")
    assert attempts_used(paid_order) == 1
    assert outcomes(paid_order) == ["failed", "served"]


def test_private_files_are_not_under_media(paid_order, settings):
    """No URL of their own: tests/integration/core/test_security.py::test_private_file_has_no_url."""
    grant = epub_grant(paid_order)
    assert not grant.file.file.path.startswith(settings.MEDIA_ROOT)


@pytest.mark.parametrize(("trusted", "expected"), [([], "127.0.0.1"), (["127.0.0.1"], "203.0.113.9")])
def test_logged_ip_honours_only_trusted_proxies(client, paid_order, settings, trusted, expected):
    settings.SHOP_TRUSTED_PROXIES = trusted
    client.get(zip_url(paid_order), HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert DownloadAttempt.objects.get(order=paid_order).ip_address == expected


def test_order_history_lists_files_limits_and_links(client, paid_order):
    client.get(zip_url(paid_order))
    page = client.get("/account/orders/").content.decode()
    for grant in paid_order.download_grants.select_related("file"):
        assert file_url(paid_order, grant) in page
        assert grant.file.sha256 in page
    assert zip_url(paid_order) in page
    assert "9</strong> of 10 download attempts left" in page
    expires = OrderDelivery.objects.get(order=paid_order).expires_at
    assert f"available until {expires:%-d %b %Y}" in page


def test_order_history_passes_one_buyer_order_per_order_and_leaves_cartridges_orders_alone(
    client, paid_order
):
    page = client.get("/account/orders/")
    [shown] = page.context["buyer_orders"]
    assert shown.order == paid_order
    assert shown.download_decision.allowed
    # Signed for this browser (shop_ext.delivery.signed_links).
    assert shown.zip_url.startswith(zip_url(paid_order) + "?key=")
    assert shown.delivery == OrderDelivery.objects.get(order=paid_order)
    granted = {grant for line in shown.download_lines for grant in line["grants"]}
    assert granted == set(paid_order.download_grants.all())
    assert not {"download_lines", "download_decision", "zip_url", "delivery_info", "card_payment"} & set(
        vars(shown.order)
    )


def test_order_history_says_an_unpaid_order_is_pending(client, book, place_order):
    order = place_order(book, "eBook")
    page = client.get("/account/orders/").content.decode()
    assert "Your files will be ready once payment arrives." in page
    assert zip_url(order) not in page


def test_a_zip_that_cannot_be_built_uses_no_attempt(paid_order, buyer, monkeypatch):
    """Built before the attempt is counted: a full disk is an error page,
    not a lost attempt."""

    def disk_full(order, files):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("shop_ext.delivery.views.order_zip", disk_full)
    client = quiet_client(buyer)
    assert client.get(zip_url(paid_order)).status_code == 500
    assert attempts_used(paid_order) == 0
