"""An order's emails: the ones the shop queues, and the re-sends buyers and
staff ask for."""

from cartridge.shop.models import Order
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop_ext.models.base import QueuedEmail, requested_by_field


class InvoiceResend(models.Model):
    """One re-send of an order's confirmation email (with its invoice), by
    the buyer or staff: counted for the per-order limit
    (shop_ext.orders.invoices.reserve_resend), and a record of who asked."""

    order = models.ForeignKey(
        Order, related_name="invoice_resends", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Asked for by"),
        help_text=_("Empty for a guest buyer."),
    )
    sent_at = models.DateTimeField(_("Sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Order email re-sent")
        verbose_name_plural = _("Order emails re-sent")
        ordering = ("-sent_at",)

    def __str__(self):
        return f"Order #{self.order_id} email re-sent {self.sent_at:%Y-%m-%d %H:%M}"


class OrderEmail(QueuedEmail):
    """One email about an order, queued to be sent by a worker: the record
    that makes sending idempotent (a task that runs twice sends it once) and
    shows staff what went out, what failed and why."""

    RECEIPT = "receipt"
    FILES = "files"
    KINDS = [(RECEIPT, _("Order receipt")), (FILES, _("Your files are ready"))]

    order = models.ForeignKey(Order, related_name="emails", on_delete=models.CASCADE, verbose_name=_("Order"))
    kind = models.CharField(_("Email"), max_length=20, choices=KINDS)
    requested_by = requested_by_field(_("Re-sent by"), _("Empty when the shop sent it by itself."))
    # The queue's field, telling staff how to send it again.
    gave_up = models.BooleanField(
        _("Failed"), default=False, help_text=_("No more tries: re-send it from the order's actions.")
    )

    class Meta:
        verbose_name = _("Order email")
        verbose_name_plural = _("Order emails")
        ordering = ("requested_at", "pk")

    def __str__(self):
        return f"{self.get_kind_display()} for order #{self.order_id}"


class InvoiceCounter(models.Model):
    """The last invoice number given (one row): locked while the next one
    is taken, so numbers run on without a gap or a repeat
    (shop_ext.orders.invoices.assign_invoice_number)."""

    last = models.PositiveIntegerField(_("Last invoice number"), default=0)

    class Meta:
        verbose_name = _("Invoice counter")
        verbose_name_plural = _("Invoice counters")

    def __str__(self):
        return str(self.last)


class InvoiceNumber(models.Model):
    """An order's invoice number, given when it is paid: consecutive and
    gap-free over the shop's paid orders (EU invoicing rules)."""

    # An order deleted later leaves its number taken (the order empty): the
    # series shows it was issued rather than a gap.
    order = models.OneToOneField(
        Order,
        related_name="invoice_number",
        null=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Order"),
    )
    number = models.PositiveIntegerField(_("Invoice number"), unique=True)
    issued_at = models.DateTimeField(_("Issued at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Invoice number")
        verbose_name_plural = _("Invoice numbers")
        ordering = ("number",)

    def __str__(self):
        return str(self.number)


class ClaimedAddress(models.Model):
    """An email address whose guest orders an account has claimed: following
    the emailed link proved the account holds that mailbox, so from then on
    "My orders" may say whether the address has guest orders left (before,
    it must not: anyone can sign up with any address; shop_ext.orders.claims)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="claimed_addresses",
        on_delete=models.CASCADE,
        verbose_name=_("Account"),
    )
    email = models.EmailField(_("Email address"), max_length=254)
    claimed_at = models.DateTimeField(_("Claimed at"), auto_now=True)

    class Meta:
        verbose_name = _("Claimed address")
        verbose_name_plural = _("Claimed addresses")
        constraints = [
            models.UniqueConstraint(fields=["user", "email"], name="claimed_address_once_per_account")
        ]

    def __str__(self):
        return self.email


class DigitalSupplyConsent(models.Model):
    """A buyer of downloads asked for them at once and acknowledged losing
    the 14-day right to withdraw (EU/UK rule for digital content): when, and
    which wording they ticked (shop_ext.orders.consent keeps every version)."""

    order = models.OneToOneField(
        Order, related_name="digital_supply_consent", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    given_at = models.DateTimeField(_("Given at"))
    wording_version = models.CharField(_("Wording version"), max_length=20)

    class Meta:
        verbose_name = _("Consent to immediate delivery")
        verbose_name_plural = _("Consents to immediate delivery")

    def __str__(self):
        return f"Order {self.order_id}: consent {self.wording_version} at {self.given_at:%Y-%m-%d %H:%M}"
