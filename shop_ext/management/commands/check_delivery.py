"""Check a deployment's file delivery from the outside, over HTTP.

    manage.py check_delivery --site-url https://shop.example.com \\
        --username buyer --password ... [--order 12 --grant 34]

Signs in through the site's login form, then checks that private files are
reachable only through the download view and that the web server (nginx's
X-Accel-Redirect or Apache's X-Sendfile) sends them, with the app's headers:
one file and the order's zip (which the app writes itself), each whole and
resumed with Range from byte 100 (a resume uses no attempt). The account
must own a paid order with a file (or be staff holding shop_ext.download_any_order,
with --order and --grant).
Downloads by the order's owner use two download attempts (none when nginx
could not send the file).

Prints PASS/FAIL per check with a one-line fix for each failure; exits
non-zero when any check fails.
"""

import hashlib
import re
import ssl
import time
import urllib.parse

import requests
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError
from requests.adapters import HTTPAdapter

from shop_ext.core.storage import private_storage
from shop_ext.management.check_report import CheckCommand
from shop_ext.models import DownloadGrant

DOWNLOAD_LINK = re.compile(r"/account/orders/(\d+)/files/(\d+)/")
CHUNK = 1024 * 1024
# The app's page when nginx could not read a file it was handed (shop_ext/delivery/views.py).
NGINX_COULD_NOT_SEND = 503
# How long to wait for the worker to build an order's zip.
ZIP_WAIT_SECONDS = 60


def unreadable_fix(what):
    return (
        f"nginx's worker cannot read the {what}: give the private root (SHOP_PRIVATE_ROOT) group "
        f"www-data, mode 2750, and the app UMask 0027 - see docs/deploy.md"
    )


class SystemTrustAdapter(HTTPAdapter):
    """Trusts the certificates this system trusts (its store, SSL_CERT_FILE),
    as curl does, not only certifi's bundle: a site whose certificate a
    private CA installed here signed is reached."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, ssl_context=ssl.create_default_context(), **kwargs)


def first_cause(error):
    """The error at the bottom of those requests and urllib3 wrapped it in:
    a refused connection, an unknown name, an untrusted certificate."""
    while (inner := error.__cause__ or error.__context__) is not None:
        error = inner
    return error


class Response:
    """Status, headers and (up to ``keep`` bytes of) body of one request,
    with the length and SHA-256 of the whole body as sent (never decoded:
    it is compared with Content-Length and the file's SHA-256)."""

    def __init__(self, answer, keep):
        self.status = answer.status_code
        self.headers = answer.headers
        digest, length, head = hashlib.sha256(), 0, bytearray()
        for chunk in answer.raw.stream(CHUNK, decode_content=False):
            digest.update(chunk)
            length += len(chunk)
            if len(head) < keep:
                head += chunk[: keep - len(head)]
        self.sha256, self.length, self.body = digest.hexdigest(), length, bytes(head)

    def header(self, name):
        return self.headers.get(name, "")

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Client:
    def __init__(self, site_url, timeout):
        if urllib.parse.urlsplit(site_url).scheme not in ("http", "https"):
            raise CommandError(f"--site-url must start with https:// or http://, not {site_url!r}")
        self.site_url = site_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.mount("https://", SystemTrustAdapter())
        # Bodies as the server stores them: a compressed page or file would
        # not match its size or SHA-256.
        self.session.headers.update({"User-Agent": "shop-check-delivery", "Accept-Encoding": "identity"})

    def request(self, path, data=None, headers=None, keep=2 * 1024 * 1024, follow=False):
        """One request (a POST of ``data`` if given); with ``follow``,
        redirects within the site are followed (GET)."""
        for _ in range(5):
            response = self._request(path, data, headers, keep)
            location = response.header("Location")
            if not (follow and 300 <= response.status < 400 and location):
                break
            target = urllib.parse.urlsplit(urllib.parse.urljoin(self.site_url + path, location))
            if f"{target.scheme}://{target.netloc}" != self.site_url:
                break
            path, data = urllib.parse.urlunsplit(("", "", target.path, target.query, "")), None
        return response

    def _request(self, path, data, headers, keep):
        url = self.site_url + path
        try:
            answer = self.session.request(
                "GET" if data is None else "POST",
                url,
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
        except OSError as error:  # no answer at all (requests' errors are OSErrors)
            raise CommandError(
                f"Cannot reach {url}: {first_cause(error)}. Check that the name resolves to this server, "
                "that nginx listens there, and that its certificate is trusted (SSL_CERT_FILE for a "
                "private CA)."
            ) from None
        with answer:
            return Response(answer, keep)

    def cookie(self, name):
        return next((c.value for c in self.session.cookies if c.name == name), None)


# S3's grantee groups that mean anyone at all.
PUBLIC_GRANTEES = ("/global/AllUsers", "/global/AuthenticatedUsers")


class Command(CheckCommand):
    help = "Check from the outside that paid files are served by the web server and only through the shop."

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default=settings.SHOP_SITE_URL, help="The shop's public address.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--order", type=int, help="Order id (default: the first with files in the account's history)."
        )
        parser.add_argument("--grant", type=int, help="Download grant id (default: the order's first file).")
        parser.add_argument("--timeout", type=float, default=60)
        parser.add_argument(
            "--no-db",
            action="store_true",
            help="Do not look the file up in this installation's database (when checking another site).",
        )

    checks_name = "delivery"

    def run_checks(self, **options):
        if not options["no_db"]:
            self.check_private_bucket()
        client = Client(options["site_url"], options["timeout"])
        if not self.log_in(client, options["username"], options["password"]):
            raise CommandError("Cannot sign in: nothing else can be checked.")
        order_id, grant_id = self.find_download(client, options["order"], options["grant"])
        if order_id is None:
            raise CommandError(
                "No download link found: give --order and --grant, "
                "or use an account with a paid order with files."
            )
        product_file = None if options["no_db"] else self.product_file(order_id, grant_id)
        self.check_private_paths(client, product_file)
        file_path = f"/account/orders/{order_id}/files/{grant_id}/"
        self.check_range(client, file_path, self.check_download(client, file_path, product_file))
        zip_path = f"/account/orders/{order_id}/files/all.zip"
        self.check_range(client, zip_path, self.check_zip(client, zip_path))
        self.check_public_files(client)

    # ------------------------------------------------------------- checks
    def check_private_bucket(self):
        """With SHOP_PRIVATE_STORAGE=s3: this installation's key reaches the
        private bucket, and the bucket grants nothing to everyone."""
        if settings.SHOP_PRIVATE_STORAGE != "s3":
            return None
        bucket = settings.SHOP_S3_PRIVATE_BUCKET
        endpoint = settings.SHOP_S3_ENDPOINT_URL or "AWS S3"
        s3 = private_storage.connection.meta.client
        name = f"private bucket {bucket} at {endpoint} answers"
        try:
            s3.head_bucket(Bucket=bucket)
            grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
        except ClientError as error:
            code = error.response["Error"]["Code"]
            fix = (
                f"create the bucket {bucket} (private, versioning on: docs/deploy.md, section 11) "
                "or correct SHOP_S3_PRIVATE_BUCKET"
                if code in ("404", "NoSuchBucket")
                else "SHOP_S3_ACCESS_KEY_ID / SHOP_S3_SECRET_ACCESS_KEY are wrong, or the key lacks "
                f"s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject and s3:GetBucketAcl on {bucket}"
            )
            return self.result(False, name, f"{code}: {error}", fix)
        except BotoCoreError as error:
            return self.result(
                False,
                name,
                f"{type(error).__name__}: {error}",
                f"SHOP_S3_ENDPOINT_URL ({endpoint}) cannot be reached from this host: correct the address "
                "(and SHOP_S3_REGION), or open the network path to it",
            )
        self.result(True, name)
        everyone = [g["Permission"] for g in grants if g["Grantee"].get("URI", "").endswith(PUBLIC_GRANTEES)]
        return self.result(
            not everyone,
            f"private bucket {bucket} grants nothing to everyone",
            f"grants {', '.join(everyone)} to all users",
            f"remove the public grants of {bucket} and turn Block Public Access on: its files would be "
            "downloadable without the shop",
        )

    def log_in(self, client, username, password):
        login = client.request(settings.LOGIN_URL)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        if login.status != 200 or not match:
            return self.result(
                False,
                "login form",
                f"GET {settings.LOGIN_URL} gave {login.status} without a CSRF token",
                "check that nginx proxies / to gunicorn and ALLOWED_HOSTS holds the site's host",
            )
        response = client.request(
            settings.LOGIN_URL,
            {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password, "next": "/"},
            headers={"Referer": client.site_url + settings.LOGIN_URL},
        )
        return self.result(
            response.status == 302 and client.cookie(settings.SESSION_COOKIE_NAME) is not None,
            "sign in through the login form",
            f"status {response.status}",
            "wrong username/password, or the session cookie is Secure but the site is not https "
            "(SHOP_SITE_URL), or CSRF_TRUSTED_ORIGINS lacks the site",
        )

    def find_download(self, client, order_id, grant_id):
        if order_id and grant_id:
            return order_id, grant_id
        history = client.request("/account/orders/")
        for match in DOWNLOAD_LINK.finditer(history.text):
            if order_id is None or int(match.group(1)) == order_id:
                return int(match.group(1)), int(match.group(2))
        return None, None

    def product_file(self, order_id, grant_id):
        """The grant's file, when this installation's database has it."""
        try:
            grant = (
                DownloadGrant.objects.select_related("file").filter(pk=grant_id, order_id=order_id).first()
            )
        except DatabaseError as exc:  # no database here: check without it
            self.info(f"database not reachable ({type(exc).__name__}); storage paths are guessed")
            return None
        if grant is None:
            self.info("grant not in this database; storage paths are guessed")
            return None
        return grant.file

    def check_private_paths(self, client, product_file):
        private_url = settings.SENDFILE_URL.rstrip("/")
        name = product_file.file.name if product_file else "products/1/"
        paths = [f"{private_url}/{name}", f"{private_url}/"]
        paths += [f"{prefix}{name}" for prefix in (settings.MEDIA_URL, "/private/", settings.STATIC_URL, "/")]
        for path in paths:
            response = client.request(path, keep=0, follow=True)
            self.result(
                response.status == 404,
                f"private path not reachable: {path}",
                f"status {response.status}",
                f"private file reachable: remove the public location serving {path.rsplit('/', 1)[0]}/ "
                f"and keep `internal;` in the {private_url}/ location"
                if response.status < 400
                else f"answer 404 (not {response.status}) for private paths",
            )

    def check_download(self, client, path, product_file):
        response = client.request(path)
        size = response.header("Content-Length")
        location = response.header("Location")
        if (location and settings.LOGIN_URL in location) or response.status == 403:
            fix = (
                "use the order's owner (or staff with shop_ext.download_any_order) with attempts left, "
                "and check --order/--grant"
            )
        elif response.status == NGINX_COULD_NOT_SEND:
            fix = unreadable_fix("file")
        else:
            fix = (
                f"the app's X-Accel-Redirect reached the app again "
                f"({response.status}{' to ' + location if location else ''}): nginx has no `internal` "
                f"location for {settings.SENDFILE_URL}/ (or SHOP_PRIVATE_URL differs); "
                f"add `location {settings.SENDFILE_URL}/ {{ internal; alias <SHOP_PRIVATE_ROOT>/; }}`"
            )
            if response.status == 404:
                fix = "the account can't see this order (use the owner, or staff with "
                "shop_ext.download_any_order), or " + fix
        ok = self.result(response.status == 200, f"download {path}", f"status {response.status}", fix)
        if not ok:
            return None
        self.result(
            not response.header("X-Accel-Redirect") and not response.header("X-Sendfile"),
            "web server consumed the sendfile header",
            response.header("X-Accel-Redirect") or response.header("X-Sendfile"),
            "the web server passes X-Accel-Redirect/X-Sendfile to the client: put nginx (or Apache with "
            "XSendFile On) in front of gunicorn, and match SHOP_SENDFILE_BACKEND to it",
        )
        self.result(
            response.length > 0 and size == str(response.length),
            "download body non-empty, length = Content-Length",
            f"{response.length} bytes, Content-Length {size or 'missing'}",
            "0-byte download: nginx 'internal' location alias doesn't match SENDFILE_ROOT (SHOP_PRIVATE_ROOT)"
            if response.length == 0
            else "a proxy or the app altered the body: serve it through X-Accel-Redirect",
        )
        self.result(
            not response.header("Content-Type").startswith("text/html"),
            "download is the file, not a page",
            response.header("Content-Type"),
            f"the redirect to {settings.SENDFILE_URL}/ reached the app: add nginx's `location "
            f"{settings.SENDFILE_URL}/ {{ internal; alias <SHOP_PRIVATE_ROOT>/; }}`",
        )
        if product_file is not None:
            self.result(
                response.sha256 == product_file.sha256,
                "download matches the file's recorded SHA-256",
                f"{response.sha256[:16]}…",
                "nginx's alias for the internal location points at another directory than SHOP_PRIVATE_ROOT",
            )
        self.result(
            response.header("Content-Disposition").startswith("attachment"),
            "Content-Disposition: attachment",
            response.header("Content-Disposition") or "missing",
            "the web server dropped the app's Content-Disposition: don't clear it in the internal location",
        )
        self.result(
            "nosniff" in response.header("X-Content-Type-Options"),
            "X-Content-Type-Options: nosniff on the download",
            response.header("X-Content-Type-Options") or "missing",
            'add `add_header X-Content-Type-Options "nosniff" always;` inside the internal location',
        )
        return response

    def check_zip(self, client, path):
        """The order's zip: unlike product files, the app (its worker) writes
        it itself; while it does, the page asks to come back (202, Refresh)."""
        response = client.request(path)
        deadline = time.monotonic() + ZIP_WAIT_SECONDS
        while response.status == 202 and time.monotonic() < deadline:
            time.sleep(float(response.header("Refresh") or 1))
            response = client.request(path)
        if response.status == 202:
            fix = (
                "the zip was queued but never built: is the worker running (systemctl status "
                "shop-worker), on the same CELERY_BROKER_URL, able to write SHOP_PRIVATE_ROOT?"
            )
        elif response.status == NGINX_COULD_NOT_SEND:
            fix = unreadable_fix("zip")
        elif response.status == 500:
            fix = (
                "the app could not build the zip: its user must own SHOP_PRIVATE_ROOT (mode 2750) "
                "to write zips/ below it; the app's log says more"
            )
        else:
            fix = "the zip is sent like the single file: see the download checks above"
        ok = self.result(
            response.status == 200
            and response.body.startswith(b"PK\x03\x04")
            and response.header("Content-Length") == str(response.length),
            f"download the order's zip {path}",
            f"status {response.status}, {response.length} bytes, {response.header('Content-Type')}",
            fix,
        )
        return response if ok else None

    def check_range(self, client, path, download):
        """Resume the download just made: bytes 100-199 (from byte 0 it
        would be a new download, using an attempt)."""
        if download is None or download.length < 200:
            self.info(
                f"range check of {path} skipped: no full download of at least 200 bytes to compare with"
            )
            return
        response = client.request(path, headers={"Range": "bytes=100-199"})
        if response.status == NGINX_COULD_NOT_SEND:
            fix = unreadable_fix("file")
        else:
            fix = (
                "Range ignored: Django sent the file itself (simple backend?): set SHOP_SENDFILE_BACKEND to "
                "the web server's backend and serve through it"
            )
        self.result(
            response.status == 206 and response.length == 100 and response.body == download.body[100:200],
            f"Range: bytes=100-199 of {path} gives 206 with those 100 bytes",
            f"status {response.status}, {response.length} bytes, "
            f"{response.header('Content-Range') or 'no Content-Range'}",
            fix,
        )

    def check_public_files(self, client):
        """A static and a media URL found on the site's pages: the home page,
        then the pages it links to (category pages), then a product page."""
        found = {}
        for text in self.site_pages(client):
            for label, prefix in (("static", settings.STATIC_URL), ("media", settings.MEDIA_URL)):
                match = re.search(rf'(?:src|href)="({re.escape(prefix)}[^"?#]+)', text)
                if match and label not in found:
                    found[label] = match.group(1)
            if len(found) == 2:
                break
        for label, prefix in (("static", settings.STATIC_URL), ("media", settings.MEDIA_URL)):
            if label not in found:
                self.info(f"no {label} URL found on the site's pages to check")
                continue
            response = client.request(found[label], keep=0, follow=True)
            root = "STATIC_ROOT (run collectstatic)" if label == "static" else "MEDIA_ROOT"
            self.result(
                response.status == 200 and response.length > 0,
                f"{label} file served: {found[label]}",
                f"status {response.status}",
                f"add `location {prefix} {{ alias <{root}>/; }}` to the nginx site",
            )

    def site_pages(self, client, limit=12):
        """Up to ``limit`` pages of the site, product pages first once seen."""
        skip = (
            "/accounts/",
            "/account/",
            "/admin/",
            "/shop/cart",
            "/shop/checkout",
            "/search",
            settings.STATIC_URL,
            settings.MEDIA_URL,
            settings.SENDFILE_URL,
        )
        queue, seen = ["/"], set()
        while queue and len(seen) < limit:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            text = client.request(path, follow=True).text
            yield text
            for link in re.findall(r'href="(/[^"?#]*)"', text):
                if link.startswith("/shop/product/"):
                    queue.insert(0, link)
                elif not link.startswith(skip) and not link.startswith("//"):
                    queue.append(link)
