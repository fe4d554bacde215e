"""Pages in the admin. New pages start as drafts in no menu: an editor adding
a page is not yet publishing it (Mezzanine's default is published, in every
menu). After a save, the page tree shows the saved page."""

from django import forms
from django.contrib import admin
from mezzanine.core.models import CONTENT_STATUS_DRAFT
from mezzanine.pages.models import Page


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


class SavedPageInTreeAdmin:
    """Mixed into a page admin: saving the page opens, in the page tree, the
    branches that lead to it. Mezzanine's page_tree.js keeps the branches an
    editor opened in the cookie "mezzanine-admin-tree"; a page edited from a
    link or a search was on no open branch, and the tree came back closed
    over it. The form carries the ids of the page's ancestors and
    theme/js/page_tree_saved.js adds them to the cookie when it is sent."""

    @property
    def media(self):
        return super().media + forms.Media(js=["theme/js/page_tree_saved.js"])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            parent_id = request.GET.get("parent", "")
            parent = Page.objects.filter(pk=parent_id).first() if parent_id.isdigit() else None
        else:
            page = Page.objects.filter(pk=object_id).select_related("parent").first()
            parent = page.parent if page else None
        extra_context = {**(extra_context or {}), "page_tree_branches": branch_ids(parent)}
        return super().changeform_view(request, object_id, form_url, extra_context)


def branch_ids(page):
    """The ids of ``page`` and of the pages above it: the branches to open
    for a page under it to show."""
    ids = []
    while page is not None:
        ids.append(page.pk)
        page = page.parent
    return ids
