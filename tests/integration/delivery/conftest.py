import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from cartridge.shop.models import Order
from django.core.files.base import ContentFile

from shop_demo.media import epub_bytes, pdf_bytes
from shop_ext.models import DownloadPolicy
from shop_ext.orders.actions import mark_order_paid
from tests.factories import UserFactory, book_with_files
from tests.shopper import add_to_cart, checkout, quiet_client

BOOK_PDF = pdf_bytes("Salt Roads", "Mara Quill", "The road ran along the salt flats.", pages=5)
BOOK_EPUB = epub_bytes("Salt Roads", "Mara Quill", "The road ran along the salt flats.")


@pytest.fixture
def stamped_book(db):
    book = book_with_files(title="Salt Roads", files=(("salt.pdf", BOOK_PDF), ("salt.epub", BOOK_EPUB)))
    DownloadPolicy.objects.create(product=book, stamp_copies=True)
    return book


@pytest.fixture
def stamped_order(stamped_book, place_order, django_capture_on_commit_callbacks):
    order = place_order(stamped_book, "eBook")
    with django_capture_on_commit_callbacks(execute=True):
        mark_order_paid(order)
    return order


@pytest.fixture
def paid_order_of(django_capture_on_commit_callbacks):
    """A paid eBook order of ``product`` by a new user of this name."""

    def place(product, username):
        user = UserFactory(username=username, email=f"{username}@example.com")
        client = quiet_client(user)
        add_to_cart(client, product, option3="eBook")
        checkout(client, billing_detail_email=user.email)
        order = Order.objects.filter(user_id=user.id).latest("id")
        with django_capture_on_commit_callbacks(execute=True):
            mark_order_paid(order)
        order.refresh_from_db()
        return order

    return place


@pytest.fixture
def buy(client, buyer, django_capture_on_commit_callbacks):
    """The signed-in buyer buys ``fmt`` of ``product``; the order is paid."""

    def bought(product, fmt="eBook"):
        client.force_login(buyer)
        add_to_cart(client, product, option3=fmt)
        checkout(client, billing_detail_email=buyer.email)
        order = Order.objects.filter(user_id=buyer.id).latest("id")
        with django_capture_on_commit_callbacks(execute=True):
            mark_order_paid(order)
        order.refresh_from_db()
        return order

    return bought


def replace_file(product_file, content, name="almanac.epub", note=""):
    """Upload a new version of ``product_file`` (as the admin's inline does)."""
    product_file.file = ContentFile(content, name=name)
    product_file.version_note = note
    product_file.save()
    return product_file.current_version


@pytest.fixture
def smtp_sink():
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""

    class Keep(Sink):
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
