"""Whole pages for anonymous shoppers, kept in the shared cache: what a
page's key holds, when an entry may be stored and until when it is served,
and the generations that put entries out of date. The middleware that serves
and stores pages is page_cache_middleware.py; the receivers that notice
catalogue changes are receivers.py.

What a page depends on is in its key (docs/caching.md has the rules):

* the catalogue generation, one number in the cache that every change an
  editor or staff makes to the catalogue moves on (products, variations,
  prices, images, files, categories and other pages, menus, sales,
  settings), after the change commits;
* for a product page, that product's stock generation, moved on when its
  stock changes (a checkout, a refund, a cart taking the last copies);
* the site, the host, the scheme, the path and the query parameters that
  kind of page reads (``q`` only on search, ``format`` only on a product).

An entry also records the next moment the catalogue changes by the clock
alone (a sale, a variation's own sale, a product or a page starting or
ending); it is not served from then on. Keys come from a bounded set: a
request with parameters its kind of page does not read (QUERY_PARAMETERS),
or with one repeated, gets the page stored for the address without them,
or one built for it and not stored; values out of range (a page past
MAX_CACHED_PAGE, an unknown sort, a long search) are built and not stored;
a search is stored once it has been asked a few times (counted in a fixed
number of slots); a 404 stores nothing, and the menus are keyed by the
current page, not by the path.
"""

import functools
import hashlib
import logging
import re
import time

from cartridge.shop.models import Product, ProductVariation, Sale
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode
from mezzanine.conf import settings as mezzanine_settings
from mezzanine.pages.models import Page
from mezzanine.utils.sites import current_site_id
from mezzanine.utils.urls import home_slug, path_to_slug

from shop_ext.catalogue import search as catalogue_search
from shop_ext.catalogue.format_cards import FORMAT_PARAMETER, known_format_slugs
from shop_ext.core import sites
from shop_ext.core.cache import CACHE_DOWN

log = logging.getLogger(__name__)

MAX_CACHED_PAGE = 20
MAX_CACHED_QUERY = 60
SEARCH_CACHED_AFTER = 3
# Searches are counted in this many slots per site, each holding the last
# query asked in it: the counters stay few whatever is searched for.
SEARCH_COUNTER_SLOTS = 256
SEARCH_COUNTER_SECONDS = 3600


def _is_page_number(value):
    # ASCII digits, no leading zero: "²" and "02" are not page numbers.
    return re.fullmatch(r"[1-9][0-9]?", value) is not None and int(value) <= MAX_CACHED_PAGE


def _is_sort_key(value):
    return value in {key for _label, key in mezzanine_settings.SHOP_PRODUCT_SORT_OPTIONS} | set(
        catalogue_search.SORTS
    )


def _is_plain_query(value):
    return len(value) <= MAX_CACHED_QUERY and value == " ".join(value.split())


# The pages looked up and stored (by URL name), each with the parameters its
# views read: parameter -> whether a value may be stored. Any other
# parameter is left out of the key and the page built is not stored.
QUERY_PARAMETERS = {
    "home": {},
    "shop_product": {FORMAT_PARAMETER: lambda value: value in known_format_slugs()},
    "contact": {},
    "page": {"page": _is_page_number, "sort": _is_sort_key},
    "search": {
        "page": _is_page_number,
        "sort": _is_sort_key,
        "q": _is_plain_query,
        "type": lambda value: value == "shop.Product",
    },
}
# Moved on whenever what an entry holds changes: servers of two releases may
# share Redis for a while (a rolling deploy), and a page in the other
# format would break (version 1 held a CSRF placeholder).
ENTRY_FORMAT = 2
# Headers the cache keeps: those that describe the page itself.
STORED_HEADERS = ("Content-Type", "Content-Language", "X-Frame-Options")


@functools.cache
def csrf_placeholder():
    """What stands for the CSRF token in a stored page: derived from the
    secret key, so no text an editor writes is taken for it by chance."""
    return "csrf-" + salted_hmac("shop_ext.page_cache", "csrf placeholder").hexdigest()[:32]


# ------------------------------------------------------------ sites


def _site_id(request):
    """Mezzanine's current site for this request, by host (shop_ext.core.sites:
    a warm page costs no query), set on the request, where Mezzanine reads
    it from then on."""
    site_id = sites.site_id_for_host(request.get_host())
    if site_id is None:  # the shared cache is down
        site_id = current_site_id()
    request.site_id = site_id
    return site_id


# ------------------------------------------------------------ generations


def _new_generation():
    # Milliseconds: if the cache loses the counter, the one it starts again
    # from is past every number used before, so no old entry comes back.
    return int(time.time() * 1000)


def _bump(key):
    try:
        cache.add(key, _new_generation(), None)
        cache.incr(key)
    except CACHE_DOWN:
        # Entries stored before the outage end by their timeout (docs/caching.md).
        log.warning("Cache down: page generation %s not moved on.", key)
    except ValueError:  # evicted between add and incr
        cache.add(key, _new_generation(), None)


def _generation_key(site_id):
    return f"pages:generation:{site_id}"


def _stock_key(site_id, slug):
    return f"pages:stock:{site_id}:" + hashlib.sha256(slug.encode()).hexdigest()


def bump_every_site():
    """Every site's pages and menus start again now (a change may show on
    any site: a variation, a sale, the Site itself); sites are few. The
    hosts' sites are shop_ext.core.sites's to forget."""
    for site_id in Site.objects.values_list("id", flat=True):
        _bump(_generation_key(site_id))


def catalogue_changed():
    """Every cached page is out of date once the current transaction commits."""
    transaction.on_commit(bump_every_site)


def stock_changed(product_ids=(), skus=()):
    """The product pages of these products, and of the stock-tracked
    variations with these SKUs (cart lines), are out of date once the
    current transaction commits (their listings show no stock). What one
    transaction changes is bumped together: one query, not one per line."""
    if not product_ids and not skus:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _StockBump(product_ids, skus)()
        return
    pending = next((c for _, c, _ in connection.run_on_commit if isinstance(c, _StockBump)), None)
    if pending is None:
        pending = _StockBump()
        transaction.on_commit(pending)
    pending.product_ids.update(product_ids)
    pending.skus.update(skus)


class _StockBump:
    """The pages stock_changed has collected in one transaction."""

    def __init__(self, product_ids=(), skus=()):
        self.product_ids, self.skus = set(product_ids), set(skus)

    def __call__(self):
        tracked = Q(variations__sku__in=self.skus, variations__num_in_stock__isnull=False)
        products = Product.objects.filter(Q(id__in=self.product_ids) | tracked).distinct()
        for site_id, slug in products.values_list("site_id", "slug"):
            _bump(_stock_key(site_id, slug))


def _generation(site_id):
    """The site's catalogue generation, started if the cache has none (None
    if the cache keeps nothing)."""
    key = _generation_key(site_id)
    generation = cache.get(key)
    if generation is None:
        cache.add(key, _new_generation(), None)
        generation = cache.get(key)
    return generation


# ------------------------------------------------------------ the clock


def _next_change(moment):
    """The next moment after ``moment`` at which a page may change by the
    clock alone: a sale, a variation's own sale (set in its inline), a
    product or a page starting or ending."""
    later = []
    for model, fields in (
        (Sale, ("valid_from", "valid_to")),
        (ProductVariation, ("sale_from", "sale_to")),
        (Product, ("publish_date", "expiry_date")),
        (Page, ("publish_date", "expiry_date")),
    ):
        for name in fields:
            found = model.objects.filter(**{f"{name}__gt": moment}).aggregate(at=Min(name))["at"]
            if found:
                later.append(found)
    return min(later, default=None)


def _valid_until(site_id, generation, moment):
    """The next clock change, computed once per generation and again when
    it has passed."""
    key = f"pages:next-change:{site_id}:{generation}"
    known = cache.get(key)
    if known is not None and (known == "never" or known > moment):
        return None if known == "never" else known
    found = _next_change(moment)
    cache.set(key, found or "never", settings.SHOP_PAGE_CACHE_SECONDS)
    return found


# ------------------------------------------------------------ menus


def _viewer(request):
    # Staff see draft pages in the menus (Mezzanine's published(for_user)).
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return "staff" if user.is_staff else "signed-in"


def _menu_position(request, page):
    """Where in the menus this address is, as Mezzanine's page_menu sees it:
    the current page (``page`` in the context, the deepest page whose URL
    the address starts with), whether the address is that page's own, and
    whether it is the home page. With no current page, no menu entry is
    the address's own (Mezzanine would have found it). A few per page,
    whatever path is asked for: a 404 adds nothing new."""
    if not isinstance(page, Page):
        return f"-\n{request.path == home_slug()}"
    return f"{page.pk}\n{page.slug == path_to_slug(request.path_info)}\n{request.path == home_slug()}"


def fragment(request, page, name, build):
    """The menus (``build()``'s HTML) of this place in the site's menus for
    this kind of viewer, from the cache: they change only with the
    catalogue, so every page built, a signed-in shopper's too, reuses them
    until it does."""
    if request is None or not settings.SHOP_PAGE_CACHE_SECONDS:
        return build()
    try:
        site_id = current_site_id()
        generation = getattr(request, "_page_cache_generation", None) or _generation(site_id)
        request._page_cache_generation = generation  # read once per request
        parts = f"{generation}\n{name}\n{_menu_position(request, page)}\n{_viewer(request)}"
        key = f"pages:menus:{site_id}:" + hashlib.sha256(parts.encode()).hexdigest()
        html = cache.get(key) if generation is not None else None
    except CACHE_DOWN:
        return build()
    if html is None:
        html = build()
        if generation is not None:
            try:
                cache.set(key, html, settings.SHOP_PAGE_CACHE_SECONDS)
            except CACHE_DOWN:
                log.warning("Cache down: menus not stored.")
    return html


# ------------------------------------------------------------ entries


def key_parameters(request):
    """(the parameters this kind of page reads, sorted, each with the value
    the views read (the last), whether the page may be stored: no other
    parameter, none repeated, every value in range)."""
    known = QUERY_PARAMETERS[request.resolver_match.url_name]
    pairs = []
    storable = True
    for name, values in request.GET.lists():
        check = known.get(name)
        if check is None:
            storable = False
            continue
        pairs.append((name, values[-1]))
        storable = storable and len(values) == 1 and check(values[-1])
    return sorted(pairs), storable


def is_common_enough(request):
    """Search results are stored once their query has been asked
    SEARCH_CACHED_AFTER times in a row in its slot, within an hour:
    one-off queries fill no entries, and their counters are at most
    SEARCH_COUNTER_SLOTS per site. Another query asked in the same slot
    starts the count again: at worst a common search is stored later."""
    query = request.GET.get("q", "")
    if request.resolver_match.url_name != "search" or not query:
        return True
    digest = hashlib.sha256(query.encode()).hexdigest()
    slot = f"pages:asked:{current_site_id()}:{int(digest, 16) % SEARCH_COUNTER_SLOTS}"
    last_digest, times = cache.get(slot) or ("", 0)
    times = times + 1 if last_digest == digest else 1
    cache.set(slot, (digest, times), SEARCH_COUNTER_SECONDS)
    return times >= SEARCH_CACHED_AFTER


def page_key(request, pairs):
    """The entry's key, or None if the generations cannot be read."""
    site_id = _site_id(request)
    generation = _generation(site_id)
    if generation is None:
        return None
    parts = [str(site_id), request.scheme, request.get_host(), request.path, urlencode(pairs)]
    if request.resolver_match.url_name == "shop_product":
        stock_key = _stock_key(site_id, request.resolver_match.kwargs.get("slug", ""))
        stock_generation = cache.get(stock_key)
        if stock_generation is None:
            # Started only when the page is stored (a product that
            # exists): an unknown slug adds no counter. Chosen now, as
            # _generation() does, past any number used before.
            stock_generation = _new_generation()
            request._page_cache_new_stock = (stock_key, stock_generation)
        parts.append(str(stock_generation))
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    request._page_cache_site = site_id
    request._page_cache_generation = generation
    return f"pages:v{ENTRY_FORMAT}:{site_id}:{generation}:{digest}"


def stored_page(key):
    """(the page stored under ``key``, the moment it stops being served),
    or None if there is none or that moment has come."""
    entry = cache.get(key)
    if entry is None or (entry["until"] is not None and timezone.now() >= entry["until"]):
        return None
    response = HttpResponse(entry["content"], status=200)
    for name, value in entry["headers"]:
        response[name] = value
    return response, entry["until"]


def store_page(request, response, key):
    """Stores the page under the key page_key() gave for this request,
    noting on the request until when it is served (``_page_cache_until``);
    False if the cache is down."""
    moment = timezone.now()
    try:
        new_stock = getattr(request, "_page_cache_new_stock", None)
        if new_stock is not None and not cache.add(*new_stock, None):
            return False  # stock moved on (or another request started it) meanwhile
        until = _valid_until(request._page_cache_site, request._page_cache_generation, moment)
        seconds = settings.SHOP_PAGE_CACHE_SECONDS
        if until is not None:
            seconds = min(seconds, max(1, int((until - moment).total_seconds()) + 1))
        entry = {
            "content": response.content,
            "headers": [(name, response[name]) for name in STORED_HEADERS if name in response],
            "until": until,
        }
        cache.set(key, entry, seconds)
    except CACHE_DOWN:
        log.warning("Cache down: page not stored.")
        return False
    request._page_cache_until = until
    return True
