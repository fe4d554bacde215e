"""Admin pages of file versions (and the "notify buyers" action), update
notices, and stamped copies (with the leak trace: upload a found copy,
learn whose it was)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models.constants import LOOKUP_SEP
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shop_ext.core.permissions import CHANGE_STAMPED_COPY, NOTIFY_BUYERS, TRACE_LEAK
from shop_ext.core.tasks import enqueue_on_commit
from shop_ext.delivery import stamping
from shop_ext.delivery.tasks import build_stamped_copy, notify_buyers
from shop_ext.models import ProductFileVersion, StampedCopy, UpdateNotice


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record: listed and viewed, never added or changed here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProductFileVersion)
class ProductFileVersionAdmin(ReadOnlyAdmin):
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
class UpdateNoticeAdmin(ReadOnlyAdmin):
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
class StampedCopyAdmin(ReadOnlyAdmin):
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
