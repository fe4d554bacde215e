"""What the bad-input sweep (tests/integration/core/test_bad_input_sweep.py) found, one
focused test per fix."""

from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from filebrowser_safe import settings as filebrowser_settings
from mezzanine.pages.models import RichTextPage

from shop_ext.models import DownloadAttempt
from shop_ext.orders import PAID_STATUSES
from tests.client import Client
from tests.factories import StaffFactory, staff_with
from tests.shopper import quiet_client

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63: SQLite's OverflowError


def test_overlong_sign_in_name_with_axes_on_is_a_failed_sign_in(settings):
    """django-axes stored the posted username in a 255-character column: on
    PostgreSQL a longer one was a DataError, a 500 (found by the sweep)."""
    settings.AXES_ENABLED = True
    response = quiet_client().post("/accounts/login/", {"username": "x" * 300, "password": "nope"})
    assert response.status_code == 200
    assert "Invalid username" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        f"/account/orders/{HUGE}/files/all.zip",
        f"/account/orders/{HUGE}/files/1/",
        "/account/orders/{order}/files/" + HUGE + "/",
        "/account/orders/2147483648/files/all.zip",
        f"/shop/invoice/{HUGE}/",
        f"/shop/invoice/{HUGE}/resend/",
        "/shop/invoice/99999999999999999999999999999/",
    ],
)
def test_ids_out_of_range_are_404_not_500(paid_order, buyer, url):
    response = quiet_client(buyer).get(url.format(order=paid_order.pk), follow=True)
    assert response.status_code == 404


@pytest.mark.parametrize("suffix", ["", "resend/"])
def test_invoice_ids_in_another_scripts_digits_are_404(paid_order, buyer, suffix):
    """Cartridge's invoice patterns take any Unicode digit (``\\d``, and
    ``int("١")`` is 1): /shop/invoice/١/ reached Cartridge's own view, past
    our checks, so staff without shop.view_order read any invoice."""
    arabic_indic = str(paid_order.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for user in (staff_with(username="no-view-order"), buyer):
        response = quiet_client(user).get(f"/shop/invoice/{arabic_indic}/{suffix}")
        assert response.status_code == 404


def test_invoice_resend_still_works_for_the_owner(paid_order, buyer, mailoutbox):
    sent = len(mailoutbox)
    response = quiet_client(buyer).post(f"/shop/invoice/{paid_order.pk}/resend/")
    assert response.status_code == 302
    assert len(mailoutbox) == sent + 1


def test_pdf_invoice_renders(client, paid_order):
    response = client.get(f"/shop/invoice/{paid_order.pk}/", {"format": "pdf"})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("login", ["shared@example.com", "dana"])
def test_sign_in_when_an_email_is_shared_or_is_another_username(django_user_model, login):
    """``dana``'s username is also a different account's email address."""
    django_user_model.objects.create_user("dana", "dana@example.com", "pw-dana-123")
    django_user_model.objects.create_user("other", "dana", "pw-other-123")
    django_user_model.objects.create_user("ann", "shared@example.com", "pw-ann-12345")
    django_user_model.objects.create_user("bob", "shared@example.com", "pw-bob-12345")
    client = quiet_client()
    password = "pw-dana-123" if login == "dana" else "pw-ann-12345"
    response = client.post("/accounts/login/", {"username": login, "password": password})
    if login == "dana":
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(django_user_model.objects.get(username="dana").pk)
    else:
        assert response.status_code == 200
        assert "Invalid username/email and password" in response.content.decode()


@pytest.mark.parametrize("axes", [False, True])
@pytest.mark.parametrize("uidb36", ["zzzzzzzzzzzzzz", "zzzzzzzzzzzz", "1"])
@pytest.mark.parametrize("kind", ["password/verify", "verify"])
def test_verification_links_with_bad_uid(settings, buyer, axes, uidb36, kind):
    settings.AXES_ENABLED = axes
    client = quiet_client()
    response = client.get(f"/accounts/{kind}/{uidb36}/not-a-token/", follow=True)
    assert response.status_code == 200
    assert "The link you clicked is no longer valid." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_link_works_with_axes_on(settings, buyer):
    """Mezzanine's verify view called authenticate() without the request:
    with django-axes on (production) every reset link was a 500."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import int_to_base36

    settings.AXES_ENABLED = True
    token = default_token_generator.make_token(buyer)
    client = quiet_client()
    response = client.get(f"/accounts/password/verify/{int_to_base36(buyer.pk)}/{token}/")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(buyer.pk)


@pytest.mark.parametrize(
    "url", ["/a%00b/", "/shop/product/%00/", "/search/?q=a%00b", "/search/?type=%00", "/?page=%00"]
)
def test_nul_in_address_is_a_400_that_says_why(book, url):
    response = quiet_client().get(url)
    assert response.status_code == 400
    assert "(a NUL character)" in " ".join(response.content.decode().split())


def test_nul_in_hidden_sku_field_is_explained(book):
    response = quiet_client().post(book.get_absolute_url(), {"quantity": "1", "sku": "\x00"})
    assert response.status_code == 200
    assert "This item could not be found" in response.content.decode()


def test_nul_in_user_agent_is_logged_without_it(paid_order, buyer):
    grant = paid_order.download_grants.first()
    response = quiet_client(buyer).get(
        f"/account/orders/{paid_order.pk}/files/{grant.pk}/", HTTP_USER_AGENT="evil\x00agent"
    )
    assert response.status_code == 200
    assert DownloadAttempt.objects.get(order=paid_order).user_agent == "evilagent"


@pytest.mark.parametrize("next_", ["0", "shop_cart", "javascript:alert(1)", "//evil.example.com/"])
def test_sign_in_with_a_next_that_is_no_path_goes_to_my_orders(buyer, next_):
    """Mezzanine redirected to any relative ``next`` and Django looked a bare
    word up as a URL name: a 500 right after a successful sign-in."""
    client = quiet_client()
    response = client.post("/accounts/login/", {"username": "dana", "password": "pw-dana-123", "next": next_})
    assert response.status_code == 302
    assert response["Location"] == "/account/orders/"
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/", {"next": next_})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_in_with_a_path_as_next_goes_there(buyer):
    response = quiet_client().post(
        "/accounts/login/?next=/shop/cart/", {"username": "dana", "password": "pw-dana-123"}
    )
    assert response["Location"] == "/shop/cart/"


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"])
def test_an_empty_post_to_an_account_form_says_what_is_missing(url):
    """An empty POST was taken for a first visit: the page came back
    without a word (found by the sweep)."""
    response = quiet_client().post(url, {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_invoice_resend_with_a_bare_word_next_is_not_a_500(paid_order, buyer, mailoutbox):
    """Cartridge's re-send redirected with redirect(next): a bare word such
    as "0" was taken for a view's name (NoReverseMatch, a 500)."""
    response = quiet_client(buyer).post(f"/shop/invoice/{paid_order.pk}/resend/", {"next": "0"})
    assert response.status_code == 302
    assert response["Location"] == "/account/orders/"  # not a path: back to the order history


@pytest.mark.parametrize(
    "query", ["", "?site_id=", "?site_id=x", "?site_id=٢", f"?site_id={HUGE}", "?site_id=999"]
)
def test_admin_site_menu_with_no_such_site_is_a_400(query):
    """Mezzanine's set_site read ``int(request.GET["site_id"])``: a missing or
    non-numeric id was a 500 (found by the route sweep), an unknown one was
    stored in the session."""
    client = quiet_client(StaffFactory())
    response = client.get(f"/set_site/{query}")
    assert response.status_code == 400
    assert "No such site" in response.content.decode()
    assert "site_id" not in client.session


def test_admin_site_menu_switches_to_a_site(settings):
    client = quiet_client(StaffFactory())
    response = client.get(f"/set_site/?site_id={settings.SITE_ID}")
    assert response.status_code == 302
    assert client.session["site_id"] == settings.SITE_ID


def test_a_form_posted_to_the_failed_download_report_is_a_404():
    """Only nginx posts there (a bare signed token); a multipart form's body
    was already read by the middleware, and reading it again was a 500
    (found by the route sweep)."""
    response = quiet_client().post("/account/orders/download-failed/", {"attempt": "x"})
    assert response.status_code == 404


# The route sweep as a superuser: the admin's own routes.

ADMIN_BAD_IDS = ["x", "..", "é", "١", HUGE, "99999999999999999999999999"]


@pytest.mark.parametrize(
    "model",
    ["pages/page", "pages/link", "pages/richtextpage", "shop/category", "shop/product", "shop_ext/book"],
)
@pytest.mark.parametrize("page", ["change/", "delete/", "history/"])
def test_admin_pages_with_an_id_that_is_no_number_are_404(admin_user, model, page):
    """Mezzanine's page admins and Cartridge's product admin look the object
    up themselves: a non-numeric id was a ValueError, one past 2**63 an
    OverflowError (DataError on PostgreSQL), each a 500 (found by the route
    sweep as staff)."""
    client = quiet_client(admin_user)
    for object_id in ADMIN_BAD_IDS:
        assert client.get(f"/admin/{model}/{object_id}/{page}").status_code == 404, object_id


@pytest.mark.parametrize("model", ["shop/order", "shop/product", "shop_ext/downloadattempt"])
def test_a_list_action_on_rows_that_are_no_ids_is_a_400(admin_user, model):
    """Django's admin filters by the selected rows as posted: a selection
    that is not a number was a ValueError, one past 2**63 an OverflowError
    (DataError on PostgreSQL), each a 500 (found by the bad-input sweep)."""
    client = quiet_client(admin_user)
    for selected in [*ADMIN_BAD_IDS, ""]:
        data = {"action": "delete_selected", "index": "0", "_selected_action": ["1", selected]}
        response = client.post(f"/admin/{model}/", data)
        assert response.status_code == 400, selected
        assert "No such object" in response.content.decode()


def test_a_list_action_by_staff_who_may_not_see_the_list_is_a_403_whatever_it_selects():
    client = quiet_client(staff_with())
    for selected in ["x", "1"]:
        data = {"action": "delete_selected", "index": "0", "_selected_action": [selected]}
        assert client.post("/admin/shop/order/", data).status_code == 403, selected


def test_a_list_action_on_real_rows_still_runs(admin_user, book, place_order):
    order = place_order(book, "eBook")
    data = {"action": "mark_paid", "index": "0", "_selected_action": [str(order.pk)], "confirmed": "yes"}
    assert quiet_client(admin_user).post("/admin/shop/order/", data).status_code == 302
    order.refresh_from_db()
    assert order.status in PAID_STATUSES  # an order of downloads only is complete once paid


@pytest.mark.parametrize("object_id", [HUGE, "99999999999999999999999999"])
def test_view_on_site_with_an_id_out_of_range_is_404(admin_user, object_id):
    """Django's "view on site" (admin/r/<type>/<id>/) let the OverflowError
    through: a 500."""
    assert quiet_client(admin_user).get(f"/admin/r/1/{object_id}/").status_code == 404


def test_the_admin_still_opens_a_real_object(admin_user, book):
    client = quiet_client(admin_user)
    assert client.get(f"/admin/shop_ext/book/{book.pk}/change/").status_code == 200
    assert client.get(f"/admin/shop/product/{book.pk}/delete/").status_code == 200


def test_every_model_in_the_admin_has_an_integer_id():
    """AdminObjectIdMiddleware refuses any admin object id that is not a
    number: a model with another kind of primary key would be unreachable."""
    for model in admin.site._registry:
        assert isinstance(model._meta.pk, (models.AutoField, models.BigAutoField, models.OneToOneField)), (
            model
        )


def test_the_tinymce_asset_proxy_without_a_file_is_a_400(admin_user):
    """Mezzanine's static_proxy read ``request.GET["u"]``: a 500 without it."""
    client = quiet_client(admin_user)
    assert client.get("/admin/asset_proxy/").status_code == 400
    response = client.get("/admin/asset_proxy/", {"u": "/static/admin/css/base.css"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css"


@pytest.fixture
def page_tree():
    return [RichTextPage.objects.create(title=title) for title in ("First", "Second")]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"id": "ordering_{first}"},
        {"id": "ordering_x", "parent_id": "null"},
        {"id": f"ordering_{HUGE}", "parent_id": "null"},
        {"id": "ordering_{first}", "parent_id": "ordering_999999"},
        {"id": "ordering_{first}", "parent_id": f"ordering_{HUGE}"},
        {"id": "ordering_{first}", "parent_id": "null", "siblings[]": ["ordering_x", f"ordering_{HUGE}"]},
    ],
)
def test_page_tree_ordering_with_a_missing_or_unknown_page_is_a_400(admin_user, page_tree, data):
    """Mezzanine's admin_page_ordering read ``request.POST["id"]`` and
    ``["parent_id"]`` and looked the parent up with ``get``: a missing field,
    an unknown parent or an id past 2**63 was a 500 (found by the route
    sweep as staff)."""
    data = {
        name: value.format(first=page_tree[0].pk) if isinstance(value, str) else value
        for name, value in data.items()
    }
    response = quiet_client(admin_user).post("/admin/admin_page_ordering/", data)
    assert response.status_code == 400
    assert "No such page" in response.content.decode()


def test_page_tree_ordering_moves_a_page(admin_user, page_tree):
    first, second = page_tree
    data = {
        "id": f"ordering_{first.pk}",
        "parent_id": f"ordering_{second.pk}",
        "siblings[]": [f"ordering_{first.pk}"],
    }
    response = quiet_client(admin_user).post("/admin/admin_page_ordering/", data)
    assert response.content == b"ok"
    first.refresh_from_db()
    assert first.parent_id == second.pk


def test_moving_pages_in_the_tree_needs_the_page_change_permission(page_tree):
    """Upstream, any staff member could move pages (bare is_staff)."""
    first, second = page_tree
    data = {"id": f"ordering_{first.pk}", "parent_id": f"ordering_{second.pk}", "siblings[]": []}
    viewer = quiet_client(staff_with("pages.view_page"))
    assert viewer.post("/admin/admin_page_ordering/", data).status_code == 403
    first.refresh_from_db()
    assert first.parent_id is None
    editor = quiet_client(staff_with("pages.change_page", username="page-editor"))
    assert editor.post("/admin/admin_page_ordering/", data).content == b"ok"


def test_the_media_librarys_upload_needs_a_folder_and_a_csrf_token(admin_user, settings):
    """filebrowser-safe's upload is CSRF-exempt and was a 500 without its
    ``folder`` field (TypeError, found by the route sweep as staff)."""
    url = "/admin/media-library/upload_file/"
    staff = Client(enforce_csrf_checks=True, raise_request_exception=False)
    staff.force_login(admin_user, backend="shop_ext.accounts.backends.ShopBackend")
    token = staff.get("/csrf/").json()["token"]
    assert staff.post(url, {"csrfmiddlewaretoken": token}).status_code == 400
    assert staff.post(url, {"csrfmiddlewaretoken": token, "folder": "", "other": upload()}).status_code == 400
    assert staff.post(url, {"folder": "", "Filedata": upload()}).status_code == 403
    response = staff.post(url, {"csrfmiddlewaretoken": token, "folder": "", "Filedata": upload()})
    assert response.status_code == 200
    assert (Path(settings.MEDIA_ROOT) / filebrowser_settings.DIRECTORY / "cover.png").exists()


def upload():
    return SimpleUploadedFile("cover.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
