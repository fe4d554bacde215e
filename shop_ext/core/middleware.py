"""Middleware: requests no page of the shop can answer, refused before any
view runs; what only pages need (Mezzanine's page and site permission,
Cartridge's cart) skipped by views that show no page."""

from cartridge.shop.middleware import ShopMiddleware
from cartridge.shop.models import Cart
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from mezzanine.core.middleware import SitePermissionMiddleware
from mezzanine.pages.middleware import PageMiddleware

from shop_ext.core import sites
from shop_ext.core.converters import is_id


def _has_nul(request):
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


class RejectNulMiddleware:
    """PostgreSQL text cannot hold a NUL character: a page slug, product slug
    or search term with one is a DataError, a 500 (and with SQLite simply no
    match). Form fields already refuse NUL (Django's
    ProhibitNullCharactersValidator); an address or query string with one is
    refused here with a 400 that says why, on a page of its own (the site's
    menus look pages up by the very path that cannot be looked up)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return render(request, "shop_ext/bad_request.html", status=400)
        return self.get_response(request)


# The admin's arguments naming a row: a model's change/delete/history pages,
# "view on site" (admin/r/...), and the password page of a user.
ADMIN_ID_ARGUMENTS = ("object_id", "content_type_id", "id")


class AdminObjectIdMiddleware:
    """An admin address whose id is not a plain in-range number is a 404.
    Django's own admin views turn a bad id into a message, but Mezzanine's
    page admins and Cartridge's product admin look the object up
    themselves (ValueError: a 500), and an id past 2**63 is an
    OverflowError (SQLite) or DataError (PostgreSQL) everywhere. Every
    model in the admin has an integer id
    (test_bad_input_regressions.py::test_every_model_in_the_admin_has_an_integer_id).
    Likewise the rows an action is run on, posted to a list page: Django's
    admin filters by them as they are (a 500), so any that is not an id is a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "admin" in request.resolver_match.namespaces:
            ids = [*view_args, *(view_kwargs[name] for name in ADMIN_ID_ARGUMENTS if name in view_kwargs)]
            if not all(is_id(value) for value in ids):
                raise Http404("No such object.")
            if _selects_a_non_id(request, view_func):
                return HttpResponseBadRequest("No such object: choose the rows from the list.")
        return None


def _selects_a_non_id(request, view_func):
    """Whether a post to an admin list page, by staff who may see it, selects
    a row by anything but its id. Without that permission the view's 403
    comes first, as for any other post."""
    model_admin = getattr(view_func, "model_admin", None)  # set by ModelAdmin.get_urls
    if (
        request.method != "POST"
        or model_admin is None
        or not (request.resolver_match.url_name or "").endswith("_changelist")
        or not model_admin.has_view_or_change_permission(request)
    ):
        return False
    return not all(is_id(value) for value in request.POST.getlist(ACTION_CHECKBOX_NAME))


def without_page(view):
    """Mark a view that shows no page (a file download, a JSON answer): the
    middleware below then skips what only pages need, so such a request
    reads no session, user or page row for it: Mezzanine's page query,
    Cartridge's cart (a session read; for a shopper with a cart, an UPDATE
    of it) and Mezzanine's site permission (a user read)."""
    view.shows_no_page = True
    return view


def shows_no_page(view_func):
    return getattr(view_func, "shows_no_page", False)


class ShopPageMiddleware(PageMiddleware):
    """Mezzanine's page middleware, minus its page query for views marked
    ``without_page``."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if shows_no_page(view_func):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SiteFromHostMiddleware:
    """The request's Mezzanine site from the shared cache
    (shop_ext.core.sites), where Mezzanine would query the Site table for
    its host on every page. A site chosen in the admin (``site_id`` in the
    session) still wins, and views marked ``without_page`` are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if shows_no_page(view_func) or getattr(request, "site_id", None) or request.session.get("site_id"):
            return
        site_id = sites.site_id_for_host(request.get_host())
        if site_id:
            request.site_id = site_id


class ShopCartMiddleware(ShopMiddleware):
    """Cartridge's middleware (``request.cart``, ``request.wishlist``), run
    once the view is known, and not for views marked ``without_page``. An
    answer made before any view runs (Django's 404 for an address no
    pattern matches, a CSRF failure) looks the cart up if its page shows it."""

    def process_request(self, request):
        request.cart = SimpleLazyObject(lambda: Cart.objects.from_request(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not shows_no_page(view_func):
            super().process_request(request)


class ShopSitePermissionMiddleware(SitePermissionMiddleware):
    """Mezzanine's per-site staff permission, which reads the user (and
    their session) on every request, minus views marked ``without_page``:
    it serves the admin and the editing toolbar of pages."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if shows_no_page(view_func):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
