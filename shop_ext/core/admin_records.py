"""Admin pages for records of what happened (the download log, payment
events, unfinished payments): listed and viewed, never added, changed or
deleted there."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # No entry can be changed. Mezzanine's admin menu lists a model only
        # if its list may be changed or added to, so the list itself (no
        # obj) answers with the view permission.
        return obj is None and self.has_view_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
