"""Upstream endpoints outside the admin's own views, routed by project/urls.py
in place of the upstream's route."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sites.models import Site
from django.http import HttpResponseBadRequest
from django.views.decorators.http import require_POST
from filebrowser_safe import views as filebrowser_views
from mezzanine.core import views as mezzanine_core

from shop_ext.core.converters import MAX_ID


@staff_member_required
def set_site(request):
    """Mezzanine's site switcher (the admin header's "Select site" menu, shown
    when the database holds several sites), with a ``site_id`` that names no
    site refused (Mezzanine reads ``int(request.GET["site_id"])``: a 500 for
    a missing or non-numeric one, an unknown one stored in the session)."""
    site_id = request.GET.get("site_id", "")
    is_id = site_id.isascii() and site_id.isdigit() and int(site_id) <= MAX_ID
    if not (is_id and Site.objects.filter(pk=int(site_id)).exists()):
        return HttpResponseBadRequest("No such site: choose one from the admin's site menu.")
    return mezzanine_core.set_site(request)


@staff_member_required
@require_POST
def media_library_check_file(request):
    """filebrowser-safe's "is this name taken" check, which the media
    library's uploader posts (with the form's CSRF token) before each upload.
    Upstream asks for no sign-in and no CSRF token, and is a 500 without its
    ``folder`` field: here staff only, CSRF checked, and a missing or
    climbing ``folder`` refused."""
    folder = request.POST.get("folder")
    if folder is None or ".." in folder.split("/"):
        return HttpResponseBadRequest("No such folder.")
    return filebrowser_views._check_file(request)
