"""Telling past buyers of an update: once per address and version, only
those who may download it now, through the queue."""

from datetime import timedelta

import pytest
from cartridge.shop.models import Order
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from shop_ext.models import DownloadGrant, DownloadPolicy, OrderDelivery, UpdateNotice
from tests.client import Client
from tests.factories import staff_with
from tests.integration.delivery.conftest import replace_file
from tests.shopper import DOWNLOAD_ONLY_DETAILS, add_to_cart, checkout_step, private_link, quiet_client

pytestmark = pytest.mark.django_db

VERSIONS_URL = "/admin/shop_ext/productfileversion/"
NOTE = "fixed typos in chapter 3"


def epub(order):
    return order.download_grants.get(file__original_filename="almanac.epub")


@pytest.fixture
def update(book, paid_order, paid_order_of, buy):
    """Dana bought twice, Eli's grant was revoked, Fay's downloads expired;
    then the EPUB got version 2, which Gus bought. Returns version 2 and
    Dana's orders."""
    second = buy(book, "eBook")
    eli = paid_order_of(book, "eli")
    DownloadGrant.objects.filter(order=eli).update(revoked_at=timezone.now())
    fay = paid_order_of(book, "fay")
    OrderDelivery.objects.filter(order=fay).update(expires_at=timezone.now() - timedelta(days=1))
    version = replace_file(epub(paid_order).file, b"PK\x03\x04 v2", note=NOTE)
    paid_order_of(book, "gus")
    mail.outbox.clear()
    return version, [paid_order, second]


def notify_in_admin(client, version):
    return client.post(
        VERSIONS_URL,
        {"action": "notify_buyers_of_update", ACTION_CHECKBOX_NAME: [version.pk]},
        follow=True,
    )


def test_the_admin_action_tells_each_usable_buyer_once_with_the_note_and_links(update):
    version, (first, second) = update
    staff = staff_with("shop_ext.view_productfileversion", "shop_ext.notify_buyers")
    client = quiet_client(staff)

    response = notify_in_admin(client, version)

    assert "1 buyer will be told" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]
    text = mail.outbox[0].body
    assert NOTE in text
    # The order's private links: the buyer needs no account to use them.
    assert f"{private_link(text, first.pk)}files/{epub(first).pk}/" in text
    assert f"{private_link(text, second.pk)}files/{epub(second).pk}/" in text
    notice = UpdateNotice.objects.get()
    assert (notice.email, notice.requested_by, notice.sent_at is not None) == (
        "dana@example.com",
        staff,
        True,
    )

    # Asked again, by the admin or a script: nobody is told twice.
    assert "0 buyers will be told" in notify_in_admin(client, version).content.decode()
    call_command("notify_file_update", str(version.product_file_id))
    assert len(mail.outbox) == 1
    assert UpdateNotice.objects.count() == 1


def test_staff_without_the_permission_are_not_offered_the_action(update):
    version, _orders = update
    client = quiet_client(staff_with("shop_ext.view_productfileversion"))

    page = client.get(VERSIONS_URL).content.decode()
    notify_in_admin(client, version)

    assert "notify_buyers_of_update" not in page
    assert mail.outbox == []
    assert not UpdateNotice.objects.exists()


def test_the_command_tells_buyers_and_refuses_unknown_files(
    update, capsys, django_capture_on_commit_callbacks
):
    version, _orders = update
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_file_update", str(version.product_file_id))
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]
    assert "1 buyer(s) queued" in capsys.readouterr().out
    with pytest.raises(Exception, match="No product file with id 999999"):
        call_command("notify_file_update", "999999")


def test_buyers_who_keep_their_version_are_not_told(update, book, django_capture_on_commit_callbacks):
    version, _orders = update
    DownloadPolicy.objects.create(product=book, buyers_get_updates=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_file_update", str(version.product_file_id))
    assert mail.outbox == []


def test_a_notice_not_queued_while_the_broker_was_down_is_sent_by_requeue_emails(update):
    from shop_ext.core.tasks import NOT_QUEUED

    version, orders = update
    notice = UpdateNotice.objects.create(
        version=version,
        email="dana@example.com",
        order=orders[0],
        gave_up=True,
        error=f"{NOT_QUEUED}: connection refused",
    )
    UpdateNotice.objects.filter(pk=notice.pk).update(requested_at=timezone.now() - timedelta(minutes=30))

    call_command("requeue_emails")

    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]
    assert NOTE in mail.outbox[0].body


def test_a_guest_buyer_is_told_too_with_links_that_need_no_account(
    book, django_capture_on_commit_callbacks, settings
):
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_instantly_for_demo"
    guest = Client()
    add_to_cart(guest, book, option3="eBook")
    with django_capture_on_commit_callbacks(execute=True):
        checkout_step(guest, 1, DOWNLOAD_ONLY_DETAILS)
        checkout_step(guest, 2, DOWNLOAD_ONLY_DETAILS)
    order = Order.objects.get(user_id__isnull=True)
    version = replace_file(epub(order).file, b"PK\x03\x04 v2", note=NOTE)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_file_update", str(version.product_file_id))

    (notice,) = mail.outbox
    assert notice.to == [DOWNLOAD_ONLY_DETAILS["billing_detail_email"]]
    download = Client().get(f"{private_link(notice.body, order.pk)}files/{epub(order).pk}/")
    assert download.status_code == 200
    assert download.content == b"PK\x03\x04 v2"
