"""The shop with no shared disk: private files in S3 (moto's server, a local
process: tests/s3_server.py), two app servers, and nginx with no private
root at all (deploy/nginx.conf without its /protected/ location). A buyer
buys the eBook; its download, a resume, a HEAD, the order's zip, a stamped
copy and a new version uploaded in the admin all come from the bucket
through nginx (X-Accel-Redirect to a pre-signed URL)."""

import hashlib
import io
import re
import shutil
import subprocess
import sys
import time

import pytest

from deploy.local_stack import NGINX, NGINX_SITE, free_port
from tests.functional.stack.conftest import BASE_DIR, Stack, without_internal_location
from tests.functional.stack.forms import form_fields, save_admin_form, with_inline_row
from tests.functional.stack.journeys import BOOK_SLUG, buy_ebook, staff_session
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY, new_bucket, s3_client, s3_server

pytestmark = pytest.mark.stack

BUYER = {"username": "s3-buyer", "password": "S3-buyer-pw-7431", "email": "s3-buyer@example.com"}
STAFF = {"username": "s3-editor", "password": "S3-editor-pw-5517"}


@pytest.fixture(scope="module")
def s3_stack(tmp_path_factory):
    if NGINX is None:
        pytest.fail(
            "nginx is not installed: the stack tests need it (apt-get install nginx-light)", pytrace=False
        )
    with s3_server(tmp_path_factory.mktemp("s3-stack") / "moto.log") as endpoint:
        bucket = new_bucket(endpoint)
        env = {
            "SHOP_PRIVATE_STORAGE": "s3",
            "SHOP_S3_ENDPOINT_URL": endpoint,
            "SHOP_S3_REGION": REGION,
            "SHOP_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "SHOP_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "SHOP_S3_PRIVATE_BUCKET": bucket,
        }
        with Stack(name="shop_s3_stack", extra_env=env) as stack:
            # No shared disk: nothing may be written to or read from a private root.
            shutil.rmtree(stack.private_root)
            stack.manage("collectstatic", "--noinput", "-v0")
            stack.manage("load_demo", "--force", env=stack.environ(SHOP_DEMO="true"))
            stack.worker = stack.start_worker()
            apps = [stack.start_gunicorn(name="gunicorn-1"), stack.start_gunicorn(name="gunicorn-2")]
            stack.nginx = stack.start_nginx(apps, template=without_internal_location(NGINX_SITE.read_text()))
            stack.endpoint, stack.bucket = endpoint, bucket
            yield stack


@pytest.fixture(scope="module")
def purchase(s3_stack):
    return buy_ebook(s3_stack, BUYER)


def attempts_used(stack, order_id):
    return stack.sql("SELECT attempts_used FROM shop_ext_orderdelivery WHERE order_id = %s", order_id)[0][0]


def test_the_files_are_in_the_bucket_and_not_on_any_disk(s3_stack, purchase):
    client = s3_client(s3_stack.endpoint)
    for _grant, name, sha256, _size in purchase["files"]:
        data = client.get_object(Bucket=s3_stack.bucket, Key=name)["Body"].read()
        assert hashlib.sha256(data).hexdigest() == sha256
    assert not s3_stack.private_root.exists()


def test_a_download_comes_from_the_bucket_through_nginx_and_resumes(s3_stack, purchase):
    grant_id, _name, sha256, size = purchase["files"][0]
    url = f"{s3_stack.url}/account/orders/{purchase['order_id']}/files/{grant_id}/"
    before = attempts_used(s3_stack, purchase["order_id"])
    response = purchase["session"].get(url, timeout=60)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == sha256
    assert len(response.content) == size
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    for hidden in ("X-Accel-Redirect", "X-Download-Source", "X-Download-Disposition", "x-amz-request-id"):
        assert hidden not in response.headers
    assert s3_stack.endpoint.split("//")[1] not in str(response.headers)  # the buyer never sees the URL
    assert attempts_used(s3_stack, purchase["order_id"]) == before + 1

    resumed = purchase["session"].get(url, headers={"Range": "bytes=100-"}, timeout=60)
    assert resumed.status_code == 206
    assert resumed.headers["Content-Range"] == f"bytes 100-{size - 1}/{size}"
    assert resumed.content == response.content[100:]
    assert attempts_used(s3_stack, purchase["order_id"]) == before + 1  # a resume is free

    looked = purchase["session"].head(url, timeout=60)
    assert looked.status_code == 200
    assert int(looked.headers["Content-Length"]) == size
    assert attempts_used(s3_stack, purchase["order_id"]) == before + 1


def test_the_order_zip_is_built_in_the_bucket_and_sent_through_nginx(s3_stack, purchase):
    url = f"{s3_stack.url}/account/orders/{purchase['order_id']}/files/all.zip"
    response = purchase["session"].get(url, timeout=120)
    while response.status_code == 202:  # a worker is building it
        response = purchase["session"].get(url, timeout=120)
    assert response.status_code == 200
    assert response.content.startswith(b"PK\x03\x04")
    keys = [
        o["Key"] for o in s3_client(s3_stack.endpoint).list_objects_v2(Bucket=s3_stack.bucket)["Contents"]
    ]
    assert any(key.startswith(f"zips/order-{purchase['order_id']}/") for key in keys)


def test_a_file_nginx_cannot_fetch_gives_the_attempt_back(s3_stack, purchase):
    """An app server whose endpoint nginx cannot resolve (its resolver has
    no answer for the host name): nginx cannot fetch the pre-signed URL, reports it, and the
    buyer gets the "could not send" page with the attempt given back."""
    port = s3_stack.endpoint.rsplit(":", 1)[1]
    _site, response = download_through_app_with(
        s3_stack, purchase, "unresolvable", f"http://localhost:{port}"
    )
    assert "Content-Disposition" not in response.headers


def download_through_app_with(s3_stack, purchase, name, endpoint):
    """The buyer's first file through an app server (and its own nginx)
    whose S3 endpoint is ``endpoint``: the "could not send" page, no attempt
    used. Returns that nginx and the answer."""
    app = s3_stack.start_gunicorn(name=f"gunicorn-{name}", SHOP_S3_ENDPOINT_URL=endpoint)
    site = s3_stack.start_nginx(
        app,
        template=without_internal_location(NGINX_SITE.read_text()),
        name=f"nginx-{name}",
        port=free_port(),
    )
    grant_id = purchase["files"][0][0]
    before = attempts_used(s3_stack, purchase["order_id"])
    url = f"http://127.0.0.1:{site.port}/account/orders/{purchase['order_id']}/files/{grant_id}/"
    response = purchase["session"].get(url, timeout=60)
    assert response.status_code == 503
    assert "We could not send this file. No download attempt was used" in response.text
    assert attempts_used(s3_stack, purchase["order_id"]) == before
    return site, response


def check_delivery(s3_stack, purchase, site_url, **env):
    """manage.py check_delivery as the buyer, against ``site_url``, in the
    deployment's environment with ``env`` on top."""
    return subprocess.run(
        [sys.executable, "manage.py", "check_delivery", "--site-url", site_url]
        + ["--username", BUYER["username"], "--password", BUYER["password"]]
        + ["--order", str(purchase["order_id"]), "--grant", str(purchase["files"][0][0])],
        cwd=BASE_DIR,
        env=s3_stack.environ(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_delivery_passes_against_the_bucket(s3_stack, purchase):
    result = check_delivery(s3_stack, purchase, s3_stack.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert f"PASS  private bucket {s3_stack.bucket} at {s3_stack.endpoint} answers" in result.stdout
    assert "PASS  download the order's zip" in result.stdout
    assert "all.zip gives 206" in result.stdout


def test_wrong_credentials_get_the_buyer_a_clean_page_and_staff_the_fix(s3_stack, purchase, tmp_path):
    """An app server whose key S3 refuses (a moto server that checks keys,
    tests/s3_server.py): the buyer gets the "could not send" page with no
    attempt used, and check_delivery names the variables to correct."""
    with s3_server(tmp_path / "moto-checking-keys.log", checking_keys=True) as refusing:
        site, _response = download_through_app_with(s3_stack, purchase, "wrong-key", refusing)

        result = check_delivery(
            s3_stack, purchase, f"http://127.0.0.1:{site.port}", SHOP_S3_ENDPOINT_URL=refusing
        )
        assert result.returncode != 0
        assert f"FAIL  private bucket {s3_stack.bucket} at {refusing} answers" in result.stdout
        assert "fix: SHOP_S3_ACCESS_KEY_ID / SHOP_S3_SECRET_ACCESS_KEY are wrong" in result.stdout


@pytest.fixture(scope="module")
def editor(s3_stack):
    return staff_session(s3_stack, STAFF)


def book_form(s3_stack, editor):
    """The book's change page in the admin: its address and the fields its form sends."""
    [(product_id,)] = s3_stack.sql("SELECT id FROM shop_product WHERE slug = %s", BOOK_SLUG)
    url = f"{s3_stack.url}/admin/shop_ext/book/{product_id}/change/"
    page = editor.get(url)
    assert page.status_code == 200
    return url, form_fields(page.text, "book_form")


def saved(response):
    assert response.status_code == 302, re.findall(r'<ul class="errorlist[^"]*">.*?</ul>', response.text)[:5]


def download(session, url):
    """GET ``url`` as a browser does while the shop says "preparing your copy" (202)."""
    response = session.get(url, timeout=60)
    deadline = time.monotonic() + 120
    while response.status_code == 202 and time.monotonic() < deadline:
        time.sleep(float(response.headers["Refresh"]))
        response = session.get(url, timeout=60)
    return response


def test_a_stamped_copy_turned_on_in_the_admin_is_made_in_the_bucket_and_sent(s3_stack, purchase, editor):
    from pypdf import PdfReader

    url, fields = book_form(s3_stack, editor)
    saved(save_admin_form(editor, url, with_inline_row(fields, "download_policy", {"stamp_copies": "on"})))
    [grant_id] = [g for g, name, _sha256, _size in purchase["files"] if name.endswith(".pdf")]
    before = attempts_used(s3_stack, purchase["order_id"])
    try:
        response = download(
            purchase["session"], f"{s3_stack.url}/account/orders/{purchase['order_id']}/files/{grant_id}/"
        )

        assert response.status_code == 200, response.text[:2000]
        assert response.headers["Server"].startswith("nginx")
        assert attempts_used(s3_stack, purchase["order_id"]) == before + 1
        [(name, copy_id)] = s3_stack.sql(
            "SELECT file, copy_id FROM shop_ext_stampedcopy WHERE grant_id = %s AND status = 'ready'",
            grant_id,
        )
        assert name.startswith(f"stamped/order-{purchase['order_id']}/")
        stored = s3_client(s3_stack.endpoint).get_object(Bucket=s3_stack.bucket, Key=name)["Body"].read()
        assert response.content == stored
        text = PdfReader(io.BytesIO(stored)).pages[0].extract_text()
        assert BUYER["email"] in text
        assert copy_id in text
        assert not s3_stack.private_root.exists()
    finally:
        s3_stack.sql(
            "UPDATE shop_ext_downloadpolicy SET stamp_copies = false WHERE product_id = "
            "(SELECT id FROM shop_product WHERE slug = %s)",
            BOOK_SLUG,
        )


def current_version(s3_stack, file_id):
    return s3_stack.sql(
        "SELECT v.number, v.file, v.sha256 FROM shop_ext_productfileversion v "
        "JOIN shop_ext_productfile f ON f.current_version_id = v.id WHERE f.id = %s",
        file_id,
    )


def test_a_new_version_uploaded_in_the_admin_goes_to_the_bucket_and_to_the_buyer(s3_stack, purchase, editor):
    from shop_demo.media import epub_bytes

    second_edition = epub_bytes(
        "The Lighthouse Keeper's Almanac", "Second edition", "A corrected tide table."
    )
    [(grant_id, old_name)] = [
        (g, name) for g, name, _sha256, _size in purchase["files"] if name.endswith(".epub")
    ]
    [(file_id,)] = s3_stack.sql("SELECT file_id FROM shop_ext_downloadgrant WHERE id = %s", grant_id)
    [(replaced, _name, _sha256)] = current_version(s3_stack, file_id)
    url, fields = book_form(s3_stack, editor)
    [row] = [
        name.removesuffix("-id")
        for name, value in fields
        if name.startswith("files-") and name.endswith("-id") and value == str(file_id)
    ]

    saved(
        save_admin_form(
            editor,
            url,
            fields,
            files={f"{row}-file": ("almanac-2nd.epub", second_edition, "application/epub+zip")},
        )
    )

    [(number, name, sha256)] = current_version(s3_stack, file_id)
    assert (number, sha256) == (replaced + 1, hashlib.sha256(second_edition).hexdigest())
    keys = {
        o["Key"] for o in s3_client(s3_stack.endpoint).list_objects_v2(Bucket=s3_stack.bucket)["Contents"]
    }
    assert {name, old_name} <= keys  # the version the buyer bought keeps its own object
    response = download(
        purchase["session"], f"{s3_stack.url}/account/orders/{purchase['order_id']}/files/{grant_id}/"
    )
    assert response.status_code == 200
    assert response.content == second_edition  # buyers get updates, the default
    assert not s3_stack.private_root.exists()
