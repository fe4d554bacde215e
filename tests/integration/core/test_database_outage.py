"""While the database is unreachable: a 503 page made without it, quickly.

The outage is real, not a mock: the connection is closed and its settings
point at a database that cannot be reached (SQLite: a file in a missing
directory; PostgreSQL: a port where a listener of ours accepts and hangs up
at once, counting the attempts)."""

import socket
import threading

import pytest
from django.db import connection

from tests.client import Client
from tests.shopper import COMPLETE_URL


class HangUpListener:
    """Accepts TCP connections and closes them at once, counting them."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self):
        self.socket.close()


class Outage:
    """The default database unreachable until ``end()`` (on PostgreSQL,
    ``listener`` counts the attempts to connect)."""

    def __init__(self, tmp_path):
        self.saved_connection, self.saved_settings = connection.connection, dict(connection.settings_dict)
        self.listener = None
        if connection.vendor == "postgresql":
            self.listener = HangUpListener()
            connection.settings_dict.update(HOST="127.0.0.1", PORT=self.listener.port)
        else:
            connection.settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
        connection.connection = None

    @property
    def attempts(self):
        return self.listener.accepted

    def end(self):
        """The database back, with the connection the test had."""
        if self.saved_settings is None:
            return
        connection.settings_dict.update(self.saved_settings)
        self.saved_settings = None
        if self.listener:
            self.listener.close()
        connection.close()
        connection.connection = self.saved_connection


@pytest.fixture
def database_down(transactional_db, tmp_path):
    outage = Outage(tmp_path)
    yield outage
    outage.end()


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Back in a moment" in page
    assert "cannot reach its database" in page


@pytest.mark.parametrize("url", ["/", "/shop/cart/", "/search/?q=tolkien", "/accounts/login/"])
def test_pages_answer_503_with_the_static_page(database_down, url):
    # No exception re-raised by the test client: the page is the answer.
    response = Client(raise_request_exception=False).get(url)
    assert_unavailable_page(response)


def test_a_form_post_answers_503_with_the_static_page(database_down):
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "a", "password": "b"}
    )
    assert_unavailable_page(response)


def test_csrf_token_needs_no_database(database_down):
    """The product page's Buy form fetches its token here: without it,
    add-to-cart fell to the "one more step" 403 page during an outage."""
    response = Client(raise_request_exception=False).get("/csrf/")
    assert response.status_code == 200
    assert len(response.json()["token"]) == 64


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the backend that connects once is PostgreSQL's"
)
@pytest.mark.parametrize("url", ["/", "/shop/cart/"])
def test_a_request_tries_to_connect_once(database_down, url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert database_down.attempts == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the backend that connects once is PostgreSQL's"
)
def test_the_next_request_tries_again(database_down):
    client = Client(raise_request_exception=False)
    client.get("/")
    client.get("/")
    assert database_down.attempts == 2


def test_the_site_answers_again_when_the_database_is_back(database_down):
    client = Client(raise_request_exception=False)
    assert client.get("/").status_code == 503
    database_down.end()
    assert client.get("/").status_code == 200


def test_the_completion_page_of_a_placed_order_is_the_503_page_not_a_500(
    transactional_db, tmp_path, book, place_order, client
):
    """The buyer whose order exists is told to come back, not shown a 500."""
    place_order(book)
    client.raise_request_exception = False
    outage = Outage(tmp_path)
    try:
        response = client.get(COMPLETE_URL)
    finally:
        outage.end()
    assert_unavailable_page(response)
    assert client.get(COMPLETE_URL).status_code == 200


def test_a_page_the_cache_holds_is_served_while_the_database_is_away(transactional_db, tmp_path):
    """Even when the cache no longer knows which site a host is (evicted):
    the process remembers it, and the page needs nothing else."""
    from django.core.cache import cache

    from shop_ext.core.sites import DOMAINS_KEY
    from tests.factories import make_book

    url = make_book({"Paperback": "10.00"}, stock=3, title="The Harbour").get_absolute_url()
    client = Client(raise_request_exception=False)
    assert client.get(url).status_code == 200  # stored
    cache.delete(DOMAINS_KEY)
    outage = Outage(tmp_path)
    try:
        response = client.get(url)
    finally:
        outage.end()
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "hit"
