"""Invoice numbers (docs/taxes.md, "Invoice numbers"): consecutive and
gap-free over the shop's paid orders, as EU invoicing rules ask. Order
ids are not: an order never paid (abandoned, failed) keeps its id."""

from django.db import connection, transaction

from shop_ext.models import InvoiceCounter, InvoiceNumber

# One statement takes the counter's row lock (until the transaction ends)
# and the next number: one round trip with the shop's busiest row locked,
# not a SELECT ... FOR UPDATE and an UPDATE.
_NEXT_NUMBER = (
    f'UPDATE "{InvoiceCounter._meta.db_table}" SET "last" = "last" + 1 WHERE "id" = 1 RETURNING "last"'  # noqa: S608
)


def assign_invoice_number(order):
    """Give ``order`` the next invoice number, once (an order paid again
    after a refund keeps its number). Runs inside the transaction that
    marks the order paid, with the counter's row locked until it commits:
    a payment rolled back gives its number back, and two orders paid at
    once wait for each other, so there is never a gap nor a repeat."""
    # Always inside mark_order_paid's transaction (a savepoint of its own
    # would only add two statements); an error here undoes the payment.
    with transaction.atomic(savepoint=False):
        existing = InvoiceNumber.objects.filter(order=order).first()
        if existing is not None:
            return existing
        number = _next_number()
        if number is None:
            # The one row is made on first use; get_or_create survives two
            # first uses at once (the loser reads the winner's row).
            InvoiceCounter.objects.get_or_create(pk=1)
            number = _next_number()
        return InvoiceNumber.objects.create(order=order, number=number)


def _next_number():
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER)
        row = cursor.fetchone()
    return row[0] if row else None


def invoice_number_of(order):
    """The order's invoice number, or None before it is paid."""
    return InvoiceNumber.objects.filter(order_id=order.pk).values_list("number", flat=True).first()
