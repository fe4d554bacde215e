"""Stand-ins for the outside world, named by dotted path in settings:
payment gateways (SHOP_PAYMENT_GATEWAY, read on each payment) and a mail
server that fails (EMAIL_BACKEND); and a database connection that is cut."""

import smtplib

from cartridge.shop.checkout import CheckoutError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError

# Orders record_payment charged, in order.
PAYMENTS = []


def record_payment(request, order_form, order):
    PAYMENTS.append(order.pk)
    # Unique, as a gateway's are (an order's number comes back after a rollback on SQLite).
    return f"TEST-{order.pk}-{len(PAYMENTS)}"


def decline_payment(request, order_form, order):
    raise CheckoutError("Card declined")


def crash_payment(request, order_form, order):
    """A gateway that fails in a way of its own (a timeout, a bug)."""
    raise RuntimeError("gateway timed out")


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPException("451 mail server on fire")


class FlakyEmailBackend(BaseEmailBackend):
    """A mail server that is busy for the first ``failures`` messages, then
    delivers to Django's test outbox."""

    failures = 2

    def send_messages(self, email_messages):
        if FlakyEmailBackend.failures > 0:
            FlakyEmailBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        from django.core import mail

        mail.outbox.extend(email_messages)
        return len(email_messages)


class RefusingAddressBackend(BaseEmailBackend):
    """A mail server that refuses the recipient for good (a 550)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"dana@example.com": (550, b"No such user")})


def connection_cut(*args, **kwargs):
    """Monkeypatched over a function deep in a write path: the database
    connection drops at that moment."""
    raise OperationalError("server closed the connection unexpectedly")
