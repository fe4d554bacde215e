"""Orders in the admin: every status change goes through the paid routine,
and staff manage each order's downloads (log, limits, grants, emails).
The order admin shop_ext.admin registers is built on OrderAdmin here.

Who may do what (docs/security.md, "Staff permissions"): status changes,
by form or action, need shop.change_order; managing downloads needs
shop_ext.manage_downloads.
"""

from datetime import timedelta

from cartridge.shop import admin as cartridge_admin
from django.contrib import admin
from django.db.models import Case, Exists, OuterRef, Value, When
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop_ext.catalogue import availability
from shop_ext.core.admin_inlines import LabelledTabularInline
from shop_ext.core.admin_records import RecordAdmin
from shop_ext.core.permissions import CHANGE_ORDER, MANAGE_DOWNLOADS, VIEW_ORDER
from shop_ext.delivery.private_links import replace_links
from shop_ext.models import DownloadAttempt, DownloadGrant, OrderDelivery, OrderEmail
from shop_ext.orders import OrderStatus
from shop_ext.orders.actions import set_order_status
from shop_ext.orders.tasks import queue_order_email


class DownloadRecordsInline:
    """An order's download records: shown to whoever may see the order,
    changed (with the order) only by staff who manage downloads, and never
    added or deleted here."""

    can_delete = False
    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_ORDER) or request.user.has_perm(CHANGE_ORDER)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(MANAGE_DOWNLOADS)

    def has_add_permission(self, request, obj=None):
        return False


class OrderDeliveryInline(DownloadRecordsInline, admin.StackedInline):
    model = OrderDelivery
    max_num = 1
    fields = (
        ("paid_at", "expires_at"),
        ("max_attempts", "attempts_used"),
        "unmatched_skus",
    )
    readonly_fields = ("paid_at", "unmatched_skus")
    verbose_name_plural = _("Digital delivery")  # created only by mark_order_paid


class OrderEmailInline(DownloadRecordsInline, LabelledTabularInline):
    model = OrderEmail
    fields = ("kind", "requested_at", "requested_by", "status", "sent_at", "tries", "error")
    readonly_fields = fields
    verbose_name_plural = _("Emails")

    def has_change_permission(self, request, obj=None):
        return False  # queued and sent by the shop; re-sent with the order actions


class DownloadGrantInline(DownloadRecordsInline, LabelledTabularInline):
    model = DownloadGrant
    fields = ("order_item", "file", "created_at", "revoked_at")
    readonly_fields = ("order_item", "file", "created_at")


class DownloadAttemptInline(DownloadRecordsInline, LabelledTabularInline):
    model = DownloadAttempt
    fields = ("created_at", "user", "ip_address", "grant", "version", "outcome", "reason", "user_agent")
    readonly_fields = fields
    verbose_name_plural = _("Download log")


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


class OrderAdmin(cartridge_admin.OrderAdmin):
    """Cartridge's order admin; every status change goes through
    set_order_status, so becoming paid always runs mark_order_paid.
    shop_ext.admin adds the other features' inlines, columns and actions."""

    def has_manage_downloads_permission(self, request):
        """For the download actions' ``permissions=["manage_downloads"]``."""
        return request.user.has_perm(MANAGE_DOWNLOADS)

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

    @admin.display(description=_("Downloads"))
    def downloads(self, obj):
        delivery = getattr(obj, "delivery", None)
        if delivery is None:
            return "-"
        used = f"{delivery.attempts_used}/{delivery.max_attempts or '∞'}"
        if obj.links_email_sent:
            mail = "email sent"
        else:
            mail = "EMAIL FAILED" if obj.links_email_failed else "email queued"
        return f"{used} · {mail}"

    def get_queryset(self, request):
        """With whether the email carrying the order's links went out: its
        files email, or for an order paid at checkout (none), its receipt."""
        emails = OrderEmail.objects.filter(order=OuterRef("pk"))
        files_emails = emails.filter(kind=OrderEmail.FILES)
        links_emails = Case(
            When(Exists(files_emails), then=Value(OrderEmail.FILES)), default=Value(OrderEmail.RECEIPT)
        )
        return (
            super()
            .get_queryset(request)
            .select_related("delivery")
            .annotate(links_email_kind=links_emails)
            .annotate(
                links_email_sent=Exists(
                    emails.filter(kind=OuterRef("links_email_kind"), sent_at__isnull=False)
                ),
                links_email_failed=Exists(emails.filter(kind=OuterRef("links_email_kind"), gave_up=True)),
            )
        )

    @admin.action(
        description=_("Re-send the receipt (with the download links once paid)"), permissions=["change"]
    )
    def resend_receipt(self, request, queryset):
        orders = list(queryset)
        for order in orders:
            queue_order_email(order, OrderEmail.RECEIPT, requested_by=request.user)
        self.message_user(request, f"Receipt queued for {len(orders)} order(s).")

    @admin.action(
        description=_("Make new private links (the old ones stop working)"), permissions=["manage_downloads"]
    )
    def replace_private_links(self, request, queryset):
        count = replace_links(queryset)
        self.message_user(
            request,
            f"New private links for {count} order(s). Re-send an email to give the buyer the new link.",
        )

    @admin.action(description=_("Re-send the files email"), permissions=["manage_downloads"])
    def resend_files_email(self, request, queryset):
        orders = queryset.filter(delivery__isnull=False)
        for order in orders:
            queue_order_email(order, OrderEmail.FILES, requested_by=request.user)
        self.message_user(request, f"Files email queued for {len(orders)} order(s).")

    @admin.action(description=_("Reset download attempts"), permissions=["manage_downloads"])
    def reset_download_attempts(self, request, queryset):
        count = OrderDelivery.objects.filter(order__in=queryset).update(attempts_used=0)
        self.message_user(request, f"Download attempts reset for {count} order(s).")

    @admin.action(
        description=_("Extend downloads by %(days)s days") % {"days": 30}, permissions=["manage_downloads"]
    )
    def extend_download_expiry(self, request, queryset):
        now = timezone.now()
        deliveries = OrderDelivery.objects.filter(order__in=queryset)
        for delivery in deliveries:
            delivery.expires_at = max(delivery.expires_at or now, now) + timedelta(days=30)
            delivery.save(update_fields=["expires_at"])
        self.message_user(request, f"Downloads extended for {len(deliveries)} order(s).")

    @admin.action(description=_("Revoke all downloads"), permissions=["manage_downloads"])
    def revoke_downloads(self, request, queryset):
        count = DownloadGrant.objects.filter(order__in=queryset, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        self.message_user(request, f"{count} download grant(s) revoked.")

    @admin.action(description=_("Restore revoked downloads"), permissions=["manage_downloads"])
    def restore_downloads(self, request, queryset):
        count = DownloadGrant.objects.filter(order__in=queryset, revoked_at__isnull=False).update(
            revoked_at=None
        )
        self.message_user(request, f"{count} download grant(s) restored.")


@admin.register(DownloadAttempt)
class DownloadAttemptAdmin(RecordAdmin):
    list_display = ("created_at", "order", "user", "ip_address", "grant", "version", "outcome", "reason")
    list_filter = ("outcome", "created_at")
    search_fields = ("order__id", "user__username", "user__email", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("order", "user", "grant__file", "version__product_file")
