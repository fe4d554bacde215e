"""The catalogue import's ``file`` column naming an address of an allowed
origin (shop_ext/catalogue/remote_files.py), fetched from a real HTTP
server on 127.0.0.1 that each test starts and stops, through the command
and through the admin's worker."""

import io
import tempfile
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from cartridge.shop.models import Product
from django.core.management import CommandError, call_command

from shop_ext.models import ProductFile
from tests.factories import EPUB, make_book, variation
from tests.integration.catalogue.test_catalogue_import_admin import checked, confirm, text

pytestmark = pytest.mark.django_db

HEADER = "title,author,description,categories,format,isbn,price,sale_price,stock,file\n"
LIMIT = 4096


class Distributor(BaseHTTPRequestHandler):
    """A distributor's file server: one path per way a fetch can go."""

    released = None  # set per server: a stalled answer waits for it
    requests = None

    def do_GET(self):
        self.requests.append(self.path)
        if self.path == "/files/paper.epub":
            self.answer(200, EPUB)
        elif self.path == "/files/moved.epub":
            self.send_response(302)
            self.send_header("Location", "/files/paper.epub")
            self.end_headers()
        elif self.path == "/files/huge.epub":
            self.answer(200, b"x" * (LIMIT * 4))
        elif self.path == "/files/huge-undeclared.epub":
            # No Content-Length: the limit must be kept while reading.
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * (LIMIT * 4))
        elif self.path == "/files/empty.epub":
            self.answer(200, b"")
        elif self.path == "/files/stalled.epub":
            self.released.wait(10)
        else:
            self.answer(404, b"not here")

    def answer(self, status, data):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextmanager
def distributor():
    released = threading.Event()
    requests = []
    handler = type("Handler", (Distributor,), {"released": released, "requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        released.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server(settings):
    """The server, its origin listed as the operator would list it."""
    with distributor() as (origin, requests):
        settings.SHOP_IMPORT_FILE_ORIGINS = [origin]
        settings.SHOP_IMPORT_FILE_FETCH_TIMEOUT_SECONDS = 1
        settings.SHOP_PRODUCT_FILE_MAX_BYTES = LIMIT
        yield SimpleNamespace(origin=origin, requests=requests)


@pytest.fixture
def paper(db):
    return make_book({"eBook": "5.00"}, title="Paper", author="Tomas Reed")


def sheet(tmp_path, address):
    path = tmp_path / "books.csv"
    path.write_text(HEADER + f"Paper,Tomas Reed,,,eBook,,5.00,,,{address}\n", encoding="utf-8")
    return str(path)


def run(*args):
    out = io.StringIO()
    call_command("import_catalogue", *args, stdout=out)
    return out.getvalue()


def refusal(*args):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalogue", *args, stdout=out)
    return next(line for line in out.getvalue().splitlines() if line.startswith("row 2:"))


def test_a_file_at_an_allowed_address_is_attached_and_downloads(paper, server, tmp_path, client, buy):
    path = sheet(tmp_path, f"{server.origin}/files/paper.epub")
    assert "file ( → paper.epub)" in run(path, "--dry-run")
    assert server.requests == [], "the dry run checks the address only"
    assert ProductFile.objects.count() == 0
    run(path)
    product_file = ProductFile.objects.get()
    assert (product_file.original_filename, product_file.size) == ("paper.epub", len(EPUB))
    assert list(product_file.variations.all()) == [variation(paper, option3="eBook")]
    order = buy(paper, "eBook")
    grant = order.download_grants.get()
    response = client.get(f"/account/orders/{order.pk}/files/{grant.pk}/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == EPUB


def test_a_reimport_of_the_same_address_changes_and_fetches_nothing(paper, server, tmp_path):
    path = sheet(tmp_path, f"{server.origin}/files/paper.epub")
    run(path)
    fetched = list(server.requests)
    assert "0 changed, 1 unchanged" in run(path)
    assert server.requests == fetched
    assert ProductFile.objects.count() == 1


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://127.0.0.2:{port}/files/paper.epub", "is not an origin the shop takes files from"),
        ("https://127.0.0.1:{port}/files/paper.epub", "is not an origin the shop takes files from"),
        ("http://user:pw@127.0.0.1:{port}/files/paper.epub", "user name or password"),
        ("http://127.0.0.1:{port}@evil.example/files/paper.epub", "user name or password"),
        ("http://127.0.0.1:{port}/files/", "names no file"),
    ],
)
def test_an_address_not_allowed_is_refused_by_the_dry_run_without_a_request(
    paper, server, tmp_path, address, message
):
    port = server.origin.rsplit(":", 1)[1]
    path = sheet(tmp_path, address.format(port=port))
    line = refusal(path, "--dry-run")
    assert line.startswith("row 2: refused: file: ")
    assert message in line
    assert server.requests == []


def test_addresses_are_refused_when_no_origin_is_listed(paper, tmp_path, settings):
    settings.SHOP_IMPORT_FILE_ORIGINS = []
    line = refusal(sheet(tmp_path, "https://files.distributor.example/paper.epub"), "--dry-run")
    assert line.startswith("row 2: refused: file: ")
    assert "SHOP_IMPORT_FILE_ORIGINS" in line


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("moved.epub", "redirects are not followed"),
        ("missing.epub", "the server answered 404"),
        ("huge.epub", "larger than the limit"),
        ("huge-undeclared.epub", "larger than the limit"),
        ("stalled.epub", "took longer than 1 s"),
    ],
)
def test_a_fetch_that_fails_refuses_the_row_and_writes_nothing(
    paper, server, tmp_path, monkeypatch, name, reason
):
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    new_title = "Good New Title,,,,eBook,,4.00,,,\n"
    path = tmp_path / "books.csv"
    path.write_text(HEADER + f"Paper,Tomas Reed,,,eBook,,5.00,,,{server.origin}/files/{name}\n" + new_title)
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(path), stdout=out)
    assert "Nothing was imported" in str(error.value)
    line = next(line for line in out.getvalue().splitlines() if line.startswith("row 2:"))
    assert line.startswith(f"row 2: refused: file: {server.origin}/files/{name} was not attached: ")
    assert reason in line
    assert server.requests == [f"/files/{name}"], "one request, no redirect followed"
    assert not ProductFile.objects.exists()
    assert not Product.objects.filter(title="Good New Title").exists()
    assert not list(temporary.iterdir()), "the fetched bytes are not left behind"


def test_an_empty_file_at_an_address_is_refused_as_an_empty_upload(paper, server, tmp_path):
    line = refusal(sheet(tmp_path, f"{server.origin}/files/empty.epub"))
    assert line == "row 2: refused: file: The file is empty."
    assert not ProductFile.objects.exists()


def test_the_worker_checks_the_address_then_fetches_it_once_confirmed(
    paper, server, admin_client, django_capture_on_commit_callbacks
):
    data = f"title,format,price,file\nPaper,eBook,5.00,{server.origin}/files/paper.epub\n".encode()
    page = checked(admin_client, data, django_capture_on_commit_callbacks)
    assert "row 2: changed file ( → paper.epub)" in text(page)
    assert server.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin_client, page.context["job"], follow=True)
    assert server.requests == ["/files/paper.epub"]
    assert ProductFile.objects.get().variations.get() == variation(paper, option3="eBook")
