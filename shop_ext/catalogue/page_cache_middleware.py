"""Serves anonymous shoppers whole pages from the shared cache, and stores
the pages built for them (what a key holds and when an entry may be stored:
page_cache.py).

Which requests: GET or HEAD of the home page, category (and other
Mezzanine) pages, product pages and search results, from a browser with no
session cookie and no messages cookie -- so no cart, no sign-in and no
message can be in the page. Anything else is never looked up or stored.

A page considered here carries no CSRF token: its forms get an empty one,
which the browser fills in before sending (cached_forms.py). A page whose
rendering asked for a real token, set a cookie or touched the session is not
stored. A stored page also goes to nginx's cache, to the end of the current
second (X-Accel-Expires).
"""

import logging
import time

from django.conf import settings
from django.utils.cache import patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.utils.http import urlencode

from shop_ext.catalogue import page_cache
from shop_ext.core.cache import CACHE_DOWN

log = logging.getLogger(__name__)


def _is_cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and request.resolver_match is not None
        and request.resolver_match.url_name in page_cache.QUERY_PARAMETERS
    )


def _is_canonical(request, pairs):
    """Whether the address was sent in the one spelling of its stored page:
    nginx keys its cache on the address as sent (gunicorn's RAW_URI), so no
    other spelling (``/b%6Foks/``, parameters out of order, a bare ``?``)
    may add an entry there."""
    canonical = escape_uri_path(request.path) + (f"?{urlencode(pairs)}" if pairs else "")
    return request.META.get("RAW_URI", request.get_full_path()) == canonical


def _is_own_address(request):
    """Whether a Mezzanine page was asked for at its own address: Mezzanine
    finds ``/fiction/`` at ``/fiction//`` and ``//fiction/`` too, and each
    such spelling must not add an entry."""
    if request.resolver_match.url_name != "page":
        return True
    page = getattr(request, "page", None)
    return page is not None and page.get_absolute_url() == request.path


class PageCacheMiddleware:
    """Serves and stores anonymous pages (module docstring). Placed after
    the session, authentication and CSRF middleware, whose state tells
    whether a page may be shared."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "_page_cache_candidate", False) or response.streaming:
            return response
        patch_vary_headers(response, ("Cookie",))
        if request._page_cache_hit:
            shared = _is_shareable(request, response)
        else:
            response["X-Page-Cache"] = "miss"
            # The forms' token stays empty: shop.js asks for the browser's
            # own before sending (cached_forms.py), so the page is the same
            # for every browser.
            response.content = response.content.replace(page_cache.csrf_placeholder().encode(), b"")
            key = getattr(request, "_page_cache_key", None)
            shared = (
                key is not None
                and _is_own_address(request)
                and _is_shareable(request, response)
                and page_cache.store_page(request, response, key)
            )
        if shared and request._page_cache_canonical:
            _let_nginx_keep(response, request._page_cache_until)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.SHOP_PAGE_CACHE_SECONDS or not _is_cacheable_request(request):
            return None
        pairs, storable = page_cache.key_parameters(request)
        request._page_cache_candidate = True
        request._page_cache_hit = False
        request._page_cache_canonical = storable and _is_canonical(request, pairs)
        try:
            # A page asked for with other parameters too (?utm_source=,
            # a random ?x=) is served the stored page of the address without
            # them, or built afresh and not stored: such parameters never
            # add entries.
            key = page_cache.page_key(request, pairs)
            stored = page_cache.stored_page(key) if key else None
            if stored is not None:
                response, until = stored
                response["X-Page-Cache"] = "hit"
                request._page_cache_hit = True
                request._page_cache_until = until
                return response
            if key and storable and page_cache.is_common_enough(request):
                request._page_cache_key = key
        except CACHE_DOWN:
            log.warning("Cache down: page served uncached.")
        return None

    def process_template_response(self, request, response):
        if getattr(request, "_page_cache_candidate", False) and response.context_data is not None:
            # The view's context wins over the csrf context processor.
            response.context_data["csrf_token"] = page_cache.csrf_placeholder()
        return response


def _is_shareable(request, response):
    """Whether this answer is the same for every anonymous browser: a 200
    page that sets no cookie, touched no session and is not private."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.session.modified
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def _let_nginx_keep(response, until):
    """nginx (deploy/nginx.conf) keeps a page only when told to, and only to
    the end of the current second: an edit, or a sale starting on the
    second, shows through it within a second. nginx's clock has whole
    seconds; ``@N`` keeps the page while its clock reads N. A page that the
    clock changes within this second is not kept."""
    second = int(time.time())
    if until is None or until.timestamp() >= second + 1:
        response["X-Accel-Expires"] = f"@{second}"
