"""When the task broker or the shared cache is down, the shop keeps selling
and delivering: nothing is lost, nothing is a 500, and /health/ says which
part is down (docs/security.md, "When Redis is down")."""

import json
import socket
from decimal import Decimal

import pytest
from cartridge.shop.models import Order
from celery import current_app
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.files.base import ContentFile

from shop_ext.models import DownloadGrant, OrderEmail, UpdateNotice
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import mark_order_paid
from tests import factories
from tests.client import Client
from tests.shopper import COMPLETE_URL, add_to_cart, checkout

pytestmark = pytest.mark.django_db


def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker(request):
    """Celery pointed at ``request.param``'s broker, not eager; restored after."""
    conf = current_app.conf
    saved = {"task_always_eager": conf.task_always_eager, "broker_url": conf.broker_url}
    current_app._after_fork()
    conf.update(task_always_eager=False, broker_url=request.param)
    yield
    conf.update(saved)
    # Forget the connections to that broker, as a forked worker does (a
    # process never changes brokers otherwise).
    current_app._after_fork()


BROKER_DOWN = f"redis://127.0.0.1:{closed_port()}/0"
# Kombu's in-process broker: tasks are queued, and no worker takes them.
BROKER_WITHOUT_WORKER = "memory://"


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def buy_ebook(client, buyer, book, **checkout_fields):
    client.force_login(buyer)
    add_to_cart(client, book, option3="eBook")
    response = checkout(client, billing_detail_email=buyer.email, **checkout_fields)
    assert response.status_code == 302
    assert response["Location"] == COMPLETE_URL
    return Order.objects.filter(user_id=buyer.id).latest("id")


@pytest.mark.parametrize("broker", [BROKER_DOWN], indirect=True)
def test_broker_down_checkout_and_payment_succeed_and_emails_wait_for_staff(
    broker, client, buyer, book, settings, admin_user
):
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_instantly_for_demo"
    mail.outbox.clear()
    order = buy_ebook(client, buyer, book)

    assert order.status == OrderStatus.COMPLETE
    assert DownloadGrant.objects.filter(order=order).count() == 2
    emails = OrderEmail.objects.filter(order=order)
    assert [e.kind for e in emails] == [OrderEmail.RECEIPT]  # one email per purchase, with the links
    for email in emails:
        assert email.gave_up
        assert email.sent_at is None
        assert email.error.startswith("Not queued, the task queue was unreachable")
    assert mail.outbox == []

    staff = Client()
    staff.force_login(admin_user)
    assert "EMAIL FAILED" in staff.get("/admin/shop/order/").content.decode()


@pytest.mark.parametrize("broker", [BROKER_DOWN], indirect=True)
def test_broker_down_an_update_notice_waits_for_requeue_emails(broker, paid_order, admin_user):
    product_file = paid_order.download_grants.first().file
    product_file.file = ContentFile(b"the corrected edition", name=product_file.original_filename)
    product_file.save()
    mail.outbox.clear()

    staff = Client()
    staff.force_login(admin_user)
    response = staff.post(
        "/admin/shop_ext/productfileversion/",
        {"action": "notify_buyers_of_update", ACTION_CHECKBOX_NAME: [product_file.current_version.pk]},
    )

    assert response.status_code == 302
    notice = UpdateNotice.objects.get(version=product_file.current_version)
    assert notice.gave_up
    assert notice.sent_at is None
    assert notice.error.startswith("Not queued, the task queue was unreachable")
    assert mail.outbox == []


@pytest.mark.parametrize("broker", [BROKER_WITHOUT_WORKER], indirect=True)
def test_a_zip_not_built_yet_is_prepared_by_the_worker_and_uses_no_attempt(broker, client, buyer, paid_order):
    client.force_login(buyer)
    response = client.get(f"/account/orders/{paid_order.pk}/files/all.zip")
    assert response.status_code == 202
    assert response["Refresh"] == "3"
    assert "putting the files of order" in response.content.decode()
    paid_order.delivery.refresh_from_db()
    assert paid_order.delivery.attempts_used == 0


@pytest.mark.parametrize("broker", [BROKER_DOWN], indirect=True)
def test_broker_down_the_zip_is_built_in_the_request(broker, client, buyer, paid_order):
    client.force_login(buyer)
    response = client.get(f"/account/orders/{paid_order.pk}/files/all.zip")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_cache_down_browsing_checkout_codes_and_downloads_keep_working(cache_down, client, buyer, caplog):
    book = factories.book_with_files()
    factories.DiscountCodeFactory(code="WELCOME10", discount_percent=Decimal("10"))
    assert client.get("/").status_code == 200
    assert client.get(f"/shop/product/{book.slug}/").status_code == 200

    client.force_login(buyer)
    add_to_cart(client, book, option3="eBook")
    refused = client.post("/shop/cart/", {"discount_code": "GUESS-1"})
    assert refused.status_code == 400  # the code refused beside its field; the shop works on
    assert "Cache unavailable: a failed discount code was not counted" in caplog.text

    order = buy_ebook(Client(), buyer, book, discount_code="WELCOME10")
    assert order.discount_code == "WELCOME10"
    mark_order_paid(order)
    grant = order.download_grants.first()
    download = client.get(f"/account/orders/{order.pk}/files/{grant.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_health_reports_each_part(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "database": "ok",
        "cache": "ok",
        "broker": "none: tasks run in the web process",
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("broker", [BROKER_DOWN], indirect=True)
def test_health_names_a_cache_and_a_broker_that_are_down_and_stays_200(broker, cache_down, client):
    response = client.get("/health/")
    assert response.status_code == 200  # the shop still sells: keep it in the balancer
    report = json.loads(response.content)
    assert report["database"] == "ok"
    assert report["cache"].startswith("down: ")
    assert report["broker"].startswith("down: ")


@pytest.mark.parametrize("broker", [BROKER_WITHOUT_WORKER], indirect=True)
def test_a_zip_with_a_missing_file_is_refused_not_prepared_for_ever(broker, client, buyer, paid_order):
    grant = paid_order.download_grants.select_related("file").first()
    grant.file.file.storage.delete(grant.file.file.name)
    client.force_login(buyer)
    response = client.get(f"/account/orders/{paid_order.pk}/files/all.zip")
    assert response.status_code == 404
    assert "temporarily unavailable" in response.content.decode()


@pytest.mark.parametrize("broker", [BROKER_WITHOUT_WORKER], indirect=True)
def test_waiting_for_a_zip_queues_its_build_once_then_the_request_builds_it(
    broker, client, buyer, paid_order, monkeypatch
):
    from shop_ext.delivery import views

    queued = []
    monkeypatch.setattr(views, "enqueue", lambda task, *args: queued.append(args) or True)
    client.force_login(buyer)
    url = f"/account/orders/{paid_order.pk}/files/all.zip"
    assert [client.get(url).status_code for _ in range(3)] == [202, 202, 202]
    assert queued == [(paid_order.pk,)]

    monkeypatch.setattr(views, "ZIP_WAIT_SECONDS", 0)  # the worker is down or far behind
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("broker", [BROKER_DOWN], indirect=True)
def test_broker_down_the_lost_links_page_says_to_try_again(broker, paid_order):
    mail.outbox.clear()
    response = Client().post("/account/downloads/resend/", {"email": "dana@example.com"})
    assert response.status_code == 503
    assert "try again in a few minutes" in response.content.decode()
    assert mail.outbox == []
