"""Check the card payments' configuration against Stripe itself.

    manage.py check_payments

Checks the keys (present, of one mode, accepted by Stripe) and that Stripe
has an enabled webhook endpoint at this shop's address sending every event
the shop acts on, and that no payment taken at checkout waits to be finished
or refunded (reconcile_payments). Prints PASS/FAIL per check with a one-line fix for each
failure; exits non-zero when any check fails (as check_delivery does).
"""

import stripe
from django.conf import settings
from django.urls import reverse

from shop_ext.checkout import unfinished
from shop_ext.management.check_report import CheckCommand
from shop_ext.payments import stripe_checkout

DASHBOARD_KEYS = "Stripe Dashboard > Developers > API keys"


class Command(CheckCommand):
    help = "Check the Stripe keys and webhook endpoint (docs/deploy.md, Payments)."
    checks_name = "payment"

    def run_checks(self, **options):
        waiting = unfinished.orders_to_finish().count() + unfinished.payments_to_refund().count()
        self.result(
            not waiting,
            "no payment taken at checkout waits to be finished or refunded",
            f"{waiting} waiting",
            "run manage.py reconcile_payments: it lists them, --finish marks the orders paid",
        )
        secret, publishable = settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY
        mode = "live" if secret.startswith(("sk_live_", "rk_live_")) else "test"
        self.result(
            secret.startswith(("sk_live_", "sk_test_", "rk_live_", "rk_test_")),
            "STRIPE_SECRET_KEY is a secret key",
            "set" if secret else "not set",
            f"set STRIPE_SECRET_KEY to the secret key (sk_live_...) from {DASHBOARD_KEYS}",
        )
        self.result(
            publishable.startswith(f"pk_{mode}_"),
            f"STRIPE_PUBLISHABLE_KEY is a {mode}-mode publishable key",
            publishable[:8] + "..." if publishable else "not set",
            f"set STRIPE_PUBLISHABLE_KEY to the pk_{mode}_... key next to the secret key in {DASHBOARD_KEYS}",
        )
        self.result(
            settings.STRIPE_WEBHOOK_SECRET.startswith("whsec_"),
            "STRIPE_WEBHOOK_SECRET is a webhook signing secret",
            "set" if settings.STRIPE_WEBHOOK_SECRET else "not set",
            "set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_...): "
            "Stripe Dashboard > Developers > Webhooks > the endpoint > Signing secret",
        )
        if mode == "test":
            self.info("test-mode keys: no real money moves (production refuses them unless SHOP_STAGING)")
        if secret:
            self.check_endpoint()

    def check_endpoint(self):
        url = settings.SHOP_SITE_URL.rstrip("/") + reverse("shop_payment_webhook")
        try:
            endpoints = stripe_checkout.client().v1.webhook_endpoints.list({"limit": 100}).data
        except stripe.AuthenticationError:
            self.result(
                False, "Stripe accepts the secret key", "refused", f"copy the key again from {DASHBOARD_KEYS}"
            )
            return
        except stripe.StripeError as error:
            self.result(
                False, "Stripe answers", str(error), "check the network path to api.stripe.com, then retry"
            )
            return
        self.result(True, "Stripe accepts the secret key")
        ours = [e for e in endpoints if e.url == url and e.status == "enabled"]
        events = " ".join(f"--enabled-events {name}" for name in stripe_checkout.WEBHOOK_EVENTS)
        if not self.result(
            bool(ours),
            f"an enabled webhook endpoint at {url}",
            "none" if not endpoints else "others: " + ", ".join(e.url for e in endpoints),
            "add it in Stripe Dashboard > Developers > Webhooks, or: "
            f"stripe webhook_endpoints create --url {url} {events}; "
            "then set STRIPE_WEBHOOK_SECRET to its signing secret",
        ):
            return
        sent = set(ours[0].enabled_events)
        missing = [] if "*" in sent else [e for e in stripe_checkout.WEBHOOK_EVENTS if e not in sent]
        self.result(
            not missing,
            "the endpoint sends every event the shop acts on",
            "missing: " + ", ".join(missing) if missing else ", ".join(stripe_checkout.WEBHOOK_EVENTS),
            f"add these events to the endpoint {ours[0].id} in Stripe Dashboard > Developers > Webhooks",
        )
