"""Pages in the admin. New pages start as drafts in no menu: an editor adding
a page is not yet publishing it (Mezzanine's default is published, in every
menu)."""

from django.contrib import admin
from mezzanine.core.models import CONTENT_STATUS_DRAFT


class DraftFirstPageAdmin:
    """Mixed into a page admin: the add form starts as a draft out of the menus."""

    def get_changeform_initial_data(self, request):
        initial = {"status": CONTENT_STATUS_DRAFT, "in_menus": []}
        initial.update(super().get_changeform_initial_data(request))
        return initial


class OwnListAdmin:
    """Mixed into the admin of a Mezzanine content type (a book, a category
    page): its own entry in the menu and its own list. Mezzanine hides a
    subclass from the menu and sends its list to the parent's (all
    products, the page tree), where an editor looking for books or category
    pages has to find them among the rest."""

    def has_module_permission(self, request):
        return admin.ModelAdmin.has_module_permission(self, request)

    def changelist_view(self, request, extra_context=None):
        return admin.ModelAdmin.changelist_view(self, request, extra_context)
