"""What the checkout tells the payments feature (the contract between them:
the checkout never names a gateway's module)."""

from django.dispatch import Signal

# The checkout cannot place an order after all (stock or the discount code's
# use ran out while the gateway was busy), and the gateway took no money for
# it: whatever the gateway opened for the order (a hosted payment page) must
# be undone. Sent with ``request`` and ``order`` (sender: the order's class)
# by shop_ext.checkout.handlers.refused_at_the_end, inside the checkout's
# transaction; received by shop_ext.payments.receivers.
payment_abandoned = Signal()
