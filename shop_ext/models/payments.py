"""Card payments at a hosted provider, their refunds (with the tax they
gave back) and webhook events, and money taken for an order that was never
placed."""

from cartridge.shop.models import Order, OrderItem
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop_ext.models.delivery import DownloadGrant
from shop_ext.models.taxes import AmountsAtRate
from shop_ext.orders import OrderStatus


class Payment(models.Model):
    """One attempt to pay an order at a hosted provider (a Stripe Checkout
    Session). The provider's webhooks, not the shopper's return, move it on
    (shop_ext.payments.webhooks)."""

    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    STATUSES = [
        (PENDING, _("Waiting for the provider")),
        (PAID, _("Paid")),
        (FAILED, _("Payment failed")),
        (EXPIRED, _("Not completed (expired)")),
    ]
    # The shopper may pay the order again (shop_ext.payments.settle.retry).
    RETRYABLE = (FAILED, EXPIRED)

    order = models.ForeignKey(
        Order, related_name="payments", on_delete=models.PROTECT, verbose_name=_("Order")
    )
    provider = models.CharField(_("Provider"), max_length=20)
    session_id = models.CharField(_("Provider session"), max_length=255, unique=True)
    payment_intent = models.CharField(_("Provider payment"), max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(_("Hosted payment page"), max_length=2000, editable=False)
    # In the currency's smallest unit (pence, cents), as the provider counts.
    amount = models.PositiveBigIntegerField(_("Amount (minor units)"))
    currency = models.CharField(_("Currency"), max_length=3)
    status = models.CharField(_("Status"), max_length=10, choices=STATUSES, default=PENDING)
    amount_refunded = models.PositiveBigIntegerField(_("Refunded (minor units)"), default=0)
    created_at = models.DateTimeField(_("Started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        verbose_name = _("Card payment")
        verbose_name_plural = _("Card payments")
        ordering = ("-created_at", "-pk")
        permissions = [("refund_payment", _("Can refund an order's card payment at the provider"))]

    def __str__(self):
        return f"{self.provider} {self.session_id} ({self.get_status_display()})"

    @property
    def awaits_retry(self):
        """The payment failed and its order was given up: the shopper may pay again."""
        return self.status in self.RETRYABLE and self.order.status == OrderStatus.CANCELLED

    @property
    def refundable(self):
        return self.amount - self.amount_refunded if self.status == self.PAID else 0

    def refunded_item_ids(self):
        """Ids of the order lines refunded so far (each is refunded once; a
        refund that failed at the provider gives its lines back)."""
        lines = PaymentRefund.items.through.objects.filter(
            paymentrefund__payment=self, paymentrefund__failed_at__isnull=True
        )
        return set(lines.values_list("orderitem_id", flat=True))


class PaymentRefund(models.Model):
    """Money given back on a payment: from the admin (with the lines it
    covers) or from the provider's dashboard (arrives by webhook, no lines)."""

    payment = models.ForeignKey(
        Payment, related_name="refunds", on_delete=models.PROTECT, verbose_name=_("Payment")
    )
    refund_id = models.CharField(_("Provider refund"), max_length=255, blank=True)
    amount = models.PositiveBigIntegerField(_("Amount (minor units)"))
    items = models.ManyToManyField(OrderItem, blank=True, verbose_name=_("Refunded lines"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Refunded by"),
        help_text=_("Empty for a refund made at the provider."),
    )
    created_at = models.DateTimeField(_("Refunded at"), auto_now_add=True)
    # What the refund took away, so that a refund the provider reports as
    # failed (refund.failed) gives back exactly that (settle.refund_failed).
    revoked_grants = models.ManyToManyField(
        DownloadGrant, blank=True, related_name="+", verbose_name=_("Downloads it revoked")
    )
    order_status_before = models.IntegerField(
        _("Order status before"),
        null=True,
        blank=True,
        help_text=_("Set when this refund marked the order Refunded."),
    )
    failed_at = models.DateTimeField(_("Failed at the provider"), null=True, blank=True)
    failure_reason = models.CharField(_("Why it failed"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Refund")
        verbose_name_plural = _("Refunds")
        ordering = ("created_at", "pk")

    def __str__(self):
        return f"Refund of {self.amount} on {self.payment}"


class RefundTaxLine(AmountsAtRate):
    """The tax a refund gave back at one rate: its net, tax and gross
    (shop_ext.payments.refund_tax), so the tax report nets refunds against the
    sales of the same country, class and rate."""

    refund = models.ForeignKey(
        PaymentRefund, related_name="tax_lines", on_delete=models.CASCADE, verbose_name=_("Refund")
    )

    class Meta:
        verbose_name = _("Tax refunded at one rate")
        verbose_name_plural = _("Tax refunded by rate")
        ordering = ("country", "tax_class", "rate")

    def __str__(self):
        return (
            f"{self.country} {self.get_tax_class_display()} {self.rate}%: {self.tax} of {self.gross} refunded"
        )


class PaymentEvent(models.Model):
    """A provider event (webhook), recorded once by its id: the same event
    delivered again finds its row and changes nothing."""

    event_id = models.CharField(_("Event"), max_length=255, unique=True)
    type = models.CharField(_("Type"), max_length=100)
    payment = models.ForeignKey(
        Payment,
        related_name="events",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Payment"),
    )
    # Of a refund event (charge.refunded): kept so that a refund reported
    # before its payment (Stripe does not promise order) is applied when the
    # payment arrives (shop_ext.payments.settle.session_paid).
    payment_intent = models.CharField(_("Provider payment"), max_length=255, blank=True, db_index=True)
    amount_refunded = models.PositiveBigIntegerField(
        _("Refunded in total (minor units)"), null=True, blank=True
    )
    received_at = models.DateTimeField(_("Received"), auto_now_add=True)
    outcome = models.CharField(_("What we did"), max_length=300)
    needs_attention = models.BooleanField(
        _("Needs staff"), default=False, help_text=_("Refused or unclear: a person should look.")
    )

    class Meta:
        verbose_name = _("Payment event")
        verbose_name_plural = _("Payment events")
        ordering = ("-received_at", "-pk")

    def __str__(self):
        return f"{self.type} {self.event_id}"


class UnfinishedPayment(models.Model):
    """Money a checkout's gateway took (its transaction id) for an order
    that then could not be completed: the order, and everything placing it
    wrote, was rolled back, so this row, written after the rollback, is what
    remains. Staff refund it at the provider and mark it settled
    (``manage.py reconcile_payments``)."""

    transaction_id = models.CharField(_("Transaction ID"), max_length=255, unique=True)
    total = models.DecimalField(_("Order total"), max_digits=12, decimal_places=2)
    billing_name = models.CharField(_("Buyer"), max_length=200)
    billing_email = models.EmailField(_("Buyer's email"))
    error = models.TextField(_("Why the order was not completed"))
    recorded_at = models.DateTimeField(_("Recorded"), auto_now_add=True)
    settled_at = models.DateTimeField(_("Refunded or settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("Payment taken for an order not placed")
        verbose_name_plural = _("Payments taken for orders not placed")
        ordering = ("-recorded_at", "-pk")

    def __str__(self):
        return f"{self.transaction_id} ({self.total}, {self.billing_email})"
