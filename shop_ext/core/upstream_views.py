"""Upstream endpoints outside the admin's own views, routed by project/urls.py
in place of the upstream's route."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.views.decorators.http import require_POST
from filebrowser_safe import views as filebrowser_views
from mezzanine.core import views as mezzanine_core
from mezzanine.pages import views as mezzanine_pages
from mezzanine.pages.models import Page

from shop_ext.core.converters import is_id
from shop_ext.core.permissions import CHANGE_PAGE


@staff_member_required
def set_site(request):
    """Mezzanine's site switcher (the admin header's "Select site" menu, shown
    when the database holds several sites), with a ``site_id`` that names no
    site refused (Mezzanine reads ``int(request.GET["site_id"])``: a 500 for
    a missing or non-numeric one, an unknown one stored in the session)."""
    site_id = request.GET.get("site_id", "")
    if not (is_id(site_id) and Site.objects.filter(pk=int(site_id)).exists()):
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
    if not _names_a_folder(request):
        return HttpResponseBadRequest("No such folder.")
    return filebrowser_views._check_file(request)


def _names_a_folder(request):
    folder = request.POST.get("folder")
    return folder is not None and ".." not in folder.split("/")


@staff_member_required
@require_POST
def media_library_upload_file(request):
    """filebrowser-safe's upload, which the media library's uploader posts
    (the form's fields, its CSRF token among them). Upstream is exempt from
    CSRF and a 500 without its ``folder`` field or with a file under another
    name than ``Filedata``: here CSRF checked, and both refused."""
    if not _names_a_folder(request):
        return HttpResponseBadRequest("No such folder.")
    if request.FILES and "Filedata" not in request.FILES:
        return HttpResponseBadRequest("No file sent.")
    return filebrowser_views._upload_file(request)


@staff_member_required
def static_proxy(request):
    """Mezzanine's proxy for TinyMCE's static files (``?u=`` names the file):
    a 500 upstream without ``u``."""
    if "u" not in request.GET:
        return HttpResponseBadRequest("No file named.")
    return mezzanine_core.static_proxy(request)


def _page_id(element_id):
    """The page's id in a page tree element's id ("ordering_12"), or None."""
    tail = element_id.rsplit("_", 1)[-1]
    return int(tail) if is_id(tail) else None


@staff_member_required
@require_POST
def admin_page_ordering(request):
    """Mezzanine's page tree drag and drop: the moved page's ``id``, its
    ``parent_id`` ("null" at the top) and ``siblings[]``, all element ids.
    Upstream, a missing field, an unknown parent or an id out of range is a
    500, and any staff member may move pages: here each must name a page (or
    a number, for the siblings), and moving needs the page change permission."""
    if not request.user.has_perm(CHANGE_PAGE):
        raise PermissionDenied
    page_id = _page_id(request.POST.get("id", ""))
    parent = request.POST.get("parent_id")
    siblings = request.POST.getlist("siblings[]")
    known_parent = parent == "null" or (
        parent is not None and Page.objects.filter(pk=_page_id(parent)).exists()
    )
    if page_id is None or not known_parent or None in map(_page_id, siblings):
        return HttpResponseBadRequest("No such page in the page tree.")
    return mezzanine_pages.admin_page_ordering(request)
