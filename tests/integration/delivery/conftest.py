import pytest
from cartridge.shop.models import Order
from django.core.files.base import ContentFile
from django_sendfile.utils import _get_sendfile

from shop_demo.media import epub_bytes, pdf_bytes
from shop_ext.models import DownloadPolicy
from tests.factories import UserFactory, book_with_files
from tests.shopper import add_to_cart, checkout, quiet_client
from tests.smtp import smtp_server

BOOK_PDF = pdf_bytes("Salt Roads", "Mara Quill", "The road ran along the salt flats.", pages=5)
BOOK_EPUB = epub_bytes("Salt Roads", "Mara Quill", "The road ran along the salt flats.")


@pytest.fixture
def nginx_backend(settings):
    """Downloads answered as in production: X-Accel-Redirect for nginx."""
    settings.SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    settings.SENDFILE_URL = "/protected"
    _get_sendfile.cache_clear()
    yield
    _get_sendfile.cache_clear()


@pytest.fixture
def stamped_book(db):
    book = book_with_files(title="Salt Roads", files=(("salt.pdf", BOOK_PDF), ("salt.epub", BOOK_EPUB)))
    DownloadPolicy.objects.create(product=book, stamp_copies=True)
    return book


@pytest.fixture
def stamped_order(stamped_book, buy):
    return buy(stamped_book, "eBook")


@pytest.fixture
def paid_order_of(pay_order):
    """A paid eBook order of ``product`` by a new user of this name."""

    def place(product, username):
        user = UserFactory(username=username, email=f"{username}@example.com")
        client = quiet_client(user)
        add_to_cart(client, product, option3="eBook")
        checkout(client, billing_detail_email=user.email)
        return pay_order(Order.objects.filter(user_id=user.id).latest("id"))

    return place


def replace_file(product_file, content, name="almanac.epub", note=""):
    """Upload a new version of ``product_file`` (as the admin's inline does)."""
    product_file.file = ContentFile(content, name=name)
    product_file.version_note = note
    product_file.save()
    return product_file.current_version


@pytest.fixture
def smtp_sink():
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    with smtp_server() as (handler, port):
        yield handler, port
