"""What orders announce to the features above them (delivery listens), so
that orders never import them (tests/unit/test_layering.py)."""

from django.dispatch import Signal

# An order has just become paid (shop_ext.orders.actions.mark_order_paid),
# with ``order`` (locked, its new status saved), ``lines`` (its OrderItems,
# read once for every receiver), ``variations`` (the catalogue's variation
# for each line's SKU; a SKU that matches none is absent) and ``announce``
# (the email mark_order_paid was asked to tell the buyer with:
# OrderEmail.FILES, "your files are ready", is for whoever delivers the
# files to send).
#
# Sent inside mark_order_paid's transaction, with the order's row lock held,
# and never robustly: the grants are part of the one business fact "this
# order is paid". A receiver that fails (a database connection cut) rolls
# the payment back with it, so there is never a paid order without its
# files, nor files for an order that is not paid; and a second caller
# waiting on the lock sees the order paid and sends nothing.
order_paid = Signal()

# An order email (shop_ext.orders.emails) is being written to the buyer,
# with ``order`` and ``kind`` (OrderEmail.RECEIPT or FILES). Each receiver
# returns a dict that is added to the email's context: the delivery feature
# adds the download links, or the order's private page.
order_email_context = Signal()
