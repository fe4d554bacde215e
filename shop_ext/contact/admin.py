"""Staff read the contact page's messages here (whether or not the email to
them went out) and mark them handled. Nobody adds or edits one; deleting
takes its own permission (docs/security.md, "Staff permissions")."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from mezzanine.utils.sites import current_site_id

from shop_ext.core.permissions import CHANGE_CONTACT_MESSAGE, DELETE_CONTACT_MESSAGE, VIEW_CONTACT_MESSAGE
from shop_ext.models import ContactMessage


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "name", "email", "subject", "order_number", "emailed", "handled_at")
    list_filter = (("handled_at", admin.EmptyFieldListFilter), "gave_up", "requested_at")
    list_select_related = ("handled_by",)
    search_fields = ("email", "name", "subject", "order_number")
    date_hierarchy = "requested_at"
    fields = (
        "requested_at",
        "name",
        "email",
        "order_number",
        "subject",
        "body",
        "handled_at",
        "handled_by",
        "sent_at",
        "tries",
        "error",
        "gave_up",
    )
    readonly_fields = fields
    actions = ("mark_handled",)

    @admin.display(description=_("Emailed to staff"))
    def emailed(self, obj):
        return obj.status

    def get_queryset(self, request):
        # Mezzanine runs one admin for every site: each site's staff see its messages.
        return super().get_queryset(request).filter(site_id=current_site_id())

    def has_add_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_CONTACT_MESSAGE) or self.has_handle_permission(request)

    def has_change_permission(self, request, obj=None):
        # Every field is read-only: "change" is only the list, for Mezzanine's
        # menu (it lists a model whose list may be changed) and the action.
        return obj is None and self.has_handle_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(DELETE_CONTACT_MESSAGE)

    def has_handle_permission(self, request):
        return request.user.has_perm(CHANGE_CONTACT_MESSAGE)

    @admin.action(description=_("Mark as handled"), permissions=("handle",))
    def mark_handled(self, request, queryset):
        count = queryset.filter(handled_at__isnull=True).update(
            handled_at=timezone.now(), handled_by=request.user
        )
        self.message_user(
            request,
            ngettext("%(count)s message marked as handled.", "%(count)s messages marked as handled.", count)
            % {"count": count},
        )
