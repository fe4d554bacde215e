"""Writes to rows that every checkout updates, made last and in one order.

A row updated in a transaction stays locked until it commits. The paying
checkout is one transaction (shop_ext.checkout.views.checkout): a stock row,
a product's purchase count or the invoice counter updated early stays locked
through everything after it, and every other buyer of the same book waits
for all of it. Inside ``last()``, ``write()`` keeps each such write and runs
them all when the block ends, after the lock-free writes, sorted by their
kind (``STOCK`` first, ``INVOICE_COUNTER`` last) and then by row id: each lock is held for
a few statements, and two transactions take shared rows in the same order,
so they wait for each other but never deadlock. Outside ``last()``,
``write()`` runs at once (the admin, a payment webhook).
"""

import contextvars
from contextlib import contextmanager

# Kinds, in the order their writes run.
STOCK = 1
DISCOUNT_USE = 2
PURCHASE_COUNT = 3
INVOICE_COUNTER = 4

_held = contextvars.ContextVar("shop_ext_contended_writes", default=None)


def write(kind, row_id, apply):
    """Run ``apply()`` now, or at the end of the enclosing ``last()``.
    Whatever it raises there ends that block (and so its transaction)."""
    held = _held.get()
    if held is None:
        apply()
    else:
        held.append((kind, row_id, len(held), apply))


@contextmanager
def last():
    """Hold back ``write()`` calls made inside, and make them when the block
    ends without an error, in (kind, row id) order. Use it inside the transaction."""
    held = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    for _kind, _row_id, _n, apply in sorted(held, key=lambda entry: entry[:3]):
        apply()
