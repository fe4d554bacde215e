"""Invoice numbers (docs/taxes.md, "Invoice numbers"): consecutive and
gap-free over the shop's paid orders, as EU invoicing rules ask. Order
ids are not: an order never paid (abandoned, failed) keeps its id."""

from django.db import transaction

from shop_ext.models import InvoiceCounter, InvoiceNumber


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
        locked = InvoiceCounter.objects.select_for_update().filter(pk=1)
        counter = locked.first()
        if counter is None:
            # The one row is made on first use; get_or_create survives two
            # first uses at once (the loser reads the winner's row).
            InvoiceCounter.objects.get_or_create(pk=1)
            counter = locked.get()
        counter.last += 1
        counter.save(update_fields=["last"])
        return InvoiceNumber.objects.create(order=order, number=counter.last)


def invoice_number_of(order):
    """The order's invoice number, or None before it is paid."""
    return InvoiceNumber.objects.filter(order_id=order.pk).values_list("number", flat=True).first()
