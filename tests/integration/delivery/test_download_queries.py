"""The download path's database work (issue 33). Through the links the
buyer's order history shows (signed for their browser) and through an
order's private link, a counted download, a free resume, a zip and a
refusal each cost at most two queries on PostgreSQL (three on SQLite):
the grant (with its order, delivery, file, who asks and the download it
may resume), and the count with the log row; no session, user, cart, site, page or settings lookup.
However many orders, files and log entries exist."""

import pytest
from cartridge.shop.models import Cart
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop_ext.models import DownloadAttempt, OrderDelivery
from tests.client import Client
from tests.factories import add_file
from tests.shopper import add_to_cart, download_links, private_link

pytestmark = pytest.mark.django_db

# The grant's query, then the count and its log row: on PostgreSQL one
# statement, on SQLite (no UPDATE inside WITH) the UPDATE and the INSERT.
MAX_QUERIES = 2 if connection.vendor == "postgresql" else 3
# What a link without a key (an email's, for a signed-in buyer) adds: the
# session and the user.
MAX_QUERIES_BY_SESSION = MAX_QUERIES + 2
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def queries_of(client, url, status=200, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == status, response.content[:500]
    # The test runs inside a transaction, where the view's atomic block (the
    # count and its log row) is a savepoint; served, it is BEGIN and COMMIT,
    # which are not queries either.
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


@pytest.fixture
def shopper(client, buyer, book, paid_order):
    """The buyer, signed in, with a paperback in the cart: Cartridge's
    middleware would read the session and touch the cart on every request."""
    client.force_login(buyer)
    add_to_cart(client, book, 1, option3="Paperback")
    assert client.session["cart"]
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=None)
    return client


def test_a_counted_download_costs_max_queries_at_two_sizes(shopper, book, paid_order, buy):
    file_link = download_links(shopper, paid_order.pk)[0]
    cart_touched = Cart.objects.get().last_updated
    small = queries_of(shopper, file_link)
    assert Cart.objects.get().last_updated == cart_touched  # the cart was not looked up
    shopper.get("/shop/cart/")
    assert Cart.objects.get().last_updated > cart_touched  # as it is for a page

    # Grow everything the view could scan: files on the product, past
    # downloads in the log, other orders of the same buyer.
    for n in range(20):
        add_file(book, "eBook", name=f"extra-{n}.epub")
    for _ in range(30):
        shopper.get(file_link)
    for _ in range(5):
        buy(book, "eBook")
    assert DownloadAttempt.objects.count() > 30
    large = queries_of(shopper, download_links(shopper, paid_order.pk)[0])

    assert len(small) <= MAX_QUERIES, "\n".join(small)
    assert len(large) == len(small), "\n".join(large)
    served = DownloadAttempt.objects.filter(outcome=DownloadAttempt.SERVED).latest("pk")
    assert served.user.username == "dana"  # the log knows the buyer without reading the user


def test_a_free_resume_costs_max_queries(shopper, paid_order):
    file_link = download_links(shopper, paid_order.pk)[0]
    shopper.get(file_link)
    used = OrderDelivery.objects.get(order=paid_order).attempts_used

    resume = queries_of(shopper, file_link, status=200, HTTP_RANGE="bytes=100-")

    assert len(resume) <= MAX_QUERIES, "\n".join(resume)
    assert OrderDelivery.objects.get(order=paid_order).attempts_used == used
    assert DownloadAttempt.objects.filter(outcome=DownloadAttempt.RESUMED).count() == 1


def test_a_zip_download_costs_max_queries(shopper, paid_order):
    zip_link = download_links(shopper, paid_order.pk)[-1]
    assert "all.zip" in zip_link
    shopper.get(zip_link)  # the first builds it (the worker's job in production)
    zip_download = queries_of(shopper, zip_link)
    zip_resume = queries_of(shopper, zip_link, HTTP_RANGE="bytes=100-")
    assert len(zip_download) <= MAX_QUERIES, "\n".join(zip_download)
    assert len(zip_resume) <= MAX_QUERIES, "\n".join(zip_resume)
    assert DownloadAttempt.objects.filter(outcome=DownloadAttempt.RESUMED, grant=None).count() == 1


def test_a_refusal_costs_at_most_max_queries(shopper, paid_order):
    file_link = download_links(shopper, paid_order.pk)[0]
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=1, attempts_used=1)
    refusal = queries_of(shopper, file_link, status=403)
    assert len(refusal) <= MAX_QUERIES, "\n".join(refusal)
    assert DownloadAttempt.objects.filter(outcome=DownloadAttempt.DENIED).count() == 1


def test_private_link_downloads_cost_max_queries(paid_order):
    link = private_link(mail.outbox[-1].body, paid_order.pk)
    grant = paid_order.download_grants.order_by("pk").first()
    OrderDelivery.objects.filter(order=paid_order).update(max_attempts=None)
    stranger = Client()
    stranger.get(f"{link}files/all.zip")
    for url in (f"{link}files/{grant.pk}/", f"{link}files/all.zip"):
        counted = queries_of(stranger, url)
        assert len(counted) <= MAX_QUERIES, "\n".join(counted)


def test_a_link_without_a_key_asks_the_session_and_the_user_too(shopper, paid_order):
    plain = download_links(shopper, paid_order.pk)[0].split("?")[0]
    assert len(queries_of(shopper, plain)) <= MAX_QUERIES_BY_SESSION
