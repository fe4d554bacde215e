"""manage.py check_payments against Stripe's API (the local fake)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shop_ext.payments.stripe_checkout import WEBHOOK_EVENTS

pytestmark = pytest.mark.django_db

WEBHOOK = "https://shop.example.com/shop/payment/webhook/stripe/"


def run():
    out = io.StringIO()
    try:
        call_command("check_payments", stdout=out)
    except CommandError as failed:
        return False, out.getvalue() + str(failed)
    return True, out.getvalue()


def endpoint(stripe_api, url=WEBHOOK, events=WEBHOOK_EVENTS, status="enabled"):
    stripe_api.webhook_endpoints.append(
        {
            "id": "we_test_1",
            "object": "webhook_endpoint",
            "url": url,
            "enabled_events": list(events),
            "status": status,
        }
    )


def test_a_good_configuration_passes(stripe_api, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    endpoint(stripe_api)

    ok, out = run()

    assert ok, out
    assert "All payment checks passed." in out
    assert "FAIL" not in out


def test_a_missing_endpoint_fails_with_the_command_that_adds_it(stripe_api, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    endpoint(stripe_api, url="https://old.example.com/hook/")

    ok, out = run()

    assert not ok
    assert f"FAIL  an enabled webhook endpoint at {WEBHOOK}" in out
    assert f"stripe webhook_endpoints create --url {WEBHOOK}" in out


def test_an_endpoint_missing_events_names_them(stripe_api, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    endpoint(stripe_api, events=["checkout.session.completed"])

    ok, out = run()

    assert not ok
    assert "missing: checkout.session.async_payment_succeeded" in out
    assert "charge.refunded" in out


def test_keys_of_the_wrong_kind_or_refused_by_stripe_fail_with_a_fix(stripe_api, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_not_the_right_one"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_live_mixed"
    settings.STRIPE_WEBHOOK_SECRET = ""

    ok, out = run()

    assert not ok
    assert "FAIL  STRIPE_PUBLISHABLE_KEY is a test-mode publishable key" in out
    assert "FAIL  STRIPE_WEBHOOK_SECRET is a webhook signing secret: not set" in out
    assert "FAIL  Stripe accepts the secret key: refused" in out
    assert "sk_test_not_the_right_one" not in out  # secrets never printed
