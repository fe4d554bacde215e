"""Orders: their statuses (here, importable from anywhere, settings
included), the paid routine (``actions``) and what it announces
(``signals``), the order emails, invoices and claims."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.IntegerChoices):
    """Cartridge's Order.status, as SHOP_ORDER_STATUS_CHOICES (settings)."""

    UNPAID = 1, _("Unpaid")
    PAID = 2, _("Paid")
    SHIPPED = 3, _("Shipped")
    COMPLETE = 4, _("Complete")
    CANCELLED = 5, _("Cancelled")
    REFUNDED = 6, _("Refunded")


# Statuses in which the money was taken: files may be downloaded.
PAID_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETE})
