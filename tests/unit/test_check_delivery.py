"""manage.py check_delivery against small local servers: a site it cannot
reach is one line that says what to check, not a traceback (found by
following docs/deploy.md); the certificates it trusts are the system's, as
curl's are; bodies are read as the server keeps them. The whole run against
a deployment is tests/functional/stack/test_delivery_stack.py's."""

import contextlib
import gzip
import http.server
import socket
import ssl
import subprocess
import threading

import pytest
from django.core.management import CommandError, call_command

from shop_ext.management.commands.check_delivery import Client


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_delivery(url):
    call_command("check_delivery", "--site-url", url, "--username", "x", "--password", "y")


def test_an_unreachable_site_is_one_clear_error():
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(
        CommandError,
        match=r"^Cannot reach http://127\.0\.0\.1:\d+/accounts/login/: \[Errno 111\] Connection refused\. "
        r"Check that the name resolves to this server, that nginx listens",
    ):
        check_delivery(url)


def test_a_site_url_that_is_not_http_is_refused():
    with pytest.raises(CommandError, match="--site-url must start with https:// or http://"):
        check_delivery("file:///etc/passwd")


class NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(handler, tls_context=None):
    """An HTTP server on 127.0.0.1 answering with ``handler`` (over TLS with
    ``tls_context``) while the block runs; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls_context is not None:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def private_ca_site(tmp_path, monkeypatch):
    """An https site on 127.0.0.1 whose certificate no public CA signed (as
    a private CA's): its URL and the certificate. Only SSL_CERT_FILE says
    whom this process trusts."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serving(NotFound, context) as port:
        yield f"https://127.0.0.1:{port}", cert


def test_a_certificate_of_a_ca_in_ssl_cert_file_is_trusted(private_ca_site, monkeypatch):
    url, cert = private_ca_site
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    # Reached: the login page is a 404 on this site, so nothing else is checked.
    with pytest.raises(CommandError, match="^Cannot sign in"):
        check_delivery(url)


def test_an_untrusted_certificate_is_one_clear_error(private_ca_site):
    url, _cert = private_ca_site
    with pytest.raises(
        CommandError,
        match=r"^Cannot reach https://127\.0\.0\.1:\d+/accounts/login/: \[SSL: CERTIFICATE_VERIFY_FAILED\] "
        r".*its certificate is trusted \(SSL_CERT_FILE for a private CA\)",
    ):
        check_delivery(url)


PAGE = b"<html>" + b"a page the server could compress " * 100 + b"</html>"


class CompressesWhenAllowed(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        compress = "gzip" in self.headers.get("Accept-Encoding", "")
        body = gzip.compress(PAGE) if compress else PAGE
        self.send_response(200)
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_bodies_are_compared_as_the_server_keeps_them():
    """A download's length and SHA-256 are checked against the stored
    file's: the client asks for bodies uncompressed."""
    with serving(CompressesWhenAllowed) as port:
        response = Client(f"http://127.0.0.1:{port}", timeout=10).request("/")
    assert response.status == 200
    assert response.body == PAGE
    assert response.header("Content-Length") == str(response.length) == str(len(PAGE))
