"""Mezzanine's site switcher (the "Select site" menu of the admin header,
shown when the database holds several sites)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sites.models import Site
from django.http import HttpResponseBadRequest
from mezzanine.core import views as mezzanine_core

from shop_ext.core.converters import MAX_ID


@staff_member_required
def set_site(request):
    """Mezzanine's view, with a ``site_id`` that names no site refused
    (Mezzanine reads it with ``int(request.GET["site_id"])``: a 500 for a
    missing or non-numeric one, and an unknown one stored in the session)."""
    site_id = request.GET.get("site_id", "")
    is_id = site_id.isascii() and site_id.isdigit() and int(site_id) <= MAX_ID
    if not (is_id and Site.objects.filter(pk=int(site_id)).exists()):
        return HttpResponseBadRequest("No such site: choose one from the admin's site menu.")
    return mezzanine_core.set_site(request)
