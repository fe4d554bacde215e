"""Staff paths to paid, and the staff download tools, through the admin."""

import re

import pytest
from cartridge.shop.models import Order
from django.core import mail

from shop_ext.models import DownloadAttempt, DownloadGrant, OrderDelivery
from shop_ext.orders import OrderStatus
from tests import BASE_DIR
from tests.admin_forms import changelist_status_data
from tests.client import Client
from tests.factories import book_with_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid_order(book, place_order):
    return place_order(book, "Paperback + eBook")


@pytest.fixture
def staff_client(admin_user):
    """A second browser, so the buyer's (``client``) session stays separate."""
    staff = Client()
    staff.force_login(admin_user)
    return staff


def change_form_data(order, status):
    data = {
        field.name: getattr(order, field.name) or ""
        for field in Order._meta.fields
        if field.name.startswith(("billing_detail", "shipping_detail"))
    }
    data.update(
        additional_instructions="",
        shipping_total=order.shipping_total or "",
        shipping_type=order.shipping_type,
        tax_total="",
        tax_type="",
        discount_total="",
        discount_code="",
        item_total=order.item_total,
        total=order.total,
        status=status,
        transaction_id="",
    )
    for prefix, count in (
        ("items", order.items.count()),
        ("delivery", 0),
        ("emails", 0),
        ("digital_supply_consent", 0),
        ("download_grants", 0),
        ("download_attempts", 0),
        ("payments", 0),
        ("tax_evidence", 0),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = count
        data[f"{prefix}-INITIAL_FORMS"] = count
    for i, item in enumerate(order.items.all()):
        data.update(
            {
                f"items-{i}-id": item.pk,
                f"items-{i}-order": order.pk,
                f"items-{i}-sku": item.sku,
                f"items-{i}-description": item.description,
                f"items-{i}-quantity": item.quantity,
                f"items-{i}-unit_price": item.unit_price,
                f"items-{i}-total_price": item.total_price,
            }
        )
    return data


def test_change_form_status_paid_runs_the_paid_routine(
    staff_client, unpaid_order, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/admin/shop/order/{unpaid_order.pk}/change/", change_form_data(unpaid_order, OrderStatus.PAID)
        )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    unpaid_order.refresh_from_db()
    assert unpaid_order.status == OrderStatus.PAID
    assert DownloadGrant.objects.filter(order=unpaid_order).count() == 2
    assert [m.subject for m in mail.outbox] == [
        f"Your files from Paper & Pixel Books (order #{unpaid_order.pk})"
    ]


def test_changelist_inline_status_edit_runs_the_paid_routine(
    staff_client, unpaid_order, django_capture_on_commit_callbacks
):
    data = changelist_status_data(unpaid_order, OrderStatus.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/admin/shop/order/", data)
    assert response.status_code == 302
    assert DownloadGrant.objects.filter(order=unpaid_order).count() == 2
    assert Order.objects.get(pk=unpaid_order.pk).status == OrderStatus.PAID


def test_bulk_actions(staff_client, book, place_order, django_capture_on_commit_callbacks):
    orders = [place_order(book, "eBook"), place_order(book, "eBook")]
    ids = [o.pk for o in orders]

    def act(action):
        with django_capture_on_commit_callbacks(execute=True):
            return staff_client.post(
                "/admin/shop/order/", {"action": action, "_selected_action": ids, "confirmed": "yes"}
            )

    mail.outbox.clear()
    assert act("mark_paid").status_code == 302
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {OrderStatus.COMPLETE}
    assert len(mail.outbox) == 2

    OrderDelivery.objects.filter(order_id__in=ids).update(attempts_used=7)
    act("reset_download_attempts")
    assert set(OrderDelivery.objects.filter(order_id__in=ids).values_list("attempts_used", flat=True)) == {0}

    before = {d.order_id: d.expires_at for d in OrderDelivery.objects.filter(order_id__in=ids)}
    act("extend_download_expiry")
    for delivery in OrderDelivery.objects.filter(order_id__in=ids):
        assert (delivery.expires_at - before[delivery.order_id]).days == 30

    act("revoke_downloads")
    assert not DownloadGrant.objects.filter(order_id__in=ids, revoked_at__isnull=True).exists()
    act("restore_downloads")
    assert not DownloadGrant.objects.filter(order_id__in=ids, revoked_at__isnull=False).exists()

    mail.outbox.clear()
    act("resend_files_email")
    assert len(mail.outbox) == 2

    act("mark_cancelled")
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {OrderStatus.CANCELLED}


def test_bulk_status_change_lists_the_orders_and_waits_for_confirmation(
    staff_client, book, place_order, django_capture_on_commit_callbacks
):
    orders = [place_order(book, "eBook"), place_order(book, "eBook")]
    ids = [o.pk for o in orders]
    mail.outbox.clear()

    page = staff_client.post("/admin/shop/order/", {"action": "mark_paid", "_selected_action": ids})

    assert page.status_code == 200
    html = page.content.decode()
    assert "This will mark 2 orders paid:" in html
    for order in orders:
        assert f'href="/admin/shop/order/{order.pk}/change/">#{order.pk}</a>' in html
        assert f'<input type="hidden" name="_selected_action" value="{order.pk}">' in html
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {OrderStatus.UNPAID}
    assert not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        done = staff_client.post(
            "/admin/shop/order/", {"action": "mark_paid", "_selected_action": ids, "confirmed": "yes"}
        )

    assert done.status_code == 302
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {OrderStatus.COMPLETE}


def test_order_page_shows_delivery_grants_and_log(staff_client, paid_order, client):
    DownloadAttempt.objects.create(order=paid_order, outcome="denied", reason="test reason")
    response = staff_client.get(f"/admin/shop/order/{paid_order.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Digital delivery" in content
    assert "almanac.epub" in content
    assert "test reason" in content
    assert staff_client.get("/admin/shop_ext/downloadattempt/?outcome__exact=denied").status_code == 200


def test_unmatched_sku_is_reported_and_other_lines_granted(
    book, place_order, pay_order, staff_client, caplog
):
    other = book_with_files(title="Salt and Static")
    order = place_order(book, "eBook")
    item = order.items.get()
    item.sku = "GONE-123"
    item.save()
    order.items.create(
        sku=other.variations.get(option3="eBook").sku, description="Salt", quantity=1, unit_price=5
    )
    pay_order(order)
    assert order.status == OrderStatus.PAID  # left open for staff to look at
    assert OrderDelivery.objects.get(order=order).unmatched_skus == ["GONE-123"]
    assert DownloadGrant.objects.filter(order=order).count() == 2
    assert "GONE-123" in caplog.text
    assert "GONE-123" in staff_client.get(f"/admin/shop/order/{order.pk}/change/").content.decode()


def test_status_unpaid_stays_unpaid_without_grants(unpaid_order):
    assert unpaid_order.status == OrderStatus.UNPAID
    assert not DownloadGrant.objects.filter(order=unpaid_order).exists()


SHIPPING_FIELDS = [f.name for f in Order._meta.fields if f.name.startswith("shipping_detail_")]


def test_download_only_order_saves_without_a_shipping_address(
    staff_client, book, place_order, django_capture_on_commit_callbacks
):
    """Staff could not change the status of an order that ships nothing:
    the form insisted on a shipping address it does not have."""
    order = place_order(book, "eBook")
    Order.objects.filter(pk=order.pk).update(**dict.fromkeys(SHIPPING_FIELDS, ""))
    order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/admin/shop/order/{order.pk}/change/", change_form_data(order, OrderStatus.PAID)
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETE


def test_order_that_ships_still_needs_its_shipping_address(staff_client, unpaid_order):
    data = change_form_data(unpaid_order, OrderStatus.PAID)
    data.update(dict.fromkeys(SHIPPING_FIELDS, ""))
    response = staff_client.post(f"/admin/shop/order/{unpaid_order.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "This field is required." in errors["shipping_detail_street"]
    assert Order.objects.get(pk=unpaid_order.pk).status == OrderStatus.UNPAID


def test_one_order_admin_shows_every_features_inlines_columns_and_actions(staff_client, unpaid_order):
    """The order admin is built once (shop_ext/admin.py) from the features'
    parts: the status routine, the downloads, the card payments and the tax
    evidence."""
    change = staff_client.get(f"/admin/shop/order/{unpaid_order.pk}/change/")
    inlines = [type(formset.opts).__name__ for formset in change.context["inline_admin_formsets"]]
    assert inlines == [
        "OrderItemInline",
        "OrderDeliveryInline",
        "OrderEmailInline",
        "DigitalSupplyConsentInline",
        "DownloadGrantInline",
        "DownloadAttemptInline",
        "PaymentInline",
        "TaxEvidenceInline",
    ]
    changelist = staff_client.get("/admin/shop/order/")
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    assert actions == [
        "",
        "delete_selected",
        "mark_paid",
        "mark_cancelled",
        "mark_refunded",
        "resend_receipt",
        "resend_files_email",
        "replace_private_links",
        "reset_download_attempts",
        "extend_download_expiry",
        "revoke_downloads",
        "restore_downloads",
        "refund_card_payment",
    ]
    assert {"downloads", "card_payment"} <= set(changelist.context["cl"].list_display)
    assert "tax_evidence__conflict" in changelist.context["cl"].list_filter


def test_only_the_root_admin_module_registers_the_order_admin():
    registering = [
        path.relative_to(BASE_DIR).as_posix()
        for path in sorted((BASE_DIR / "shop_ext").rglob("*.py"))
        if re.search(r"\bregister\(Order\b", path.read_text())
    ]
    assert registering == ["shop_ext/admin.py"]
