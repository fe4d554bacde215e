import pytest
from django.core import mail

from shop_ext.models import DownloadGrant, OrderEmail
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import mark_order_paid
from tests.factories import book_with_files
from tests.shopper import private_link

pytestmark = pytest.mark.django_db


def test_on_account_checkout_leaves_order_unpaid_without_grants(book, place_order):
    order = place_order(book, "eBook")
    assert order.status == OrderStatus.UNPAID
    assert not DownloadGrant.objects.filter(order=order).exists()
    assert order.shipping_total == 0


def test_mark_paid_grants_files_and_sends_one_email(book, place_order, django_capture_on_commit_callbacks):
    order = place_order(book, "eBook")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_order_paid(order) is True
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETE  # nothing to ship
    assert sorted(
        DownloadGrant.objects.filter(order=order).values_list("file__original_filename", flat=True)
    ) == ["almanac.epub", "almanac.pdf"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@example.com"]
    grant = DownloadGrant.objects.filter(order=order).first()
    private = f"https://shop.example.com{private_link(message.body, order.pk)}"
    assert f"{private}files/{grant.pk}/" in message.body
    html = message.alternatives[0][0]
    assert f"{private}files/all.zip" in html
    assert OrderEmail.objects.get(order=order, kind=OrderEmail.FILES).sent_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert mark_order_paid(order) is False
    assert DownloadGrant.objects.filter(order=order).count() == 2
    assert len(mail.outbox) == 1


def test_bundle_stays_paid_for_shipping(book, place_order, django_capture_on_commit_callbacks):
    order = place_order(book, "Paperback + eBook")
    with django_capture_on_commit_callbacks(execute=True):
        mark_order_paid(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert DownloadGrant.objects.filter(order=order).count() == 2


def test_paperback_only_order_gets_no_grants_and_no_email(
    book, place_order, django_capture_on_commit_callbacks
):
    order = place_order(book, "Paperback")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mark_order_paid(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not DownloadGrant.objects.filter(order=order).exists()
    assert mail.outbox == []


def test_grants_survive_catalogue_edits(place_order, django_capture_on_commit_callbacks):
    book = book_with_files()
    order = place_order(book, "eBook")
    with django_capture_on_commit_callbacks(execute=True):
        mark_order_paid(order)
    ebook = book.variations.get(option3="eBook")
    ebook.sku = "RENAMED-SKU"
    ebook.save()
    for product_file in book.files.all():
        product_file.variations.clear()
    assert DownloadGrant.objects.filter(order=order).count() == 2
