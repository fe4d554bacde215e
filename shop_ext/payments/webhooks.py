"""Stripe's webhook: the only voice that makes a card order paid, failed or
refunded (besides the shopper's return page asking Stripe itself).

A request is believed only when its Stripe-Signature header carries an
HMAC-SHA256 of "timestamp.body" under our endpoint's secret, made less than
five minutes ago (the SDK's check, constant time). Anything else is a 400 and
changes nothing. Each event is recorded once by its id, in the same
transaction as its effect: a second delivery, even at the same moment, finds
the row and does nothing.
"""

import json
import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop_ext.models import Payment, PaymentEvent
from shop_ext.payments import stripe_checkout
from shop_ext.payments.settle import (
    Outcome,
    refund_failed,
    refunded_at_provider,
    session_failed,
    session_paid,
)

log = logging.getLogger(__name__)

# Stripe's events are a few kilobytes; anything far larger is not one of them.
MAX_BODY_BYTES = 256 * 1024
# Seconds a signature stays valid (Stripe's own default): older ones are replays.
SIGNATURE_TOLERANCE = 300

SESSION_FAILURES = {
    "checkout.session.async_payment_failed": Payment.FAILED,
    "checkout.session.expired": Payment.EXPIRED,
}
SESSION_SUCCESSES = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}


class BadEvent(Exception):
    """The request is not a usable Stripe event; the message says why."""


@csrf_exempt
@require_POST
def stripe_webhook(request):
    if not settings.STRIPE_WEBHOOK_SECRET:
        log.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set; Stripe will retry.")
        return HttpResponse("Webhook not configured.", status=503, content_type="text/plain")
    try:
        event = _verified_event(request)
    except BadEvent as refusal:
        log.warning("Stripe webhook refused: %s", refusal)
        return HttpResponse(str(refusal), status=400, content_type="text/plain")
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = PaymentEvent.objects.create(
                    event_id=event["id"], type=event["type"], outcome="received"
                )
        except IntegrityError:
            return HttpResponse("Already processed.", content_type="text/plain")
        outcome, payment = _handle(event["type"], event["data"]["object"])
        record.outcome = outcome.text[:300]
        record.needs_attention = outcome.needs_attention
        record.payment = payment
        if event["type"] == "charge.refunded":
            record.payment_intent, record.amount_refunded = _refund_of(event["data"]["object"])
        record.save()
    if outcome.needs_attention:
        log.error("Stripe event %s (%s) needs staff: %s", event["id"], event["type"], outcome.text)
    return HttpResponse(outcome.text, content_type="text/plain")


def _verified_event(request):
    declared = request.headers.get("Content-Length", "")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        raise BadEvent("Missing or too large a body.")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise BadEvent("Body too large.")
    try:
        stripe.WebhookSignature.verify_header(
            body, request.headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET, SIGNATURE_TOLERANCE
        )
        event = json.loads(body)
    except stripe.SignatureVerificationError:
        raise BadEvent("Bad or expired signature.") from None
    except ValueError:  # not UTF-8, not JSON
        raise BadEvent("Malformed body.") from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise BadEvent("Not an event.")
    return event


def _handle(event_type, obj):
    """(Outcome, Payment or None) for one event's object."""
    if event_type in SESSION_SUCCESSES or event_type in SESSION_FAILURES:
        payment = Payment.objects.filter(session_id=str(obj.get("id", ""))).first()
        if payment is None:
            return Outcome(f"No order has session {obj.get('id')!r}.", needs_attention=True), None
        if event_type in SESSION_SUCCESSES:
            stripe_checkout.note_card_country(payment.order_id, obj)
            return session_paid(payment.pk, obj), payment
        return session_failed(payment.pk, SESSION_FAILURES[event_type]), payment
    if event_type == "charge.refunded":
        payment_intent, amount_refunded = _refund_of(obj)
        if amount_refunded is None:
            return Outcome("Charge without amount_refunded: ignored.", needs_attention=True), None
        return refunded_at_provider(payment_intent, amount_refunded)
    if event_type == "refund.failed":
        return refund_failed(obj)
    return Outcome("Not an event we act on."), None


def _refund_of(charge):
    """(payment intent, amount refunded in total or None) of a refunded Charge."""
    amount = charge.get("amount_refunded")
    valid = isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0
    return str(charge.get("payment_intent") or "")[:255], amount if valid else None
