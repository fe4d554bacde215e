"""What staff may do with orders, by permission (docs/security.md, "Staff
permissions"): the matrix of roles against every order action, the status
in the change form and the changelist, the invoice and another buyer's files.

Roles: a staff account with no permission, with "Can view order" only, with
"Can change order", with our own permissions, and a superuser.
"""

import logging

import pytest
from cartridge.shop.models import Order
from django.core import mail
from django.utils import timezone

from shop_ext.delivery.attempts import STAFF_DOWNLOAD
from shop_ext.models import DownloadAttempt, OrderDelivery, PrivateOrderLink
from shop_ext.orders import PAID_STATUSES, OrderStatus
from tests.admin_forms import admin_form_data, changelist_status_data
from tests.client import Client
from tests.factories import StaffFactory, staff_with

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/shop/order/"

ROLES = {
    "no permission": (),
    "view only": ("shop.view_order",),
    "change": ("shop.view_order", "shop.change_order"),
    "manage downloads": ("shop.view_order", "shop_ext.manage_downloads"),
    "download any order": ("shop_ext.download_any_order",),
    "superuser": None,
}
CHANGES_STATUS = {"change", "superuser"}
MANAGES_DOWNLOADS = {"manage downloads", "superuser"}
SEES_ORDERS = {"view only", "change", "manage downloads", "superuser"}
DOWNLOADS_ANY_ORDER = {"download any order", "superuser"}


def client_for(role):
    user = StaffFactory() if role == "superuser" else staff_with(*ROLES[role])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def unpaid_order(book, place_order):
    return place_order(book, "eBook")


# ------------------------------------------------------------ admin actions
# Each action: what to set up on the paid (or unpaid) order, and how to tell
# that the action ran.


def _status(status):
    def setup(paid, unpaid):
        return paid, lambda: Order.objects.get(pk=paid.pk).status == status

    return setup


def _mark_paid(paid, unpaid):
    return unpaid, lambda: Order.objects.get(pk=unpaid.pk).status in PAID_STATUSES


def _reset_attempts(paid, unpaid):
    OrderDelivery.objects.filter(order=paid).update(attempts_used=2)
    return paid, lambda: OrderDelivery.objects.get(order=paid).attempts_used == 0


def _extend_expiry(paid, unpaid):
    before = OrderDelivery.objects.get(order=paid).expires_at
    return paid, lambda: OrderDelivery.objects.get(order=paid).expires_at != before


def _revoke(paid, unpaid):
    return paid, lambda: not paid.download_grants.filter(revoked_at__isnull=True).exists()


def _restore(paid, unpaid):
    paid.download_grants.update(revoked_at=timezone.now())
    return paid, lambda: not paid.download_grants.filter(revoked_at__isnull=False).exists()


def _resend_files_email(paid, unpaid):
    mail.outbox.clear()
    return paid, lambda: len(mail.outbox) == 1


def _resend_receipt(paid, unpaid):
    mail.outbox.clear()
    return paid, lambda: len(mail.outbox) == 1 and "Your files" in mail.outbox[0].body


def _replace_private_links(paid, unpaid):
    before = PrivateOrderLink.objects.get_or_create(order=paid)[0].secret
    return paid, lambda: PrivateOrderLink.objects.get(order=paid).secret != before


ACTIONS = {
    "mark_paid": (_mark_paid, CHANGES_STATUS),
    "mark_cancelled": (_status(OrderStatus.CANCELLED), CHANGES_STATUS),
    "mark_refunded": (_status(OrderStatus.REFUNDED), CHANGES_STATUS),
    "reset_download_attempts": (_reset_attempts, MANAGES_DOWNLOADS),
    "extend_download_expiry": (_extend_expiry, MANAGES_DOWNLOADS),
    "revoke_downloads": (_revoke, MANAGES_DOWNLOADS),
    "restore_downloads": (_restore, MANAGES_DOWNLOADS),
    "resend_files_email": (_resend_files_email, MANAGES_DOWNLOADS),
    "resend_receipt": (_resend_receipt, CHANGES_STATUS),
    "replace_private_links": (_replace_private_links, MANAGES_DOWNLOADS),
}


def offered_actions(changelist):
    form = changelist.context["action_form"]  # None when no action is allowed
    return {name for name, _label in form.fields["action"].choices} if form else set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_order_action_needs_its_permission(
    role, action, paid_order, unpaid_order, django_capture_on_commit_callbacks
):
    setup, allowed_roles = ACTIONS[action]
    order, happened = setup(paid_order, unpaid_order)
    staff = client_for(role)

    changelist = staff.get(CHANGELIST)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            CHANGELIST, {"action": action, "_selected_action": [order.pk], "confirmed": "yes"}
        )

    if role in allowed_roles:
        assert action in offered_actions(changelist)
        assert response.status_code == 302
        assert happened()
    else:
        assert not happened()
        if role in SEES_ORDERS:
            assert action not in offered_actions(changelist)
        else:
            assert changelist.status_code == response.status_code == 403


def test_view_only_staff_cannot_release_files_by_marking_paid(
    unpaid_order, django_capture_on_commit_callbacks
):
    """The report: "Can view order" alone ran "mark paid" and the buyer's
    files were released."""
    with django_capture_on_commit_callbacks(execute=True):
        client_for("view only").post(
            CHANGELIST, {"action": "mark_paid", "_selected_action": [unpaid_order.pk], "confirmed": "yes"}
        )
    assert Order.objects.get(pk=unpaid_order.pk).status == OrderStatus.UNPAID
    assert not unpaid_order.download_grants.exists()
    assert not OrderDelivery.objects.filter(order=unpaid_order).exists()


# ----------------------------------------------------------- status changes


def change_url(order):
    return f"/admin/shop/order/{order.pk}/change/"


@pytest.mark.parametrize("role", ROLES)
def test_status_in_the_change_form_needs_change_order(role, unpaid_order, django_capture_on_commit_callbacks):
    data = admin_form_data(client_for("superuser").get(change_url(unpaid_order)))
    data["status"] = OrderStatus.PAID
    staff = client_for(role)

    page = staff.get(change_url(unpaid_order))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(change_url(unpaid_order), data)

    status = Order.objects.get(pk=unpaid_order.pk).status
    if role in CHANGES_STATUS:
        assert 'name="status"' in page.content.decode()
        assert response.status_code == 302
        assert status == OrderStatus.COMPLETE  # paid, with nothing to ship
    else:
        assert response.status_code == 403
        assert status == OrderStatus.UNPAID
        if role in SEES_ORDERS:
            assert page.status_code == 200
            assert "status" in page.context["adminform"].readonly_fields  # shown, not editable
            assert 'name="status"' not in page.content.decode()
        else:
            assert page.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_status_in_the_changelist_needs_change_order(role, unpaid_order, django_capture_on_commit_callbacks):
    data = changelist_status_data(unpaid_order, OrderStatus.PAID)
    staff = client_for(role)

    page = staff.get(CHANGELIST)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(CHANGELIST, data)

    status = Order.objects.get(pk=unpaid_order.pk).status
    if role in CHANGES_STATUS:
        assert 'name="form-0-status"' in page.content.decode()
        assert status == OrderStatus.COMPLETE
    else:
        assert status == OrderStatus.UNPAID
        assert 'name="form-0-status"' not in page.content.decode()


def test_delivery_limits_in_the_change_form_need_manage_downloads(paid_order):
    """Editing the download inlines is download management too: a staff
    user who may change orders but not manage downloads sees them read-only."""
    page = client_for("change").get(change_url(paid_order))
    assert page.status_code == 200
    assert "Digital delivery" in page.content.decode()
    assert 'name="delivery-0-max_attempts"' not in page.content.decode()
    assert 'name="download_grants-0-revoked_at' not in page.content.decode()
    manager = staff_with("shop.view_order", "shop.change_order", "shop_ext.manage_downloads")
    staff = Client()
    staff.force_login(manager)
    assert 'name="delivery-0-max_attempts"' in staff.get(change_url(paid_order)).content.decode()


# ------------------------------------------------------------------ invoice


@pytest.mark.parametrize("fmt", ["html", "pdf"])
@pytest.mark.parametrize("role", ROLES)
def test_another_buyers_invoice_needs_view_order(role, fmt, paid_order, caplog):
    caplog.set_level(logging.INFO, logger="shop_ext")
    response = client_for(role).get(f"/shop/invoice/{paid_order.pk}/", {"format": fmt})
    if role in SEES_ORDERS:
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF") if fmt == "pdf" else b"Invoice" in response.content
        assert f"Order #{paid_order.pk}: staff user" in caplog.text
        assert "opened its invoice" in caplog.text
    else:
        assert response.status_code == 404
        assert "opened its invoice" not in caplog.text


# ---------------------------------------------------- another buyer's files


@pytest.mark.parametrize("kind", ["file", "zip"])
@pytest.mark.parametrize("role", ROLES)
def test_another_buyers_files_need_download_any_order(role, kind, paid_order, caplog):
    caplog.set_level(logging.INFO, logger="shop_ext")
    grant = paid_order.download_grants.first()
    url = f"/account/orders/{paid_order.pk}/files/" + (f"{grant.pk}/" if kind == "file" else "all.zip")
    OrderDelivery.objects.filter(order=paid_order).update(attempts_used=1)

    response = client_for(role).get(url)

    assert OrderDelivery.objects.get(order=paid_order).attempts_used == 1  # never the buyer's
    last = DownloadAttempt.objects.filter(order=paid_order).latest("id")
    if role in DOWNLOADS_ANY_ORDER:
        assert response.status_code == 200
        assert (last.outcome, last.reason) == (DownloadAttempt.SERVED, STAFF_DOWNLOAD)
        assert f"Order #{paid_order.pk}: staff user" in caplog.text
        assert "downloaded" in caplog.text
    else:
        assert response.status_code == 404
        assert (last.outcome, last.reason) == (DownloadAttempt.DENIED, "not the buyer")
