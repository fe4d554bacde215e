"""The one base of the admin pages for records of what happened (the
download log, payment events, unfinished payments, file versions, stamped
copies, notices and e-reader sendings): listed and viewed, never added or
changed there; deleted only where a page says so (`deletable`), and then
with Django's delete permission."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    deletable = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # No entry can be changed. Mezzanine's admin menu lists a model only
        # if its list may be changed or added to, so the list itself (no
        # obj) answers with the view permission.
        return obj is None and self.has_view_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)
