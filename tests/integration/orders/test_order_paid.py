import pytest
from django.core import mail

from shop_ext.models import DownloadGrant, OrderEmail
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import mark_order_paid
from shop_ext.orders.signals import order_paid
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


def test_order_paid_is_announced_once_with_the_order_paid(book, place_order):
    order = place_order(book, "eBook")
    heard = []

    def listen(sender, order, variations, announce, **kwargs):
        heard.append((order.pk, order.status, sorted(variations), announce))

    order_paid.connect(listen)
    try:
        assert mark_order_paid(order) is True
        assert mark_order_paid(order) is False
    finally:
        order_paid.disconnect(listen)
    assert heard == [(order.pk, OrderStatus.COMPLETE, [order.items.get().sku], OrderEmail.FILES)]


def test_a_receiver_of_order_paid_that_fails_undoes_the_payment_and_its_grants(book, place_order):
    """The grants are part of the one fact "paid": order_paid is sent inside
    mark_order_paid's transaction (the delivery's receiver, connected first,
    has granted the files when this one fails)."""
    order = place_order(book, "eBook")

    def fail(**kwargs):
        raise RuntimeError("a receiver failed")

    order_paid.connect(fail)
    try:
        with pytest.raises(RuntimeError):
            mark_order_paid(order)
    finally:
        order_paid.disconnect(fail)
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert not DownloadGrant.objects.filter(order=order).exists()
    assert not OrderEmail.objects.filter(order=order, kind=OrderEmail.FILES).exists()


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
