"""The task queue and the shared limits as deployed: Redis, a Celery worker,
and two gunicorn instances behind one nginx.

An email queued by the app is sent by the worker to the SMTP sink; a worker
killed in the middle of sending loses nothing (another worker sends it, once);
two app servers count the download attempts, the sign-in lockout and the
discount-code limit together.
"""

import time

import pytest
import requests

from deploy.local_stack import free_port
from tests.functional.stack.conftest import VISIBILITY_TIMEOUT
from tests.functional.stack.forms import csrf_token
from tests.functional.stack.test_sign_in_stack import sign_in
from tests.shopper import private_link

pytestmark = pytest.mark.stack

BOOK_SLUG = "the-lighthouse-keepers-almanac"
PASSWORD = "Pair-buyer-pw-4410"
# Readiness waits only, never a claim about speed: a redelivered task needs
# the visibility timeout plus Redis' restore cycle (10 s).
REDELIVERY_WAIT = VISIBILITY_TIMEOUT + 60


def make_order(stack, email, username=None, paid=False):
    """An eBook order for ``email`` (of a new account ``username``), made
    in the deployment's own Django; paid: through mark_order_paid."""
    code = f"""
import json
PASSWORD = {PASSWORD!r}
from cartridge.shop.models import Order, ProductVariation
from django.contrib.auth import get_user_model
from django.db import transaction
from shop_ext.orders.actions import mark_order_paid
user = None
if {username!r}:
    user = get_user_model().objects.create_user({username!r}, {email!r}, PASSWORD)
variation = ProductVariation.objects.get(product__slug={BOOK_SLUG!r}, option3="eBook")
with transaction.atomic():
    order = Order.objects.create(
        user_id=user.id if user else None, billing_detail_email={email!r},
        billing_detail_first_name="Pat", billing_detail_last_name="Queue",
        item_total=variation.price(), total=variation.price(), key="stack")
    order.items.create(sku=variation.sku, description="eBook", quantity=1,
        unit_price=variation.price(), total_price=variation.price())
if {paid!r}:
    mark_order_paid(order)
print(json.dumps(order.pk))
"""
    return stack.django(code)


def queue_receipt(stack, order_id):
    code = f"""
import json
from cartridge.shop.models import Order
from django.db import transaction
from shop_ext.models import OrderEmail
from shop_ext.orders.tasks import queue_order_email
with transaction.atomic():
    email = queue_order_email(Order.objects.get(pk={order_id}), OrderEmail.RECEIPT)
print(json.dumps(email.pk))
"""
    return stack.django(code)


def email_row(stack, email_id):
    [row] = stack.sql(
        "SELECT sent_at IS NOT NULL, tries, gave_up FROM shop_ext_orderemail WHERE id = %s", email_id
    )
    return row


def test_the_worker_sends_the_files_email_to_the_smtp_sink(stack):
    order_id = make_order(stack, "worker-files@example.com", username="worker-files", paid=True)
    message = stack.smtp.wait_for_message("Your files from", to="worker-files@example.com")
    body = message.get_body(("plain",)).get_content()
    assert f"{private_link(body, order_id)}files/" in body
    [(email_id,)] = stack.sql(
        "SELECT id FROM shop_ext_orderemail WHERE order_id = %s AND kind = 'files'", order_id
    )
    assert email_row(stack, email_id) == (True, 1, False)
    assert "shop_ext.orders.tasks.send_order_email" in stack.worker.log.read_text()


def test_a_worker_killed_while_sending_loses_nothing(stack):
    address = "worker-killed@example.com"
    order_id = make_order(stack, address)
    held_before = stack.smtp.held
    stack.smtp.hold.set()
    try:
        email_id = queue_receipt(stack, order_id)
        deadline = time.monotonic() + 60
        while stack.smtp.held == held_before:  # the worker is talking to the mail server
            assert time.monotonic() < deadline, stack.worker.log.read_text()[-3000:]
            time.sleep(0.05)
        stack.worker.kill()
    finally:
        stack.smtp.hold.clear()
    assert not [m for m in stack.smtp.messages if m["To"] == address]
    assert email_row(stack, email_id) == (False, 0, False)  # the killed try never committed

    stack.worker = stack.start_worker(name="worker-after-kill")
    deadline = time.monotonic() + REDELIVERY_WAIT
    while not email_row(stack, email_id)[0]:
        assert time.monotonic() < deadline, stack.worker.log.read_text()[-3000:]
        time.sleep(0.2)
    assert len([m for m in stack.smtp.messages if m["To"] == address]) == 1
    assert email_row(stack, email_id) == (True, 1, False)


@pytest.fixture(scope="module")
def two_app_servers(stack):
    """A second gunicorn and an nginx that balances between both."""
    second = stack.start_gunicorn(name="gunicorn-2")
    pair = stack.start_nginx([stack.gunicorn, second], name="nginx-pair", port=free_port())
    return pair, [stack.gunicorn, second]


def requests_seen(server):
    return server.access_log.read_text().count("\n") if server.access_log.exists() else 0


def served_since(apps, before):
    """How many requests each app server answered since ``before``."""
    return [requests_seen(app) - seen for app, seen in zip(apps, before, strict=True)]


def test_two_app_servers_share_the_discount_code_limit(stack, two_app_servers):
    nginx, apps = two_app_servers
    url = f"http://127.0.0.1:{nginx.port}"
    before = [requests_seen(app) for app in apps]
    shopper = requests.Session()
    product = shopper.get(f"{url}/shop/product/{BOOK_SLUG}/")
    shopper.post(
        f"{url}/shop/product/{BOOK_SLUG}/",
        data={"option3": "eBook", "quantity": 1, "csrfmiddlewaretoken": csrf_token(shopper, product)},
        headers={"Referer": f"{url}/"},
    )
    cart = f"{url}/shop/cart/"
    page = shopper.get(cart)
    for n in range(10):  # SHOP_DISCOUNT_MAX_FAILURES: counted in Redis, whichever server answers
        page = shopper.post(
            cart,
            data={"discount_code": f"GUESS-{n}", "csrfmiddlewaretoken": csrf_token(shopper, page)},
            headers={"Referer": cart},
        )
        assert page.status_code == 400  # a code that does not apply: told beside the field
    refused = shopper.post(
        cart,
        data={"discount_code": "WELCOME10", "csrfmiddlewaretoken": csrf_token(shopper, page)},
        headers={"Referer": cart},
    )
    assert "Too many invalid discount codes were tried" in refused.text
    served = served_since(apps, before)
    assert min(served) >= 2, served  # both app servers took part


def test_two_app_servers_share_the_sign_in_lockout(stack, two_app_servers):
    nginx, apps = two_app_servers
    url = f"http://127.0.0.1:{nginx.port}/accounts/login/"
    make_order(stack, "pair-locked@example.com", username="pair-locked")
    before = [requests_seen(app) for app in apps]
    client = requests.Session()
    statuses = [sign_in(client, url, "pair-locked", "wrong").status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]  # AXES_FAILURE_LIMIT, counted whichever server answers
    assert sign_in(client, url, "pair-locked", PASSWORD).status_code == 429
    served = served_since(apps, before)
    assert min(served) >= 2, served  # both app servers took part


def test_two_app_servers_share_the_download_attempt_limit(stack, two_app_servers):
    nginx, apps = two_app_servers
    url = f"http://127.0.0.1:{nginx.port}"
    order_id = make_order(stack, "pair-buyer@example.com", username="pair-buyer", paid=True)
    [(grant_id, max_attempts)] = stack.sql(
        "SELECT g.id, d.max_attempts FROM shop_ext_downloadgrant g "
        "JOIN shop_ext_orderdelivery d ON d.order_id = g.order_id WHERE g.order_id = %s LIMIT 1",
        order_id,
    )
    buyer = requests.Session()
    assert sign_in(buyer, f"{url}/accounts/login/", "pair-buyer", PASSWORD).status_code == 302
    link = f"{url}/account/orders/{order_id}/files/{grant_id}/"
    before = [requests_seen(app) for app in apps]
    statuses = [buyer.get(link).status_code for _ in range(max_attempts + 3)]
    assert statuses == [200] * max_attempts + [403] * 3
    served = served_since(apps, before)
    assert min(served) >= 2, served  # both app servers took part
