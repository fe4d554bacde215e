"""A small stand-in for Stripe's HTTP API on 127.0.0.1, answering in the
shapes Stripe documents (docs.stripe.com/api): Checkout Sessions (create,
retrieve, expire), Refunds (create), Webhook Endpoints (list), errors as
``{"error": {...}}`` with Stripe's status codes. The shop talks to it
through Stripe's own SDK (STRIPE_API_BASE), so nothing of ours is patched.

It also serves a minimal hosted payment page (GET /c/pay/<session>) whose
"Pay" button completes the session and sends the browser to its
success_url, as Stripe's page does, for the browser journey; and it signs
webhook events exactly as Stripe does (``t=<unix time>,v1=<hex HMAC-SHA256
of "<t>.<body>" under the endpoint secret>``).
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_fake_0123456789abcdefghijklmnop"
WEBHOOK_SECRET = "whsec_fake_0123456789abcdefghijklmnop"


def sign(payload, secret=WEBHOOK_SECRET, timestamp=None):
    """The Stripe-Signature header for ``payload`` (bytes)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def nested(pairs):
    """Stripe's form encoding (``a[b][0][c]=1``) back into dicts and lists."""
    root = {}
    for key, value in pairs:
        _assign(root, key.replace("]", "").split("["), value)
    return root


def _assign(root, parts, value):
    node = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        following = None if last else parts[i + 1]
        if isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append({} if not following or not following.isdigit() else [])
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, [] if following.isdigit() else {})


class FakeStripe:
    def __init__(self):
        self.sessions = {}
        self.refunds = []
        self.webhook_endpoints = []
        self.requests = []  # (method, path, params)
        self.fail_next = None  # (status, error type, message) for the next API call
        self.delay = 0  # seconds each API call takes to answer (a slow network)
        self.card_country = "GB"  # the issuing country of the cards that pay
        self.card_countries = {}  # payment intent id: its card's issuing country
        self._ids = itertools.count(1)
        self._idempotent = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def new_id(self, prefix):
        return f"{prefix}_test_{next(self._ids):06d}{'x' * 20}"

    # ------------------------------------------------------------ what Stripe does

    def complete(self, session_id, payment_status="paid"):
        """The shopper paid on the hosted page (``unpaid``: a bank debit that
        confirms later). Returns the session."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status=payment_status)
        session["payment_intent"] = session["payment_intent"] or self.new_id("pi")
        self.card_countries.setdefault(session["payment_intent"], self.card_country)
        return session

    def event(self, event_type, obj):
        """A webhook event (Stripe's envelope) around ``obj``, as bytes."""
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": obj},
        }
        return json.dumps(event).encode()

    def charge(self, session, amount_refunded):
        """The Charge of a session's payment, refunded by ``amount_refunded`` in total."""
        return {
            "id": self.new_id("ch"),
            "object": "charge",
            "amount": session["amount_total"],
            "amount_refunded": amount_refunded,
            "currency": session["currency"],
            "payment_intent": session["payment_intent"],
            "refunded": amount_refunded >= session["amount_total"],
            "status": "succeeded",
            "paid": True,
            "livemode": False,
        }

    def fail_refund(self, refund_id, reason="expired_or_canceled_card"):
        """The bank sent a refund back (days later, at Stripe): the Refund as
        a refund.failed event carries it."""
        refund = next(r for r in self.refunds if r["id"] == refund_id)
        refund.update(status="failed", failure_reason=reason)
        return refund

    # ------------------------------------------------------------ the API

    def _create_session(self, params):
        line = params["line_items"][0]
        amount = int(line["price_data"]["unit_amount"]) * int(line["quantity"])
        session_id = self.new_id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": int(time.time()),
            "currency": line["price_data"]["currency"],
            "customer_email": params.get("customer_email"),
            "expires_at": int(params.get("expires_at") or time.time() + 24 * 3600),
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "mode": params.get("mode"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"{self.url}/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return 200, session

    def _expire_session(self, session_id):
        session = self.sessions.get(session_id)
        if session is None:
            return 404, _error("invalid_request_error", "No such checkout.session")
        if session["status"] != "open":
            return 400, _error(
                "invalid_request_error", "Only Checkout Sessions with status `open` can be expired."
            )
        session["status"] = "expired"
        return 200, session

    def _create_refund(self, params):
        intent = params.get("payment_intent")
        session = next((s for s in self.sessions.values() if s["payment_intent"] == intent), None)
        if session is None:
            return 404, _error("invalid_request_error", f"No such payment_intent: '{intent}'")
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": int(params["amount"]),
            "charge": self.new_id("ch"),
            "created": int(time.time()),
            "currency": session["currency"],
            "metadata": {},
            "payment_intent": intent,
            "reason": None,
            "status": "succeeded",
        }
        self.refunds.append(refund)
        return 200, refund

    def _payment_intent(self, intent_id, params):
        """A PaymentIntent; its latest charge, with the card's issuing
        country, in full when asked with expand[]=latest_charge."""
        if intent_id not in self.card_countries:
            return 404, _error("invalid_request_error", f"No such payment_intent: '{intent_id}'")
        charge = {
            "id": f"ch_{intent_id}",
            "object": "charge",
            "payment_method_details": {"type": "card", "card": {"country": self.card_countries[intent_id]}},
        }
        expanded = "latest_charge" in (params.get("expand") or [])
        return 200, {
            "id": intent_id,
            "object": "payment_intent",
            "status": "succeeded",
            "latest_charge": charge if expanded else charge["id"],
        }

    def _answer(self, method, path, params, api_key, idempotency_key):
        with self._lock:
            self.requests.append((method, path, params))
            if api_key != SECRET_KEY:
                return 401, _error("invalid_request_error", "Invalid API Key provided: sk_****")
            if self.fail_next:
                status, kind, message = self.fail_next
                self.fail_next = None
                return status, _error(kind, message)
            if idempotency_key and (method, path, idempotency_key) in self._idempotent:
                return self._idempotent[method, path, idempotency_key]
            answer = self._route(method, path, params)
            if idempotency_key:
                self._idempotent[method, path, idempotency_key] = answer
            return answer

    def _route(self, method, path, params):
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if method == "POST" and path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
            return self._expire_session(path.split("/")[-2])
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                return 404, _error("invalid_request_error", "No such checkout.session")
            return 200, session
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            return self._payment_intent(path.rsplit("/", 1)[1], params)
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        if method == "GET" and path == "/v1/webhook_endpoints":
            data = self.webhook_endpoints
            return 200, {"object": "list", "url": "/v1/webhook_endpoints", "has_more": False, "data": data}
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path})")

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _params(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else urlsplit(self.path).query
                return nested(parse_qsl(body, keep_blank_values=True))

            def _send(self, status, body, content_type="application/json", location=None):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def _api(self, method):
                time.sleep(fake.delay)
                auth = self.headers.get("Authorization", "")
                api_key = auth.removeprefix("Bearer ")
                path = urlsplit(self.path).path
                status, body = fake._answer(
                    method, path, self._params(), api_key, self.headers.get("Idempotency-Key")
                )
                self._send(status, body)

            def do_GET(self):
                path = urlsplit(self.path).path
                if path.startswith("/c/pay/"):
                    self._hosted_page(path.rsplit("/", 1)[1])
                else:
                    self._api("GET")

            def do_POST(self):
                path = urlsplit(self.path).path
                if path.startswith("/c/pay/"):
                    session = fake.sessions.get(path.rsplit("/", 1)[1])
                    if session is None:
                        return self._send(404, b"No such session", "text/plain")
                    fake.complete(session["id"])
                    return self._send(303, b"", "text/plain", location=session["success_url"])
                return self._api("POST")

            def _hosted_page(self, session_id):
                session = fake.sessions.get(session_id)
                if session is None:
                    return self._send(404, b"No such session", "text/plain")
                amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
                page = (
                    "<!doctype html><html lang=en><title>Pay (test)</title>"
                    '<link rel=icon href="data:,"><main>'
                    f"<h1>Test payment</h1><p>Amount: <strong>{amount}</strong></p>"
                    f'<form method=post action="/c/pay/{session_id}"><button>Pay</button></form>'
                    f'<p><a href="{session["cancel_url"]}">Back to the shop</a></p></main></html>'
                )
                return self._send(200, page.encode(), "text/html; charset=utf-8")

        return Handler


def _error(kind, message):
    return {"error": {"type": kind, "message": message}}
