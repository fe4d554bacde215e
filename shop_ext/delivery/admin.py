"""Admin pages of the downloads: an order's delivery, grants and download
log with the staff's download actions (parts of the one order admin,
shop_ext.admin), the download log, file versions (and the "notify buyers"
action), update notices, and stamped copies (with the leak trace: upload a
found copy, learn whose it was).

Managing an order's downloads needs shop_ext.manage_downloads (docs/security.md,
"Staff permissions").
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, OuterRef, Value, When
from django.db.models.constants import LOOKUP_SEP
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shop_ext.core.admin_inlines import LabelledTabularInline
from shop_ext.core.admin_records import RecordAdmin
from shop_ext.core.permissions import CHANGE_STAMPED_COPY, MANAGE_DOWNLOADS, NOTIFY_BUYERS, TRACE_LEAK
from shop_ext.core.tasks import enqueue_on_commit
from shop_ext.delivery import stamping
from shop_ext.delivery.private_links import replace_links
from shop_ext.delivery.tasks import build_stamped_copy, notify_buyers
from shop_ext.models import (
    DownloadAttempt,
    DownloadGrant,
    EReaderSending,
    OrderDelivery,
    OrderEmail,
    ProductFileVersion,
    StampedCopy,
    UpdateNotice,
)
from shop_ext.orders.admin import OrderRecordsInline
from shop_ext.orders.tasks import queue_order_email


class DownloadRecordsInline(OrderRecordsInline):
    """An order's download records: changed (with the order) only by staff
    who manage downloads."""

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(MANAGE_DOWNLOADS)


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


class DownloadGrantInline(DownloadRecordsInline, LabelledTabularInline):
    model = DownloadGrant
    fields = ("order_item", "file", "created_at", "revoked_at")
    readonly_fields = ("order_item", "file", "created_at")


class DownloadAttemptInline(DownloadRecordsInline, LabelledTabularInline):
    model = DownloadAttempt
    fields = ("created_at", "user", "ip_address", "grant", "version", "outcome", "reason", "user_agent")
    readonly_fields = fields
    verbose_name_plural = _("Download log")


class OrderDownloadsAdmin:
    """The order admin's downloads (mixed into shop_ext.admin.OrderAdmin): the
    "downloads" column and the download actions."""

    def has_manage_downloads_permission(self, request):
        """For the download actions' ``permissions=["manage_downloads"]``."""
        return request.user.has_perm(MANAGE_DOWNLOADS)

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


@admin.register(ProductFileVersion)
class ProductFileVersionAdmin(RecordAdmin):
    deletable = True  # an old version no order bought; the rest are protected
    list_display = ("product_file", "number", "uploaded_at", "note", "size", "sha256", "notices_sent")
    list_select_related = ("product_file",)
    search_fields = ("product_file__title", "product_file__original_filename", "product_file__product__title")
    actions = ("notify_buyers_of_update",)

    @admin.display(description=_("Buyers told"))
    def notices_sent(self, obj):
        return obj.notices.filter(sent_at__isnull=False).count()

    def has_notify_buyers_permission(self, request):
        return request.user.has_perm(NOTIFY_BUYERS)

    @admin.action(description=_("Notify buyers of this update"), permissions=("notify_buyers",))
    def notify_buyers_of_update(self, request, queryset):
        queued = sum(notify_buyers(version, requested_by=request.user) for version in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)s buyer will be told (buyers told before are not told again).",
                "%(count)s buyers will be told (buyers told before are not told again).",
                queued,
            )
            % {"count": queued},
        )


@admin.register(UpdateNotice)
class UpdateNoticeAdmin(RecordAdmin):
    deletable = True
    list_display = (
        "version",
        "email",
        "order",
        "requested_at",
        "requested_by",
        "sent_at",
        "tries",
        "gave_up",
    )
    # The notice first, then its queue (the model lists the queue's fields first).
    fields = ("version", "email", "order", "requested_by", "sent_at", "tries", "error", "gave_up")
    list_filter = ("gave_up", "requested_at")
    list_select_related = ("version__product_file", "requested_by")
    search_fields = ("email", "order__id")


class FoundCopyForm(forms.Form):
    found_file = forms.FileField(
        label=_("Found copy"), help_text=_("A PDF or EPUB found outside the shop, e.g. on a sharing site.")
    )

    def clean_found_file(self):
        upload = self.cleaned_data["found_file"]
        if upload.size > stamping.trace_limit():
            raise forms.ValidationError(_("The file is larger than any copy the shop stamps."))
        return upload


@admin.register(StampedCopy)
class StampedCopyAdmin(RecordAdmin):
    deletable = True
    list_display = ("version", "order_link", "status", "error", "requested_at", "built_at", "copy_id")
    list_filter = ("status", "requested_at")
    list_select_related = ("version__product_file", "grant")
    search_fields = ("copy_id", "grant__order__id", "grant__order__billing_detail_email")
    actions = ("make_again",)

    # Finding a copy by its identifier, or a buyer's copies by email, is the
    # leak trace: without its permission, staff search by order number only
    # and the list shows no identifiers (the change page never does).
    def get_search_fields(self, request):
        return self.search_fields if request.user.has_perm(TRACE_LEAK) else ("grant__order__id",)

    def lookup_allowed(self, lookup, value, request):
        # The list takes filters from the address too (?copy_id=, ?sha256=
        # of a found file): without the permission, only the sidebar's.
        if request.user.has_perm(TRACE_LEAK):
            return super().lookup_allowed(lookup, value, request)
        in_sidebar = lookup.split(LOOKUP_SEP)[0] in self.list_filter
        return in_sidebar and super().lookup_allowed(lookup, value, request)

    def get_list_display(self, request):
        if request.user.has_perm(TRACE_LEAK):
            return self.list_display
        return tuple(field for field in self.list_display if field != "copy_id")

    @admin.display(description=_("Order"))
    def order_link(self, obj):
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:shop_order_change", args=[obj.grant.order_id]),
            obj.grant.order_id,
        )

    def has_remake_permission(self, request):
        return request.user.has_perm(CHANGE_STAMPED_COPY)

    @admin.action(description=_("Make the failed copies again"), permissions=("remake",))
    def make_again(self, request, queryset):
        failed = list(queryset.filter(status=StampedCopy.FAILED).values_list("pk", flat=True))
        StampedCopy.objects.filter(pk__in=failed).update(status=StampedCopy.PENDING, error="")
        for copy_id in failed:
            enqueue_on_commit(build_stamped_copy, copy_id)
        self.message_user(request, _("%(count)s copies queued to be made again.") % {"count": len(failed)})

    def get_urls(self):
        trace = path("trace/", self.admin_site.admin_view(self.trace_view), name="shop_ext_stampedcopy_trace")
        return [trace, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_trace": request.user.has_perm(TRACE_LEAK)}
        return super().changelist_view(request, extra_context)

    def trace_view(self, request):
        """Upload a found copy; the shop names the order and buyer it was
        stamped for, or says clearly that it is not one of ours."""
        if not request.user.has_perm(TRACE_LEAK):
            raise PermissionDenied
        found = None
        status = 200
        if request.method == "POST":
            form = FoundCopyForm(request.POST, request.FILES)
            if form.is_valid():
                found = self._trace(request, form.cleaned_data["found_file"])
            else:
                status = 400
        else:
            form = FoundCopyForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Trace a found copy"),
            "opts": self.model._meta,
            "form": form,
            "found": found,
        }
        return TemplateResponse(request, "admin/shop_ext/stampedcopy/trace.html", context, status=status)

    def _trace(self, request, upload):
        try:
            copy_id = stamping.found_copy_id(upload)
        except stamping.CannotStamp as error:
            messages.error(request, _("This file cannot be read as a PDF or EPUB: %(why)s") % {"why": error})
            return None
        copy = (
            StampedCopy.objects.select_related("grant__order", "version__product_file")
            .filter(copy_id=copy_id)
            .first()
            if copy_id
            else None
        )
        if copy is None:
            messages.warning(
                request,
                _("This file carries no copy identifier of this shop: it was not stamped here.")
                if copy_id is None
                else _("This file carries a copy identifier that matches no copy made by this shop."),
            )
        return copy


@admin.register(EReaderSending)
class EReaderSendingAdmin(RecordAdmin):
    """Books mailed to buyers' e-readers, and what a refusing mail server said
    (shop_ext.delivery.ereader)."""

    deletable = True

    list_display = ("grant", "email", "status", "error", "requested_at", "sent_at")
    list_filter = ("status", "requested_at")
    list_select_related = ("grant__file",)
    search_fields = ("email", "grant__order__id")
