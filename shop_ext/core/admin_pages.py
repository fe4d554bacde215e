"""New pages start as drafts in no menu: an editor adding a page is not yet
publishing it (Mezzanine's default is published, in every menu)."""

from mezzanine.core.models import CONTENT_STATUS_DRAFT


class DraftFirstPageAdmin:
    """Mixed into a page admin: the add form starts as a draft out of the menus."""

    def get_changeform_initial_data(self, request):
        initial = {"status": CONTENT_STATUS_DRAFT, "in_menus": []}
        initial.update(super().get_changeform_initial_data(request))
        return initial
