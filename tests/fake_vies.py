"""A small stand-in for the EU's VIES REST API on 127.0.0.1: POST a JSON
``{"countryCode": "DE", "vatNumber": "136695976"}`` and get back
``{"valid": true, "requestDate": ..., "requestIdentifier": ...}`` as the
real service answers (ec.europa.eu/taxation_customs/vies/rest-api).

What it answers is set per test: ``valid`` (the numbers it knows), or
``hang`` (it holds every request until the shop gives up: a timeout), or
``status`` (an error page). A held request is let go when the fake stops,
so the server always stops by itself.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The longest a held request waits if a test never stops the fake.
MAX_HOLD_SECONDS = 10


class FakeVies:
    def __init__(self):
        self.valid = set()  # numbers with their prefix, e.g. "DE136695976"
        self.hang = False
        self.status = 200
        self.requests = []  # the JSON bodies received
        self._release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/check-vat-number"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append(body)
                if fake.hang:
                    fake._release.wait(MAX_HOLD_SECONDS)
                    return
                number = f"{body.get('countryCode', '')}{body.get('vatNumber', '')}"
                answer = {
                    "countryCode": body.get("countryCode"),
                    "vatNumber": body.get("vatNumber"),
                    "requestDate": "2026-12-07T10:00:00.000Z",
                    "valid": number in fake.valid,
                    "requestIdentifier": f"WAPIAAAA{len(fake.requests):08d}",
                    "name": "---",
                    "address": "---",
                }
                payload = json.dumps(answer if fake.status == 200 else {"errorWrappers": []}).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
