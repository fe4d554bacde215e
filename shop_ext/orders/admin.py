"""Orders in the admin: every status change goes through the paid routine.
The order admin (shop_ext.admin) is built on OrderAdmin here, with the
other features' parts; OrderRecordsInline is the base of every inline of an
order's records (its emails here, the downloads', the card payments').

Who may do what (docs/security.md, "Staff permissions"): seeing an order's
records needs shop.view_order (or shop.change_order); status changes, by
form or action, and re-sending the receipt need shop.change_order.
"""

from cartridge.shop import admin as cartridge_admin
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from shop_ext.catalogue import availability
from shop_ext.core.admin_inlines import LabelledRowsFormSet, LabelledTabularInline
from shop_ext.core.permissions import CHANGE_ORDER, VIEW_ORDER
from shop_ext.models import DigitalSupplyConsent, OrderEmail
from shop_ext.orders import OrderStatus, consent
from shop_ext.orders.actions import set_order_status
from shop_ext.orders.tasks import queue_order_email


class OrderRecordsInline:
    """An order's records: shown to whoever may see the order, never added
    or deleted here, and changed only where a feature allows it."""

    can_delete = False
    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_ORDER) or request.user.has_perm(CHANGE_ORDER)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


class OrderEmailInline(OrderRecordsInline, LabelledTabularInline):
    """Queued and sent by the shop; re-sent with the order actions."""

    model = OrderEmail
    fields = ("kind", "requested_at", "requested_by", "status", "sent_at", "tries", "error")
    readonly_fields = fields
    verbose_name_plural = _("Emails")


class DigitalSupplyConsentInline(OrderRecordsInline, LabelledTabularInline):
    """The buyer's consent to immediate delivery of downloads, with the words ticked."""

    model = DigitalSupplyConsent
    fields = ("given_at", "wording_version", "wording")
    readonly_fields = fields
    verbose_name_plural = _("Consent to immediate delivery of downloads")

    @admin.display(description=_("Wording ticked"))
    def wording(self, obj):
        return consent.wording(obj.wording_version)


def _status_action(status, label):
    """An action that sets the status of the selected orders, after a page
    listing them asks for confirmation (marking paid releases files and
    sends emails; cancelling or refunding takes them away)."""

    def action(modeladmin, request, queryset):
        if request.POST.get("confirmed") != "yes":
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": _("Mark these orders %s?") % label.lower(),
                "orders": queryset.order_by("id"),
                "action_name": action.__name__,
                "label": label.lower(),
                "opts": modeladmin.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/shop/order/confirm_status.html", context)
        for order in queryset:
            set_order_status(order, status)
        modeladmin.message_user(request, f"{queryset.count()} order(s) marked {label.lower()}.")
        return None

    action.__name__ = f"mark_{label.lower()}"
    action.short_description = _("Mark selected orders %s") % label.lower()
    action.allowed_permissions = ("change",)  # shop.change_order
    return action


STATUS_ACTIONS = [
    _status_action(OrderStatus.PAID, "Paid"),
    _status_action(OrderStatus.CANCELLED, "Cancelled"),
    _status_action(OrderStatus.REFUNDED, "Refunded"),
]


class OrderItemInline(cartridge_admin.OrderItemInline):
    """Cartridge's order items, each field named with its row."""

    formset = LabelledRowsFormSet


class OrderAdmin(cartridge_admin.OrderAdmin):
    """Cartridge's order admin; every status change goes through
    set_order_status, so becoming paid always runs mark_order_paid.
    shop_ext.admin adds the other features' inlines, columns and actions."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and not availability.order_ships(obj):
            # Nothing to post, so no shipping address to insist on: staff
            # can save (e.g. change the status of) an order of downloads.
            for name, field in form.base_fields.items():
                if name.startswith("shipping_detail_"):
                    field.required = False
        return form

    def save_model(self, request, obj, form, change):
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            set_order_status(obj, new_status)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(
        description=_("Re-send the receipt (with the download links once paid)"), permissions=["change"]
    )
    def resend_receipt(self, request, queryset):
        orders = list(queryset)
        for order in orders:
            queue_order_email(order, OrderEmail.RECEIPT, requested_by=request.user)
        self.message_user(request, f"Receipt queued for {len(orders)} order(s).")
