"""Downloads from S3 (SHOP_PRIVATE_STORAGE=s3) against moto's server: after
its checks the app hands nginx a pre-signed URL (SHOP_DELIVERY=nginx), or
sends the buyer to it (SHOP_DELIVERY=redirect). What nginx does with it is
tests/functional/stack/test_s3_stack.py's."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from shop_ext.core.storage import PrivateS3Storage
from shop_ext.delivery.sending import S3_ACCEL_URL, SOURCE_FOR_NGINX
from shop_ext.models import DownloadAttempt
from tests.factories import EPUB

pytestmark = pytest.mark.django_db

EPUB_NAME = "the-lighthouse-keepers-almanac.epub"


def file_url(order, grant):
    return f"/account/orders/{order.pk}/files/{grant.pk}/"


def epub_grant(order):
    return order.download_grants.get(file__original_filename="almanac.epub")


def zip_url(order):
    return f"/account/orders/{order.pk}/files/all.zip"


def attempts_used(order):
    order.delivery.refresh_from_db()
    return order.delivery.attempts_used


@pytest.fixture
def s3_order(s3_private_storage, paid_order):
    return paid_order


def test_nginx_gets_a_pre_signed_url_for_the_file(client, s3_order, settings):
    grant = epub_grant(s3_order)
    response = client.get(file_url(s3_order, grant))
    assert response.status_code == 200
    assert response.content == b""
    location, _, query = response["X-Accel-Redirect"].partition("?")
    assert location == S3_ACCEL_URL
    assert query.startswith("attempt=")  # the failure report works as for disk
    assert response["X-Download-Disposition"] == f'attachment; filename="{EPUB_NAME}"'
    source = response[SOURCE_FOR_NGINX]
    assert parse_qs(urlsplit(source).query)["X-Amz-Expires"] == [str(settings.SHOP_S3_URL_SECONDS)] == ["60"]
    fetched = requests.get(source, timeout=10)
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.content).hexdigest() == hashlib.sha256(EPUB).hexdigest()
    assert fetched.headers["Content-Type"] == "application/epub+zip"
    resumed = requests.get(source, headers={"Range": "bytes=10-"}, timeout=10)
    assert resumed.status_code == 206
    assert resumed.content == EPUB[10:]
    assert attempts_used(s3_order) == 1


def test_a_head_request_is_signed_for_head_and_uses_no_attempt(client, s3_order):
    response = client.head(file_url(s3_order, epub_grant(s3_order)))
    looked = requests.head(response[SOURCE_FOR_NGINX], timeout=10)
    assert looked.status_code == 200
    assert int(looked.headers["Content-Length"]) == len(EPUB)
    assert attempts_used(s3_order) == 0


def test_the_order_zip_is_built_in_the_bucket_and_handed_over(client, s3_order):
    response = client.get(zip_url(s3_order))
    assert response.status_code == 200
    fetched = requests.get(response[SOURCE_FOR_NGINX], timeout=10)
    assert fetched.content.startswith(b"PK\x03\x04")
    assert attempts_used(s3_order) == 1


def test_redirect_mode_sends_the_buyer_to_the_url_with_the_name_and_type(client, s3_order, settings):
    settings.SHOP_DELIVERY = "redirect"
    response = client.get(file_url(s3_order, epub_grant(s3_order)))
    assert response.status_code == 302
    assert not response.has_header("X-Accel-Redirect")
    fetched = requests.get(response["Location"], timeout=10)
    assert fetched.content == EPUB
    assert fetched.headers["Content-Disposition"] == f'attachment; filename="{EPUB_NAME}"'
    assert fetched.headers["Content-Type"] == "application/epub+zip"
    assert attempts_used(s3_order) == 1
    assert DownloadAttempt.objects.get().outcome == DownloadAttempt.SERVED


def test_a_failure_nginx_reports_gives_the_attempt_back(client, s3_order):
    response = client.get(file_url(s3_order, epub_grant(s3_order)))
    token = response["X-Accel-Redirect"].partition("?attempt=")[2]
    assert attempts_used(s3_order) == 1
    report = client.post("/account/orders/download-failed/", data=token, content_type="text/plain")
    assert report.status_code == 503
    assert attempts_used(s3_order) == 0


def broken_storage(settings, **options):
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], **options}},
    }


# A missing bucket holds no file: the "temporarily unavailable" page, as for
# a lost file; an endpoint that does not answer: the "could not send" page.
# The app asks the bucket for a zip, and for a file it sends the buyer to
# (redirect); a file nginx fetches is nginx's to report (below, and
# tests/functional/stack/test_s3_stack.py).
@pytest.mark.parametrize(
    ("problem", "status", "page", "log"),
    [
        ({"bucket_name": "no-such-bucket"}, 404, "no attempt was used", "missing from private storage"),
        (
            {"endpoint_url": "http://127.0.0.1:9"},  # nothing listens there
            503,
            "No download attempt was used",
            "private storage did not answer a download",
        ),
    ],
    ids=["missing bucket", "unreachable endpoint"],
)
@pytest.mark.parametrize(
    ("url", "delivery"),
    [(file_url, "redirect"), (lambda order, grant: zip_url(order), "nginx")],
    ids=["file", "zip"],
)
def test_storage_that_cannot_answer_gets_the_buyer_a_clean_page_and_no_attempt_used(
    client, s3_order, settings, caplog, problem, status, page, log, url, delivery
):
    settings.SHOP_DELIVERY = delivery
    broken_storage(settings, **problem)
    response = client.get(url(s3_order, epub_grant(s3_order)))
    assert response.status_code == status
    assert page in response.content.decode()
    assert attempts_used(s3_order) == 0
    assert log in caplog.text


@pytest.mark.parametrize(
    ("url", "delivery"),
    [(file_url, "redirect"), (lambda order, grant: zip_url(order), "nginx")],
    ids=["file", "zip"],
)
def test_wrong_credentials_get_the_buyer_a_clean_page_and_no_attempt_used(
    client, s3_order, settings, caplog, s3_endpoint_checking_keys, url, delivery
):
    """A key S3 refuses (a server that checks keys: tests/s3_server.py)."""
    settings.SHOP_DELIVERY = delivery
    working = settings.STORAGES
    broken_storage(settings, endpoint_url=s3_endpoint_checking_keys)
    response = client.get(url(s3_order, epub_grant(s3_order)))
    assert response.status_code == 503
    assert "We could not send this file. No download attempt was used" in response.content.decode()
    assert attempts_used(s3_order) == 0
    assert not DownloadAttempt.objects.exists()
    assert "private storage did not answer a download (ClientError" in caplog.text
    # Once the key is corrected, the download the buyer kept an attempt for works.
    settings.STORAGES = working
    assert client.get(url(s3_order, epub_grant(s3_order))).status_code in (200, 302)  # nginx's / redirect
    assert attempts_used(s3_order) == 1


def test_an_object_deleted_behind_the_shops_back_uses_no_attempt(
    client, s3_order, s3_private_storage, settings
):
    settings.SHOP_DELIVERY = "redirect"
    grant = epub_grant(s3_order)
    s3_private_storage.delete(grant.file.file.name)
    response = client.get(file_url(s3_order, grant))
    assert response.status_code == 404
    assert "temporarily unavailable" in response.content.decode()
    assert "no attempt was used" in response.content.decode()
    assert attempts_used(s3_order) == 0


def test_nginx_fetching_from_s3_is_the_only_existence_check_and_reports_a_missing_object(
    client, s3_order, s3_private_storage, monkeypatch
):
    """With SHOP_DELIVERY=nginx the app asks the bucket nothing before it
    hands over a file (no HEAD per download): the attempt is counted, and
    nginx's report of S3's 404 gives it back."""
    grant = epub_grant(s3_order)
    s3_private_storage.delete(grant.file.file.name)
    asked = []
    monkeypatch.setattr(PrivateS3Storage, "exists", lambda storage, name: asked.append(name))
    response = client.get(file_url(s3_order, grant))
    assert response.status_code == 200
    assert asked == []
    assert attempts_used(s3_order) == 1
    # What nginx gets (S3 answers 403 for a missing key to whom may not list the bucket): both reported.
    assert requests.get(response[SOURCE_FOR_NGINX], timeout=10).status_code in (403, 404)
    token = response["X-Accel-Redirect"].partition("?attempt=")[2]
    report = client.post("/account/orders/download-failed/", data=token, content_type="text/plain")
    assert report.status_code == 503
    assert "No download attempt was used" in report.content.decode()
    assert attempts_used(s3_order) == 0
    assert DownloadAttempt.objects.get().outcome == DownloadAttempt.FAILED
