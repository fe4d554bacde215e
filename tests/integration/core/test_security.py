"""The claims of docs/security.md (OWASP Top 10, 2021), each proven here or
by the test named in the document."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cartridge.shop.models import Category, Order, Product
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from mezzanine.core.models import CONTENT_STATUS_PUBLISHED

from shop_ext.models import DownloadAttempt, ProductFile
from tests import BASE_DIR
from tests.client import Client
from tests.shopper import add_to_cart, checkout

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('xss')</script>"


def text(response):
    return response.content.decode()


def login(client, user):
    client.force_login(user, backend="shop_ext.accounts.backends.ShopBackend")


# ------------------------------------------------------ A01 access control


@pytest.fixture
def intruder(django_user_model):
    return django_user_model.objects.create_user("mallory", "mallory@example.com", "pw-mallory-1")


def test_other_users_invoice_is_404(client, paid_order, intruder):
    login(client, intruder)
    assert client.get(f"/shop/invoice/{paid_order.pk}/").status_code == 404
    assert client.get(f"/shop/invoice/{paid_order.pk}/", {"format": "pdf"}).status_code == 404


def test_anonymous_invoice_is_404(paid_order):
    assert Client().get(f"/shop/invoice/{paid_order.pk}/").status_code == 404


def test_owner_sees_own_invoice_as_page_and_pdf(client, paid_order):
    assert client.get(f"/shop/invoice/{paid_order.pk}/").status_code == 200
    pdf = client.get(f"/shop/invoice/{paid_order.pk}/", {"format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_order_history_lists_only_own_orders(client, paid_order, intruder):
    login(client, intruder)
    response = client.get("/account/orders/")
    assert response.status_code == 200
    assert list(response.context["orders"].object_list) == []
    assert f"/account/orders/{paid_order.pk}/files/" not in text(response)


def test_order_history_needs_sign_in(paid_order):
    response = Client().get("/account/orders/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_other_users_downloads_are_404(client, paid_order, intruder):
    """Also: tests/integration/delivery/test_downloads.py::test_other_user_and_unknown_ids_get_404."""
    grant = paid_order.download_grants.first()
    login(client, intruder)
    assert client.get(f"/account/orders/{paid_order.pk}/files/{grant.pk}/").status_code == 404
    assert client.get(f"/account/orders/{paid_order.pk}/files/all.zip").status_code == 404


def test_admin_needs_staff(client, buyer):
    login(client, buyer)
    response = client.get("/admin/shop/order/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_login_does_not_redirect_off_site(buyer, next_url):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "dana", "password": "pw-dana-123", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith("//")


# -------------------------------------------- A01 / A05 private file storage


def test_private_files_are_outside_media_and_static_with_random_names(book):
    product_file = ProductFile.objects.filter(product=book).first()
    path = Path(product_file.file.path).resolve()
    private_root = Path(django_settings.SENDFILE_ROOT).resolve()
    assert private_root in path.parents
    for public in (django_settings.MEDIA_ROOT, django_settings.STATIC_ROOT):
        assert Path(public).resolve() not in path.parents
    assert re.fullmatch(r"[0-9a-f]{32}\.epub|[0-9a-f]{32}\.pdf", path.name)
    assert product_file.original_filename not in str(path)


def test_private_file_has_no_url(client, book):
    product_file = ProductFile.objects.filter(product=book).first()
    name = product_file.file.name
    with pytest.raises(ValueError, match="Private files have no URL"):
        _ = product_file.file.url
    for prefix in (django_settings.MEDIA_URL, django_settings.STATIC_URL, "/protected/", "/private/"):
        assert client.get(prefix + name, follow=True).status_code == 404


def test_nginx_serves_private_files_only_internally():
    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    block = conf[conf.index("location ^~ /protected/") :]
    block = block[: block.index("}")]
    assert "internal;" in block


def test_uploaded_path_components_never_reach_storage(book):
    product_file = ProductFile(product=book, file=ContentFile(b"%PDF-1.4 x", name="../../../etc/evil.html"))
    product_file.save()
    path = Path(product_file.file.path).resolve()
    assert Path(django_settings.SENDFILE_ROOT).resolve() in path.parents
    assert ".." not in product_file.file.name
    assert "evil" not in product_file.file.name
    assert product_file.original_filename == "evil.html"
    assert product_file.content_type == "application/pdf"  # sniffed from the bytes, not the name


def test_upload_over_the_size_limit_is_refused(book, settings):
    from django.core.exceptions import ValidationError

    settings.SHOP_PRODUCT_FILE_MAX_BYTES = 10
    product_file = ProductFile(product=book, file=ContentFile(b"x" * 11, name="big.pdf"))
    with pytest.raises(ValidationError, match="larger than the limit"):
        product_file.full_clean()


# ------------------------------------------------------------ A03 injection


def test_script_in_product_title_is_escaped_on_product_and_category_pages(client):
    product = Product.objects.create(title=f"Evil {SCRIPT}", available=True, status=CONTENT_STATUS_PUBLISHED)
    product.variations.create(default=True, unit_price=5, num_in_stock=None)
    product.copy_default_variation()
    category = Category.objects.create(title="Shelf", status=CONTENT_STATUS_PUBLISHED)
    category.products.add(product)

    for url in (product.get_absolute_url(), category.get_absolute_url()):
        page = text(client.get(url))
        assert SCRIPT not in page, url
        assert "&lt;script&gt;alert(" in page, url


def test_rich_text_is_bleached_when_editors_save_it(admin_client):
    product = Product.objects.create(title="Plain", available=True, status=CONTENT_STATUS_PUBLISHED)
    field = Product._meta.get_field("content")
    cleaned = field.clean(
        f"<p>Fine</p>{SCRIPT}<img src=x onerror=alert(1)><a href='javascript:x()'>l</a>", product
    )
    assert "<script" not in cleaned
    assert "onerror" not in cleaned
    assert "javascript:" not in cleaned
    assert "<p>Fine</p>" in cleaned


def test_rich_text_is_bleached_again_on_render(client):
    """Content that never went through a form (fixtures, imports, shell)."""
    product = Product.objects.create(
        title="Imported",
        content=f"<p>Fine</p>{SCRIPT}<img src=x onerror=alert(1)><iframe src=//evil></iframe>",
        available=True,
        status=CONTENT_STATUS_PUBLISHED,
    )
    product.variations.create(default=True, unit_price=5)
    product.copy_default_variation()
    page = text(client.get(product.get_absolute_url()))
    assert "<p>Fine</p>" in page
    assert SCRIPT not in page
    assert "onerror" not in page
    assert "<iframe" not in page
    category = Category.objects.create(
        title="Shelf", content=f"<p>Intro</p>{SCRIPT}", status=CONTENT_STATUS_PUBLISHED
    )
    page = text(client.get(category.get_absolute_url()))
    assert "<p>Intro</p>" in page
    assert SCRIPT not in page


def test_rich_text_settings():
    from mezzanine.conf import settings

    assert settings.RICHTEXT_FILTER_LEVEL == 1  # high
    assert "mezzanine.utils.html.escape" in settings.RICHTEXT_FILTERS
    assert "script" not in settings.RICHTEXT_ALLOWED_TAGS
    assert "iframe" not in settings.RICHTEXT_ALLOWED_TAGS
    assert not any(a.startswith("on") for a in settings.RICHTEXT_ALLOWED_ATTRIBUTES)


def test_search_query_is_escaped_in_results(client):
    page = text(client.get("/search/", {"q": SCRIPT}))
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


def test_sql_metacharacters_are_data(client, book):
    """The ORM binds parameters; a quote in a search is just a character."""
    response = client.get("/search/", {"q": "' OR '1'='1"})
    assert response.status_code == 200
    assert Product.objects.filter(pk=book.pk).exists()


# ----------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_post_without_csrf_token_is_refused(csrf_client, book, buyer):
    for url, data in (
        (book.get_absolute_url(), {"option3": "Paperback", "quantity": 1}),
        ("/shop/cart/", {"discount_code": "X"}),
        ("/shop/checkout/", {"step": 1}),
        ("/accounts/login/", {"username": "dana", "password": "pw-dana-123"}),
        ("/accounts/signup/", {"username": "x"}),
        ("/accounts/password/reset/", {"username": "dana"}),
    ):
        assert csrf_client.post(url, data).status_code == 403, url
    assert "_auth_user_id" not in csrf_client.session


def test_post_with_csrf_token_works(csrf_client, book):
    csrf_client.get(book.get_absolute_url())
    # The shared product page has no token of this browser: shop.js asks for it.
    token = csrf_client.get("/csrf/").json()["token"]
    assert csrf_client.cookies[django_settings.CSRF_COOKIE_NAME].value
    response = csrf_client.post(
        book.get_absolute_url(),
        {"option3": "Paperback", "quantity": 1, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_every_post_form_carries_a_csrf_token(client, book, buyer):
    client.force_login(buyer)
    add_to_cart(client, book, option3="Paperback")
    pages = [book.get_absolute_url(), "/shop/cart/", "/shop/checkout/"]
    anonymous = Client()
    for url, who in [(u, client) for u in pages] + [
        (u, anonymous) for u in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/")
    ]:
        page = text(who.get(url))
        forms = re.findall(r"(?is)<form[^>]*method=[\"']post[\"'][^>]*>.*?</form>", page)
        assert forms, url
        for form in forms:
            assert "csrfmiddlewaretoken" in form, url


def test_csrf_middleware_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in django_settings.MIDDLEWARE


# -------------------------------------------------- A05 misconfiguration


def test_x_frame_options(client, book):
    assert client.get(book.get_absolute_url())["X-Frame-Options"] == "DENY"
    assert client.get("/accounts/login/")["X-Frame-Options"] == "DENY"


def test_downloads_are_not_sniffed_or_cached(client, paid_order):
    grant = paid_order.download_grants.first()
    response = client.get(f"/account/orders/{paid_order.pk}/files/{grant.pk}/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment")


def test_error_pages_show_no_internals(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Traceback" not in text(response)
    assert "SECRET_KEY" not in text(response)
    assert "urlpatterns" not in text(response).lower()


def production_settings(environment, names):
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_security_settings(env):  # noqa: F811
    values = production_settings(
        env,
        [
            "DEBUG",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE",
            "CSRF_COOKIE_SAMESITE",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_PROXY_SSL_HEADER",
            "SECURE_SSL_REDIRECT",
            "SECURE_CONTENT_TYPE_NOSNIFF",
            "X_FRAME_OPTIONS",
            "SENDFILE_BACKEND",
            "MIDDLEWARE",
            "AXES_ENABLED",
            "AXES_FAILURE_LIMIT",
            "RICHTEXT_FILTER_LEVEL",
            "PASSWORD_HASHERS",
        ],
    )
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SENDFILE_BACKEND"] == "django_sendfile.backends.nginx"
    assert "django.middleware.csrf.CsrfViewMiddleware" in values["MIDDLEWARE"]
    assert "axes.middleware.AxesMiddleware" in values["MIDDLEWARE"]
    assert values["AXES_ENABLED"] is not False
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["RICHTEXT_FILTER_LEVEL"] == 1
    assert "PBKDF2" in values["PASSWORD_HASHERS"][0] or "Argon2" in values["PASSWORD_HASHERS"][0]


def test_session_cookie_is_httponly_and_samesite(client, book):
    add_to_cart(client, book, option3="Paperback")
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


# ---------------------------------------- A04 design: prices from the server


def test_posted_prices_are_ignored(client, book, buyer):
    """Also: tests/integration/checkout/test_hardening.py::test_edited_totals_in_post_data_are_ignored."""
    client.force_login(buyer)
    add_to_cart(client, book, option3="Paperback")
    response = checkout(
        client, billing_detail_email=buyer.email, total="0.01", item_total="0.01", unit_price="0.01"
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.item_total == book.variations.get(option3="Paperback").unit_price


# --------------------------------------- A06 components, A07 authentication


def test_login_lockout_and_discount_rate_limit_are_configured():
    """Behaviour: tests/integration/checkout/test_hardening.py::test_login_is_locked_after_five_failures,
    test_discount_codes_rate_limited[cart], [checkout]."""
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend" or (
        "axes.backends.AxesStandaloneBackend" in django_settings.AUTHENTICATION_BACKENDS
    )
    assert "axes.middleware.AxesMiddleware" in django_settings.MIDDLEWARE
    assert django_settings.AXES_FAILURE_LIMIT == 5


def test_two_accounts_with_one_email_can_sign_in_and_reset(client, django_user_model, mailoutbox):
    """Mezzanine's email lookup was a 500 here (found by the bad-input sweep)."""
    django_user_model.objects.create_user("ann", "shared@example.com", "pw-ann-12345")
    django_user_model.objects.create_user("bob", "shared@example.com", "pw-bob-12345")

    response = client.post("/accounts/login/", {"username": "shared@example.com", "password": "pw-ann-12345"})
    assert response.status_code == 200
    assert "Invalid username/email and password" in text(response)
    response = client.post("/accounts/login/", {"username": "ann", "password": "pw-ann-12345"})
    assert response.status_code == 302

    client.logout()
    response = client.post("/accounts/password/reset/", {"username": "shared@example.com"})
    assert response.status_code == 200
    assert [m.to for m in mailoutbox] == [["shared@example.com"]] * 2  # one link per account
    response = client.post("/accounts/password/reset/", {"username": "bob"})
    assert response.status_code == 200
    assert len(mailoutbox) == 3
    assert mailoutbox[2].to == ["shared@example.com"]
    assert '"bob"' in mailoutbox[2].body


def test_nobody_deletes_from_the_download_log(admin_client, paid_order):
    attempt = DownloadAttempt.objects.create(order=paid_order, outcome=DownloadAttempt.SERVED)
    assert admin_client.get(f"/admin/shop_ext/downloadattempt/{attempt.pk}/delete/").status_code == 403
    assert DownloadAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_wrong_discount_code_is_logged_without_the_session_key(client, book, caplog):
    add_to_cart(client, book, option3="eBook")
    with caplog.at_level("INFO", logger="shop_ext"):
        client.post("/shop/cart/", {"discount_code": "NOPE"})
    logged = [r.getMessage() for r in caplog.records if "Invalid discount code" in r.getMessage()]
    assert logged
    assert not any(client.session.session_key in line for line in logged)
