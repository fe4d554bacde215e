"""Fault injection: the deployment of docs/deploy.md with a TCP proxy
(fault_proxy.py) between the app (gunicorn and the Celery worker) and each
server it needs -- PostgreSQL, Redis as cache, Redis as broker, SMTP --
under load from browsing, downloading and checking out through nginx.

What must hold: a failed request is the 503 page (never a bare 500 or a
hung worker), quickly and with one connection attempt; the shop recovers
without a restart; and whatever was cut, nothing is half-written: every paid
order has its grants, delivery record and email, every counted download its
log row, every email arrives. The figures go to the run's summary
(docs/reliability.md).
"""

import os
import threading
import time
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from deploy.local_stack import ADMIN_DB_URL, free_port, read_tail
from tests.functional.stack.conftest import MEASUREMENTS, VISIBILITY_TIMEOUT, Stack
from tests.functional.stack.fault_proxy import FaultProxy
from tests.functional.stack.forms import csrf_token
from tests.shopper import DOWNLOAD_ONLY_DETAILS, private_link

pytestmark = pytest.mark.stack

# The one worker (concurrency 1) first works through the emails of the
# load's orders, some on their retries' backoff: the later scenarios' emails
# wait behind them. A readiness wait, not an assertion about speed.
BACKLOG_SECONDS = 240
BOOK_SLUG = "the-lighthouse-keepers-almanac"
PRODUCT_PATH = f"/shop/product/{BOOK_SLUG}/"
# gunicorn's default (deploy/gunicorn.conf.py): a worker held longer is killed.
GUNICORN_TIMEOUT = 60
UNAVAILABLE_TEXT = "cannot reach its database"
WEB_WORKERS = 2
# Each cut while the load runs: how many requests of each kind answer
# before it, and succeed after it (after the last failure): progress, not
# seconds, whatever the machine's load.
REQUESTS_AROUND_A_CUT = 10
CUTS = 3
# A load that makes no such progress at all ends the test (a hung shop), as
# a readiness wait does: not an assertion about speed.
PROGRESS_TIMEOUT = 300


@dataclass
class Answer:
    kind: str
    started: float
    seconds: float
    status: int | None  # None: no HTTP answer at all
    retry_after: str | None = None
    text: str = ""


class Shop:
    """The stack, its proxies and the paid order the downloads use."""

    def __init__(self, stack, database, cache, broker, smtp):
        self.stack, self.database, self.cache, self.broker, self.smtp = stack, database, cache, broker, smtp
        self.url = stack.url
        self.download_url = None
        self.orders_placed = 0

    def sql(self, query, *params):
        return self.stack.sql(query, *params)


def through(proxy, url):
    """``url`` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[0]
    netloc = f"{netloc}@" if netloc else ""
    return urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{proxy.port}"))


@pytest.fixture(scope="module")
def shop():
    """A deployment of this module's own (its faults must not reach the other
    stack tests): every connection of the app to a server through a proxy."""
    with Stack(
        name="shop_faults",
        admin_db_url=os.environ.get("STACK_POSTGRES_URL", ADMIN_DB_URL),
        redis_url=os.environ.get("STACK_REDIS_URL"),
        visibility_timeout=VISIBILITY_TIMEOUT,
    ) as stack:
        stack.manage("collectstatic", "--noinput", "-v0")
        stack.manage("load_demo", "--force", env=stack.environ(SHOP_DEMO="true"))
        db = urlsplit(stack.db_url)
        proxies = {
            "database": FaultProxy(db.port or 5432, db.hostname),
            # The cache and the broker each have a Redis of their own.
            "cache": FaultProxy(urlsplit(stack.cache_url).port),
            "broker": FaultProxy(urlsplit(stack.broker_url).port),
            "smtp": FaultProxy(stack.smtp.port),
        }
        env = {
            "DATABASE_URL": through(proxies["database"], stack.db_url),
            "CACHE_URL": through(proxies["cache"], stack.cache_url),
            "CELERY_BROKER_URL": through(proxies["broker"], stack.broker_url),
            "EMAIL_URL": proxies["smtp"].url("smtp"),
            # Paid at checkout: each order takes the whole money path.
            "SHOP_PAYMENT_GATEWAY": "shop_ext.payments.gateways.pay_instantly_for_demo",
        }
        try:
            stack.worker = stack.start_worker(restart_on_failure=True, **env)
            stack.gunicorn = stack.start_gunicorn(workers=WEB_WORKERS, **env)
            stack.nginx = stack.start_nginx(stack.gunicorn)
            shop = Shop(stack, **proxies)
            first = buy(shop, "faults-first@example.com")
            assert first.status == 302, first
            shop.download_url = download_link(shop, "faults-first@example.com")
            yield shop
        finally:
            for proxy in proxies.values():
                proxy.close()


def timed(kind, call):
    started = time.monotonic()
    try:
        response = call()
    except requests.RequestException:
        return Answer(kind, started, time.monotonic() - started, None)
    return Answer(
        kind,
        started,
        time.monotonic() - started,
        response.status_code,
        response.headers.get("Retry-After"),
        response.text if response.status_code >= 500 else "",
    )


def buy(shop, email, answers=None):
    """A guest's checkout of the eBook, as a browser sends it, each answer
    added to ``answers``; the last one (302 to the completion page when the
    order was placed)."""
    guest = requests.Session()
    answers = [] if answers is None else answers
    pages = []

    def send(method, path, **kwargs):
        def call():
            pages.append(guest.request(method, shop.url + path, allow_redirects=False, timeout=90, **kwargs))
            return pages[-1]

        answers.append(timed("checkout", call))
        return answers[-1]

    def send_form(path, data):
        """The form of the page shown last, as shop.js sends it."""
        data = {**data, "csrfmiddlewaretoken": csrf_token(guest, pages[-1])}
        return send("POST", path, data=data, headers={"Referer": shop.url + path})

    checkout = "/shop/checkout/"
    details = {**DOWNLOAD_ONLY_DETAILS, "billing_detail_email": email}
    for answer, expected in (
        (lambda: send("GET", PRODUCT_PATH), 200),
        (lambda: send_form(PRODUCT_PATH, {"option3": "eBook", "quantity": 1}), 302),
        (lambda: send("GET", checkout), 200),
        # A download only: the details' one page places the order.
        (lambda: send_form(checkout, {**details, "step": 1}), 302),
    ):
        if answer().status != expected:
            break
    else:
        shop.orders_placed += 1
    return answers[-1]


def download_link(shop, email):
    """A file link from the email the guest got for the paid order."""
    message = shop.stack.smtp.wait_for_message(to=email)
    text = message.get_body(("plain",)).get_content()
    [(order_id, grant_id)] = shop.sql(
        "SELECT o.id, g.id FROM shop_order o JOIN shop_ext_downloadgrant g ON g.order_id = o.id "
        "WHERE o.billing_detail_email = %s ORDER BY g.id LIMIT 1",
        email,
    )
    # The load downloads far more often than a buyer may.
    shop.sql("UPDATE shop_ext_orderdelivery SET max_attempts = NULL WHERE order_id = %s", order_id)
    return f"{shop.url}{private_link(text, order_id)}files/{grant_id}/"


class Load:
    """Browsing, downloading and checking out through nginx, a thread each,
    until stopped; every answer kept."""

    def __init__(self, shop):
        self.shop = shop
        self.answers = []
        self.stopped = threading.Event()
        self.threads = [
            threading.Thread(target=work, daemon=True)
            for work in (self.browse, self.download, self.check_out)
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        for thread in self.threads:
            thread.join()

    def wait_until(self, done, what):
        """Until ``done(answers)`` holds for the answers so far."""
        deadline = time.monotonic() + PROGRESS_TIMEOUT
        while not done(list(self.answers)):
            assert time.monotonic() < deadline, f"{what}: not after {PROGRESS_TIMEOUT} s of load"
            time.sleep(0.05)

    def browse(self):
        pages = ["/", PRODUCT_PATH, "/shop/cart/", "/search/?q=almanac"]
        while not self.stopped.is_set():
            for path in pages:
                self.answers.append(
                    timed("browse", lambda path=path: requests.get(self.shop.url + path, timeout=90))
                )

    def download(self):
        while not self.stopped.is_set():
            self.answers.append(timed("download", lambda: requests.get(self.shop.download_url, timeout=90)))

    def check_out(self):
        number = 0
        while not self.stopped.is_set():
            number += 1
            buy(self.shop, f"faults-{time.monotonic_ns()}-{number}@example.com", self.answers)


def assert_unavailable_page(answer, app_log=""):
    assert answer.status == 503, f"{answer}\n{app_log}"
    assert answer.retry_after == "30", answer
    assert UNAVAILABLE_TEXT in answer.text, answer


def assert_only_unavailable_pages(shop, answers):
    """No answer but a success, a redirect, a 4xx or the 503 page (else the
    app's log says why)."""
    for answer in answers:
        if failed(answer):
            assert_unavailable_page(answer, read_tail(shop.stack.gunicorn.log, 20_000))


def failed(answer):
    return answer.status is None or answer.status >= 500


def answered_each_kind(answers, count=REQUESTS_AROUND_A_CUT):
    """Whether ``answers`` hold ``count`` fine answers of each kind of load."""
    fine = [a.kind for a in answers if not failed(a)]
    return all(fine.count(kind) >= count for kind in ("browse", "download", "checkout"))


def fine_again(answers, since):
    """Whether each kind of load answered REQUESTS_AROUND_A_CUT times after
    the last failure of a request started at ``since`` or later."""
    failures = [a.started + a.seconds for a in answers if a.started >= since and failed(a)]
    return answered_each_kind([a for a in answers if a.started > max(failures, default=since)])


def recovered(answers, since):
    """Seconds from ``since`` until every answer of every kind was fine again."""
    later = sorted((a for a in answers if a.started >= since), key=lambda a: a.started)
    kinds = {a.kind for a in later}
    assert kinds == {"browse", "download", "checkout"}, f"no load after the fault ended: {kinds}"
    last_failure = max((a.started + a.seconds for a in later if failed(a)), default=since)
    assert any(a.started > last_failure for a in later if a.kind == "checkout"), "checkout never worked again"
    return last_failure - since


# ------------------------------------------------------------ PostgreSQL


def test_database_connections_cut_under_load(shop):
    failed_per_cut, recovery = [], []
    with Load(shop) as load:
        for _ in range(CUTS):
            start = len(load.answers)
            load.wait_until(
                lambda answers, start=start: answered_each_kind(answers[start:]), "load before the cut"
            )
            before = len(load.answers)
            cut_at = time.monotonic()
            shop.database.cut()
            # The shop must recover without a restart: each kind of request
            # succeeding again, REQUESTS_AROUND_A_CUT times, after the last failure.
            load.wait_until(partial(fine_again, since=cut_at), "all fine again after the cut")
            failed_per_cut.append(sum(failed(a) for a in load.answers[before:]))
            recovery.append(recovered(load.answers, cut_at))
    assert_only_unavailable_pages(shop, load.answers)
    MEASUREMENTS.append(
        f"database cut x{CUTS} under load: {len(load.answers)} requests, failed per cut {failed_per_cut}, "
        f"all fine again after {', '.join(f'{s * 1000:.0f}' for s in recovery)} ms"
    )


@pytest.mark.parametrize("fault", ["refuse", "hang_up"])
def test_database_away_gives_the_503_page_at_once_with_one_attempt(shop, fault):
    getattr(shop.database, fault)()
    try:
        accepted = shop.database.accepted
        answers = [
            timed("browse", lambda: requests.get(f"{shop.url}/shop/cart/", timeout=90)) for _ in range(10)
        ]
        attempts = shop.database.accepted - accepted
    finally:
        shop.database.restore()
    for answer in answers:
        assert_unavailable_page(answer)
        assert answer.seconds < GUNICORN_TIMEOUT
    # Refused: the proxy sees none. Hung up on: one per request, not a dozen.
    assert attempts <= len(answers)
    # Back without a restart.
    assert requests.get(f"{shop.url}/shop/cart/", timeout=90).status_code == 200
    MEASUREMENTS.append(
        f"database {fault}: 503 in {max(a.seconds for a in answers):.2f} s at most, "
        f"{attempts / len(answers):.1f} connection attempts per request"
    )


def test_a_silent_database_gives_the_503_page_within_the_connect_timeout(shop):
    """The database stops answering (live connections dropped, new ones
    accepted and never answered): connect_timeout, not gunicorn's timeout,
    ends each request."""
    shop.database.stall()
    shop.database.cut()
    try:
        answers = [
            timed("browse", lambda: requests.get(f"{shop.url}/shop/cart/", timeout=90)) for _ in range(3)
        ]
    finally:
        shop.database.restore()
    for answer in answers:
        assert_unavailable_page(answer)
        assert answer.seconds < GUNICORN_TIMEOUT
    assert requests.get(f"{shop.url}/shop/cart/", timeout=90).status_code == 200
    MEASUREMENTS.append(f"database silent: 503 after {max(a.seconds for a in answers):.2f} s at most")


def test_nginx_shows_the_page_when_the_app_does_not_answer(shop):
    """gunicorn stopped or restarting: nginx's own 502 is the same page."""
    no_app = SimpleNamespace(port=free_port())
    nginx = shop.stack.start_nginx(no_app, name="nginx-without-app", port=free_port())
    response = requests.get(f"{nginx.url}/shop/cart/", timeout=60)
    assert response.status_code == 502
    assert response.headers["Retry-After"] == "30"
    assert UNAVAILABLE_TEXT in response.text


# ------------------------------------------------------------ Redis and SMTP


def test_a_cut_cache_does_not_break_pages(shop):
    shop.cache.refuse()
    placed = shop.orders_placed
    try:
        with Load(shop) as load:
            load.wait_until(
                partial(answered_each_kind, count=2 * REQUESTS_AROUND_A_CUT), "load, cache refused"
            )
    finally:
        shop.cache.restore()
    failures = [a for a in load.answers if failed(a)]
    assert not failures, failures[:3]
    assert shop.orders_placed > placed + 1
    MEASUREMENTS.append(f"cache refused: {len(load.answers)} requests, {len(failures)} failed")


def test_a_cut_broker_loses_no_order_email(shop):
    email = "faults-broker@example.com"
    shop.broker.refuse()
    try:
        placed = buy(shop, email)
    finally:
        shop.broker.restore()
    assert placed.status == 302, placed
    [(error, sent_at)] = shop.sql(
        "SELECT e.error, e.sent_at FROM shop_ext_orderemail e JOIN shop_order o ON o.id = e.order_id "
        "WHERE o.billing_detail_email = %s",
        email,
    )
    assert error.startswith("Not queued")
    assert sent_at is None
    requeued_at = time.monotonic()
    shop.stack.manage("requeue_emails", "--minutes", "0")
    shop.stack.smtp.wait_for_message(to=email, timeout=BACKLOG_SECONDS)
    MEASUREMENTS.append(
        f"broker refused: order placed and paid, email recorded as not queued; "
        f"delivered {time.monotonic() - requeued_at:.1f} s after requeue_emails"
    )


def test_a_stopped_mail_server_loses_no_email(shop):
    email = "faults-smtp@example.com"
    shop.smtp.refuse()
    try:
        placed = buy(shop, email)
        assert placed.status == 302, placed
        deadline = time.monotonic() + BACKLOG_SECONDS
        while not shop.sql(
            "SELECT 1 FROM shop_ext_orderemail e JOIN shop_order o ON o.id = e.order_id "
            "WHERE o.billing_detail_email = %s AND e.tries > 0",
            email,
        ):
            assert time.monotonic() < deadline, "the worker never tried to send"
            time.sleep(0.2)
    finally:
        shop.smtp.restore()
    restored_at = time.monotonic()
    # The worker's retry sends it.
    shop.stack.smtp.wait_for_message(to=email, timeout=BACKLOG_SECONDS)
    MEASUREMENTS.append(
        f"mail server refused: email sent by the worker's retry "
        f"{time.monotonic() - restored_at:.1f} s after the server was back"
    )


# ------------------------------------------------------------ nothing half-written


def test_no_paid_order_is_half_written(shop):
    """After every fault above: each order paid (or with the gateway's
    transaction id) has its grants, its delivery record and its email row."""
    half_written = shop.sql(
        "SELECT o.id, o.status, o.transaction_id, "
        "(SELECT count(*) FROM shop_ext_downloadgrant g WHERE g.order_id = o.id), "
        "(SELECT count(*) FROM shop_ext_orderdelivery d WHERE d.order_id = o.id), "
        "(SELECT count(*) FROM shop_ext_orderemail e WHERE e.order_id = o.id) "
        "FROM shop_order o WHERE o.status IN (2, 3, 4) OR o.transaction_id IS NOT NULL"
    )
    broken = [row for row in half_written if row[1] not in (2, 3, 4) or 0 in row[3:]]
    assert half_written
    assert broken == []


def test_every_counted_download_has_its_log_row(shop):
    mismatched = shop.sql(
        "SELECT d.order_id, d.attempts_used, "
        "(SELECT count(*) FROM shop_ext_downloadattempt a "
        "WHERE a.order_id = d.order_id AND a.outcome = 'served') "
        "FROM shop_ext_orderdelivery d"
    )
    assert [row for row in mismatched if row[1] != row[2]] == []


def test_every_paid_order_email_was_sent(shop):
    """Every email row of a paid order has gone out (the worker's retries and
    requeue_emails included), and the SMTP sink has it."""
    deadline = time.monotonic() + BACKLOG_SECONDS
    while unsent := shop.sql(
        "SELECT e.order_id, e.tries, e.error "
        "FROM shop_ext_orderemail e JOIN shop_order o ON o.id = e.order_id "
        "WHERE e.sent_at IS NULL AND o.status IN (2, 3, 4)"
    ):
        if time.monotonic() > deadline:
            break
        shop.stack.manage("requeue_emails", "--minutes", "0")
        time.sleep(2)
    assert unsent == []
    paid = shop.sql("SELECT DISTINCT billing_detail_email FROM shop_order WHERE status IN (2, 3, 4)")
    received = {message["To"] for message in shop.stack.smtp.messages}
    assert {email for (email,) in paid} <= received
    MEASUREMENTS.append(
        f"celery worker started again after an error exit: {shop.stack.worker.restarts} times"
        + "".join(f"\n  after: {reason}" for reason in shop.stack.worker.exit_reasons)
    )
