"""The shop as deployed: PostgreSQL, gunicorn, nginx, SMTP, over real HTTP.

A buyer signs up, buys an ebook, the order is paid, the email arrives over
SMTP and its link downloads the file through nginx (X-Accel-Redirect), with
Django's worker never touching the bytes. nginx's workers run as www-data,
apart from the app, as deployed.
"""

import grp
import hashlib
import pwd
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from deploy.local_stack import NGINX_SITE, free_port
from tests.functional.stack.conftest import BASE_DIR, MEASUREMENTS, without_internal_location
from tests.functional.stack.journeys import BOOK_SLUG, buy_ebook
from tests.shopper import private_link

pytestmark = pytest.mark.stack

BUYER = {"username": "stack-buyer", "password": "Stack-buyer-pw-7431", "email": "stack-buyer@example.com"}
BIG_FILE_BYTES = 200 * 1024 * 1024


def sha256_of_stream(response):
    digest, size = hashlib.sha256(), 0
    for chunk in response.iter_content(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_of_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def attempts_used(stack, order_id):
    return stack.sql("SELECT attempts_used FROM shop_ext_orderdelivery WHERE order_id = %s", order_id)[0][0]


@pytest.fixture(scope="module")
def purchase(stack):
    """The eBook bought and paid (tests.functional.stack.journeys.py), and
    the files email received over SMTP."""
    bought = buy_ebook(stack, BUYER)
    return {**bought, "email": stack.smtp.wait_for_message("Your files from", to=BUYER["email"])}


def test_buyer_downloads_from_the_email_link_through_nginx(stack, purchase):
    email = purchase["email"]
    assert email["To"] == BUYER["email"]
    text = email.get_body(("plain",)).get_content()
    grant_id, name, sha256, size = purchase["files"][0]
    link = f"{stack.url}{private_link(text, purchase['order_id'])}files/{grant_id}/"
    assert link in text

    # The account's address of the same file needs the account.
    account_link = f"{stack.url}/account/orders/{purchase['order_id']}/files/{grant_id}/"
    stranger = requests.get(account_link, allow_redirects=False, timeout=60)
    assert stranger.status_code == 302
    assert "/accounts/login/" in stranger.headers["Location"]

    # The email's link works in any browser, without signing in.
    response = requests.get(link, stream=True, timeout=60)
    assert response.status_code == 200
    assert response.headers["Server"].startswith("nginx")
    assert "X-Accel-Redirect" not in response.headers
    # Named after the book (not the file's admin title), as nginx passes it on.
    assert response.headers["Content-Disposition"] == f'attachment; filename="{BOOK_SLUG}.epub"'
    assert response.headers["Content-Type"] == "application/epub+zip"
    # Set again in nginx's internal location (nginx drops the app's).
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]
    assert int(response.headers["Content-Length"]) == size
    assert sha256_of_stream(response) == (sha256, size)


# Headers that tell a browser how to treat a response, whatever its content.
SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "Cross-Origin-Opener-Policy",
    "Cross-Origin-Embedder-Policy",
    "Cross-Origin-Resource-Policy",
    "Permissions-Policy",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
)


@pytest.fixture(scope="module")
def tls_site(stack):
    """A second nginx in front of the same gunicorn, terminating TLS with a
    certificate of its own as docs/deploy.md describes, so the app answers
    as on https (HSTS); its URL and the certificate to verify it with."""
    tls = stack.tmp / "tls"
    tls.mkdir()
    cert, key = tls / "cert.pem", tls / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    template = NGINX_SITE.read_text().replace(
        "    listen {{ listen }};\n",
        f"    listen {{{{ listen }}}} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n",
    )
    port = free_port()
    stack.start_nginx(stack.gunicorn, template=template, name="nginx-tls", port=port)
    return f"https://127.0.0.1:{port}", str(cert)


def test_file_downloads_carry_every_security_header_of_a_page(stack, purchase, tls_site):
    """nginx drops the app's headers on X-Accel-Redirect: its internal
    location sets them again, with the pages' values (a file's CSP is its
    own, stricter one)."""
    url, cert = tls_site
    session = purchase["session"]
    page = session.get(f"{url}/shop/product/{BOOK_SLUG}/", verify=cert)
    assert page.status_code == 200
    grant_id = purchase["files"][0][0]
    download = session.get(f"{url}/account/orders/{purchase['order_id']}/files/{grant_id}/", verify=cert)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")

    on_page = {name: page.headers[name] for name in SECURITY_HEADERS if name in page.headers}
    assert {"Strict-Transport-Security", "Referrer-Policy", "Cross-Origin-Opener-Policy"} <= set(on_page)
    assert "preload" in on_page["Strict-Transport-Security"]  # production's SECURE_HSTS_* (docs/deploy.md)
    on_file = {name: download.headers.get(name) for name in on_page}
    on_file.pop("Content-Security-Policy", None)
    assert on_file == {name: on_page[name] for name in on_file}
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_app_itself_answers_with_x_accel_redirect_and_no_body(stack, purchase):
    """Asked directly (bypassing nginx), gunicorn names the file and sends nothing."""
    grant_id, name, _, _size = purchase["files"][0]
    path = f"/account/orders/{purchase['order_id']}/files/{grant_id}/"
    cookie = "; ".join(f"{c.name}={c.value}" for c in purchase["session"].cookies)
    status, headers, body = raw_get(stack.gunicorn.port, path, {"Host": "127.0.0.1", "Cookie": cookie})
    assert status == 200
    file_path, _, query = headers["x-accel-redirect"].partition("?")
    assert file_path == f"/protected/{name}"
    assert query.startswith("attempt=")  # for nginx to hand back if it cannot send the file
    assert body == b""
    # The empty response says so (django-sendfile2 would announce the file's
    # size); nginx sends the real file's length (checked through nginx above).
    assert headers["content-length"] == "0"
    # nginx sets Content-Disposition from it (it would copy the app's onto its error page).
    assert headers["x-download-disposition"].startswith("attachment")
    assert "content-disposition" not in headers
    assert headers["x-content-type-options"] == "nosniff"


def uid_of(pid):
    return int(re.search(r"^Uid:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))


def test_nginx_workers_run_as_www_data_apart_from_the_app(stack):
    www_data = pwd.getpwnam("www-data").pw_uid
    assert {uid_of(pid) for pid in stack.nginx.worker_pids} == {www_data}, (
        "run the stack tests as root (as CI does), so nginx's workers can be www-data"
    )
    assert uid_of(stack.worker_pid) != www_data


def test_order_zip_downloads_through_nginx_and_resumes(stack, purchase):
    """The zip the app builds is readable by nginx's workers (group www-data,
    0640), not only the files staff uploaded."""
    order_id, session = purchase["order_id"], purchase["session"]
    link = f"{stack.url}/account/orders/{order_id}/files/all.zip"
    used = attempts_used(stack, order_id)
    response = session.get(link, stream=True)
    # The worker builds it; the page says so and refreshes (no attempt used).
    deadline = time.monotonic() + 60
    while response.status_code == 202 and time.monotonic() < deadline:
        assert attempts_used(stack, order_id) == used
        time.sleep(float(response.headers["Refresh"]))
        response = session.get(link, stream=True)
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["Server"].startswith("nginx")
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    [zip_file] = (stack.private_root / "zips").glob(f"order-{order_id}/*.zip")
    assert sha256_of_stream(response) == (sha256_of_file(zip_file), zip_file.stat().st_size)
    info = zip_file.stat()
    assert (stat.S_IMODE(info.st_mode), grp.getgrgid(info.st_gid).gr_name) == (0o640, "www-data")

    before = attempts_used(stack, order_id)
    response = session.get(link, headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.content == zip_file.read_bytes()[100:200]
    assert attempts_used(stack, order_id) == before


def test_a_file_nginx_cannot_read_is_a_clear_page_and_uses_no_attempt(stack, purchase):
    grant_id, name, _, _ = purchase["files"][0]
    order_id = purchase["order_id"]
    product_file = stack.private_root / name
    before = attempts_used(stack, order_id)
    product_file.chmod(0o600)  # owner root: nginx's workers (www-data) cannot read it
    try:
        response = purchase["session"].get(f"{stack.url}/account/orders/{order_id}/files/{grant_id}/")
    finally:
        product_file.chmod(0o640)
    assert response.status_code == 503
    assert (
        "We could not send this file. No download attempt was used, and we have been told." in response.text
    )
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response.headers  # a page, not a download
    assert attempts_used(stack, order_id) == before
    [(outcome,)] = stack.sql(
        "SELECT outcome FROM shop_ext_downloadattempt WHERE order_id = %s ORDER BY id DESC LIMIT 1",
        order_id,
    )
    assert outcome == "failed"
    assert f'{name}" failed (13: Permission denied)' in stack.nginx.log.read_text()
    assert "could not send" in stack.gunicorn.log.read_text()  # the error for staff, with the fix


def raw_get(port, path, headers):
    """One HTTP/1.0 request; everything the server sends until it closes."""
    request = f"GET {path} HTTP/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request.encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in lines:
        key, _, value = line.partition(":")
        parsed[key.strip().lower()] = value.strip()
    return int(status_line.split()[1]), parsed, body


def test_private_files_have_no_url_of_their_own(stack, purchase):
    _, name, _, _ = purchase["files"][0]
    assert (stack.private_root / name).is_file()
    for path in (
        f"/protected/{name}",
        "/protected/",
        f"/media/{name}",
        f"/private/{name}",
        f"/static/{name}",
        f"/{name}",
        f"/media/../private/{name}",
    ):
        # Signed in as the buyer too: only the download view may serve it.
        # (Django may first add a slash: 301, then 404.)
        for session in (requests.Session(), purchase["session"]):
            response = session.get(stack.url + path)
            assert response.status_code == 404, path
            assert response.headers["Content-Type"].startswith("text/html"), path


def test_range_resumes_without_using_an_attempt(stack, purchase):
    grant_id, name, _, _ = purchase["files"][0]
    order_id = purchase["order_id"]
    link = f"{stack.url}/account/orders/{order_id}/files/{grant_id}/"
    session = purchase["session"]
    content = (stack.private_root / name).read_bytes()
    session.get(link).raise_for_status()  # a served download to resume
    before = attempts_used(stack, order_id)
    response = session.get(link, headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.content == content[100:200]
    assert response.headers["Content-Range"].startswith("bytes 100-199/")
    assert attempts_used(stack, order_id) == before
    # From byte 0, or several ranges, it is a new download: an attempt.
    for header in ("bytes=0-99", "bytes=0-", "bytes=100-199,0-99"):
        assert session.get(link, headers={"Range": header}).status_code in (200, 206)
    assert attempts_used(stack, order_id) == before + 3


def test_the_order_history_link_downloads_and_resumes_through_nginx_with_its_browser_only(stack, purchase):
    """Its key (signed for this browser's session) passes nginx to the app,
    which then reads no session or user; without the cookie it is no sign-in."""
    grant_id, name, sha256, size = purchase["files"][0]
    order_id = purchase["order_id"]
    session = purchase["session"]
    page = session.get(f"{stack.url}/account/orders/")
    page.raise_for_status()
    [path] = re.findall(rf'href="(/account/orders/{order_id}/files/{grant_id}/\?key=[^"]+)"', page.text)
    before = attempts_used(stack, order_id)

    response = session.get(stack.url + path, stream=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{BOOK_SLUG}.epub"'
    assert sha256_of_stream(response) == (sha256, size)
    resumed = session.get(stack.url + path, headers={"Range": "bytes=100-199"})
    assert resumed.status_code == 206
    assert resumed.content == (stack.private_root / name).read_bytes()[100:200]
    assert attempts_used(stack, order_id) == before + 1

    stranger = requests.get(stack.url + path, allow_redirects=False, timeout=60)
    assert stranger.status_code == 302
    assert "/accounts/login/" in stranger.headers["Location"]
    assert attempts_used(stack, order_id) == before + 1


def test_a_look_at_a_download_link_through_nginx_uses_no_attempt(stack, purchase):
    grant_id, _, _, _ = purchase["files"][0]
    order_id = purchase["order_id"]
    before = attempts_used(stack, order_id)
    response = purchase["session"].head(f"{stack.url}/account/orders/{order_id}/files/{grant_id}/")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert attempts_used(stack, order_id) == before


def test_the_download_that_used_the_last_attempt_resumes_through_nginx(stack, purchase):
    grant_id, name, _, _ = purchase["files"][0]
    order_id = purchase["order_id"]
    link = f"{stack.url}/account/orders/{order_id}/files/{grant_id}/"
    session = purchase["session"]
    session.get(link).raise_for_status()
    stack.sql("UPDATE shop_ext_orderdelivery SET attempts_used = max_attempts WHERE order_id = %s", order_id)
    try:
        response = session.get(link, headers={"Range": "bytes=100-"})
        assert response.status_code == 206
        assert response.content == (stack.private_root / name).read_bytes()[100:]
        refused = session.get(link, headers={"Range": "bytes=0-"})
        assert refused.status_code == 403
        assert "All download attempts for this order have been used." in refused.text
    finally:
        stack.sql("UPDATE shop_ext_orderdelivery SET attempts_used = 0 WHERE order_id = %s", order_id)


def test_a_200_mb_download_does_not_grow_the_worker(stack, purchase, record_property):
    # Sparse but not empty: some bytes at the start, the middle and the end.
    product_dir = stack.private_root / "products" / "stack"
    product_dir.mkdir(parents=True, exist_ok=True)
    big = product_dir / "big-audiobook.zip"
    with open(big, "wb") as f:
        f.write(b"PK\x03\x04" + b"start" * 1000)
        f.truncate(BIG_FILE_BYTES)
        f.seek(BIG_FILE_BYTES // 2)
        f.write(b"middle" * 1000)
        f.seek(BIG_FILE_BYTES - 3)
        f.write(b"end")
    digest = hashlib.sha256()
    with open(big, "rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            digest.update(chunk)
    name = big.relative_to(stack.private_root).as_posix()
    grant_id = stack.django(
        "import json; from cartridge.shop.models import Order, ProductVariation\n"
        "from shop_ext.models import ProductFile, DownloadGrant\n"
        f"order = Order.objects.get(pk={purchase['order_id']})\n"
        "item = order.items.first()\n"
        "variation = ProductVariation.objects.get(sku=item.sku, product__site_id=order.site_id)\n"
        f"f = ProductFile.objects.create(product=variation.product, file={name!r}, title='Audiobook',"
        f" original_filename='audiobook.zip', size={BIG_FILE_BYTES}, content_type='application/zip',"
        f" sha256={digest.hexdigest()!r})\n"
        "grant = DownloadGrant.objects.create(\n"
        "    order=order, order_item=item, file=f, version=f.current_version)\n"
        "print(json.dumps(grant.pk))"
    )
    link = f"{stack.url}/account/orders/{purchase['order_id']}/files/{grant_id}/"
    session = purchase["session"]
    # Warm the worker up on the same path (imports, templates, connections).
    session.get(link, headers={"Range": "bytes=0-0"}).raise_for_status()
    worker = stack.worker_pid
    before = vm_rss_kb(worker)
    response = session.get(link, stream=True)
    assert response.status_code == 200
    assert sha256_of_stream(response) == (digest.hexdigest(), BIG_FILE_BYTES)
    after = vm_rss_kb(worker)
    assert stack.worker_pid == worker  # the same worker answered
    growth = after - before
    MEASUREMENTS.append(
        f"gunicorn worker VmRSS: {before} kB before, {after} kB after a {BIG_FILE_BYTES >> 20} MB download "
        f"through nginx ({growth:+d} kB)"
    )
    record_property("worker_rss_kb", {"before": before, "after": after})
    assert growth < 20 * 1024


def vm_rss_kb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def test_static_and_product_images_are_served_by_nginx(stack):
    css = next(stack.static_root.rglob("*.css"))
    response = requests.get(f"{stack.url}/static/{css.relative_to(stack.static_root).as_posix()}", timeout=60)
    assert response.status_code == 200
    assert response.content == css.read_bytes()
    assert response.headers["Content-Type"].startswith("text/css")
    [(image,)] = stack.sql(
        "SELECT i.file FROM shop_productimage i JOIN shop_product p ON p.id = i.product_id "
        "WHERE p.slug = %s LIMIT 1",
        BOOK_SLUG,
    )
    page = requests.get(f"{stack.url}/shop/product/{BOOK_SLUG}/", timeout=60)
    assert f"/media/{image}" in page.text
    response = requests.get(f"{stack.url}/media/{image}", timeout=60)
    assert response.status_code == 200
    assert response.content == (stack.media_root / image).read_bytes()
    assert response.headers["Content-Type"].startswith("image/")
    # Not Django: its response would carry the app's own headers.
    assert "Vary" not in response.headers
    assert "Cross-Origin-Opener-Policy" not in response.headers
    # Every image on the page, Mezzanine's thumbnails (in .thumbnails/) too.
    images = set(re.findall(r'src="(/media/[^"]+)"', page.text))
    assert any("/.thumbnails/" in src for src in images)
    for src in images:
        response = requests.get(stack.url + src, timeout=60)
        assert response.status_code == 200, src
        assert response.headers["Content-Type"].startswith("image/"), src


def check_delivery(stack, site_url, purchase):
    grant_id = purchase["files"][0][0]
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check_delivery",
            "--site-url",
            site_url,
            "--username",
            BUYER["username"],
            "--password",
            BUYER["password"],
            "--order",
            str(purchase["order_id"]),
            "--grant",
            str(grant_id),
        ],
        cwd=BASE_DIR,
        env=stack.environ(),
        capture_output=True,
        text=True,
    )


def test_check_delivery_passes_on_the_deployment(stack, purchase):
    result = check_delivery(stack, stack.url, purchase)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert result.stdout.count("PASS") >= 15
    assert "PASS  download the order's zip" in result.stdout
    assert "PASS  Range: bytes=100-199 of /account/orders/" in result.stdout
    assert "all.zip gives 206" in result.stdout


def test_check_delivery_names_the_fix_when_nginx_cannot_read_the_zip(stack, purchase):
    order_id = purchase["order_id"]
    purchase["session"].get(f"{stack.url}/account/orders/{order_id}/files/all.zip").raise_for_status()
    before = attempts_used(stack, order_id)
    zips = list((stack.private_root / "zips").glob(f"order-{order_id}/*.zip"))
    for zip_file in zips:
        zip_file.chmod(0o600)  # as mkstemp left it before the app chmod'ed it
    try:
        result = check_delivery(stack, stack.url, purchase)
    finally:
        for zip_file in zips:
            zip_file.chmod(0o640)
    print(result.stdout)
    assert result.returncode != 0
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 1, result.stdout
    assert "download the order's zip" in fails[0], result.stdout
    assert "status 503" in fails[0], result.stdout
    assert (
        "fix: nginx's worker cannot read the zip: give the private root (SHOP_PRIVATE_ROOT) group www-data, "
        "mode 2750, and the app UMask 0027 - see docs/deploy.md"
    ) in result.stdout
    assert attempts_used(stack, order_id) == before + 1  # the single file; the refused zip used none


def test_check_delivery_fails_without_the_internal_location(stack, purchase):
    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    broken = stack.start_nginx(
        stack.gunicorn, without_internal_location(conf), name="nginx-broken", port=free_port()
    )
    result = check_delivery(stack, broken.url, purchase)
    print(result.stdout)
    assert result.returncode != 0
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert any("download" in line for line in fails), result.stdout
    assert "internal" in result.stdout  # the fix hint names nginx's internal location
    assert "checks failed" in result.stderr or "check(s) failed" in result.stderr


def test_a_stamped_copy_is_made_by_the_worker_and_sent_by_nginx(stack, purchase):
    """With stamping on, the worker writes the buyer's copy where nginx's
    workers can read it (group www-data, 0640), and nginx sends it."""
    from pypdf import PdfReader

    order_id, session = purchase["order_id"], purchase["session"]
    [(product_id,)] = stack.sql("SELECT id FROM shop_product WHERE slug = %s", BOOK_SLUG)
    stack.sql(
        "INSERT INTO shop_ext_downloadpolicy (product_id, buyers_get_updates, stamp_copies, "
        "deliver_if_stamping_fails) VALUES (%s, true, true, 'delay') "
        "ON CONFLICT (product_id) DO UPDATE SET stamp_copies = true",
        product_id,
    )
    try:
        [(grant_id,)] = stack.sql(
            "SELECT g.id FROM shop_ext_downloadgrant g JOIN shop_ext_productfile f ON f.id = g.file_id "
            "WHERE g.order_id = %s AND f.content_type = 'application/pdf'",
            order_id,
        )
        link = f"{stack.url}/account/orders/{order_id}/files/{grant_id}/"
        used = attempts_used(stack, order_id)
        response = session.get(link)
        deadline = time.monotonic() + 60
        while response.status_code == 202 and time.monotonic() < deadline:
            assert attempts_used(stack, order_id) == used
            time.sleep(float(response.headers["Refresh"]))
            response = session.get(link)

        assert response.status_code == 200, response.text[:2000]
        assert response.headers["Server"].startswith("nginx")
        assert attempts_used(stack, order_id) == used + 1
        [(name, copy_id)] = stack.sql(
            "SELECT file, copy_id FROM shop_ext_stampedcopy WHERE grant_id = %s AND status = 'ready'",
            grant_id,
        )
        copy = stack.private_root / name
        assert response.content == copy.read_bytes()
        text = PdfReader(copy).pages[0].extract_text()
        assert BUYER["email"] in text
        assert copy_id in text
        info = copy.stat()
        assert (stat.S_IMODE(info.st_mode), grp.getgrgid(info.st_gid).gr_name) == (0o640, "www-data")
    finally:
        stack.sql("UPDATE shop_ext_downloadpolicy SET stamp_copies = false WHERE product_id = %s", product_id)
