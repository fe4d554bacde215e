"""Card payments in the admin: each order's payments and refunds, a refund
action (whole order, or chosen lines) that asks Stripe and revokes the
refunded lines' downloads (parts of the one order admin, shop_ext.admin),
and the webhook events, with those that need a person first.

Refunding needs shop_ext.refund_payment (docs/security.md, "Staff permissions").
"""

import stripe
from django.contrib import admin
from django.db.models import Exists, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from shop_ext.core.admin_inlines import LabelledTabularInline
from shop_ext.core.admin_records import RecordAdmin
from shop_ext.core.permissions import REFUND_PAYMENT
from shop_ext.models import Payment, PaymentEvent, PaymentRefund, UnfinishedPayment
from shop_ext.orders.admin import OrderRecordsInline
from shop_ext.payments import settle, stripe_checkout


class PaymentInline(OrderRecordsInline, LabelledTabularInline):
    """Moved on by the provider's webhooks and the refund action only."""

    model = Payment
    fields = (
        "created_at",
        "provider",
        "session_id",
        "status",
        "amount",
        "currency",
        "amount_refunded",
        "refunds",
    )
    readonly_fields = fields
    verbose_name_plural = _("Card payments")

    @admin.display(description=_("Refunds"))
    def refunds(self, payment):
        """Each refund, and loudly the ones Stripe reported as failed."""
        lines = []
        for record in payment.refunds.all():
            amount = f"{record.amount / 100:.2f} {payment.currency.upper()}"
            if record.failed_at:
                lines.append(
                    _("%(amount)s FAILED at Stripe (%(reason)s): not refunded, downloads restored")
                    % {"amount": amount, "reason": record.failure_reason}
                )
            else:
                lines.append(_("%(amount)s refunded") % {"amount": amount})
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "-"


class OrderCardPaymentsAdmin:
    """The order admin's card payments (mixed into shop_ext.admin.OrderAdmin):
    the "card_payment" column and the "refund_card_payment" action."""

    def get_queryset(self, request):
        latest = Payment.objects.filter(order=OuterRef("pk")).order_by("-created_at", "-pk")
        failed_refund = PaymentRefund.objects.filter(payment__order=OuterRef("pk"), failed_at__isnull=False)
        return (
            super()
            .get_queryset(request)
            .annotate(
                card_payment_status=Subquery(latest.values("status")[:1]),
                refund_failed=Exists(failed_refund),
            )
        )

    @admin.display(description=_("Card payment"))
    def card_payment(self, obj):
        status = dict(Payment.STATUSES).get(obj.card_payment_status, "-")
        if obj.refund_failed:
            return format_html("{} <strong>{}</strong>", status, _("(a refund failed: see the order)"))
        return status

    def has_refund_payment_permission(self, request):
        """For the refund action's ``permissions=["refund_payment"]``."""
        return request.user.has_perm(REFUND_PAYMENT)

    @admin.action(description=_("Refund the card payment…"), permissions=["refund_payment"])
    def refund_card_payment(self, request, queryset):
        """First a page with the order's lines to refund; then, on its
        "Refund" (chosen lines) or "Refund the whole order", the refund."""
        orders = list(queryset[:2])
        if len(orders) != 1:
            self.message_user(request, _("Refund one order at a time."), level="error")
            return None
        order = orders[0]
        choice = request.POST.get("refund")
        if choice not in ("whole", "lines"):
            return self._refund_page(request, order)
        items = None
        if choice == "lines":
            items = list(order.items.filter(pk__in=request.POST.getlist("refund_item")))
            if not items:
                self.message_user(request, _("Tick the lines to refund."), level="error")
                return self._refund_page(request, order)
        try:
            record = settle.refund(order, items, request.user, stripe_checkout.create_refund)
        except settle.RefundRefused as refusal:
            self.message_user(request, str(refusal), level="error")
            return None
        except stripe.StripeError as error:
            message = _("Stripe did not refund order %(id)s: %(error)s. Nothing was changed.")
            self.message_user(
                request, message % {"id": order.pk, "error": error.user_message or error}, level="error"
            )
            return None
        message = _("Refunded %(amount)s %(currency)s of order %(id)s (Stripe refund %(refund)s).")
        values = {
            "amount": f"{record.amount / 100:.2f}",
            "currency": record.payment.currency.upper(),
            "id": order.pk,
            "refund": record.refund_id,
        }
        self.message_user(request, message % values)
        return None

    def _refund_page(self, request, order):
        payment = order.payments.filter(status=Payment.PAID).first()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund order %(id)s") % {"id": order.pk},
            "order": order,
            "payment": payment,
            "refundable": f"{payment.refundable / 100:.2f}" if payment else None,
            "refunded_items": payment.refunded_item_ids() if payment else set(),
            "lines": _lines_with_refunds(order, payment),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/shop/order/refund.html", context)


def _lines_with_refunds(order, payment):
    """(line, what refunding it gives back) for the refund page."""
    shares = settle.line_shares(order, payment.amount) if payment else {}
    return [(item, f"{shares.get(item.pk, 0) / 100:.2f}") for item in order.items.order_by("pk")]


@admin.register(PaymentEvent)
class PaymentEventAdmin(RecordAdmin):
    """What each provider event did; those refused or unclear come first."""

    list_display = ("received_at", "type", "payment", "needs_attention", "outcome")
    list_filter = ("needs_attention", "type")
    search_fields = ("event_id", "payment__session_id", "payment__order__id")
    ordering = ("-needs_attention", "-received_at")
    list_select_related = ("payment",)


@admin.register(UnfinishedPayment)
class UnfinishedPaymentAdmin(RecordAdmin):
    """Money taken at checkout for orders that could not be placed: staff
    refund each at the provider, then settle it (manage.py reconcile_payments)."""

    list_display = ("recorded_at", "transaction_id", "total", "billing_email", "settled_at", "error")
    list_filter = (("settled_at", admin.EmptyFieldListFilter),)
    search_fields = ("transaction_id", "billing_email")
