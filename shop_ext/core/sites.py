"""Which Mezzanine site a request's host names, from the shared cache:
Mezzanine looks the host up in the Site table on every request (its own
cache of it needs its cache middleware, which the shop does not use).

One cache entry holds every site's domain (a shop has a handful), dropped
when a Site is saved or deleted and at the latest after DOMAINS_SECONDS (a
change made without signals, or whose drop met a cache that was down); a
host that is no site's gets Mezzanine's default site, as Mezzanine gives
it, so nothing a client sends adds an entry. The page cache
(shop_ext.catalogue.page_cache) finds its pages' site here too."""

import contextlib
import os

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shop_ext.core.cache import CACHE_DOWN

DOMAINS_KEY = "sites:by-domain"
DOMAINS_SECONDS = 300

# The domains this process read last: the pages the cache holds are still
# served while the database is away, even if the entry above was evicted.
_last_known_domains = {}


def site_id_for_host(host):
    """The id of the Site whose domain is ``host`` (any case), else the
    default site's (mezzanine.utils.sites.current_site_id's fallback); None
    when the shared cache is down (Mezzanine looks it up)."""
    try:
        domains = cache.get(DOMAINS_KEY)
        if domains is None:
            domains = _read_domains()
            cache.set(DOMAINS_KEY, domains, DOMAINS_SECONDS)
    except CACHE_DOWN:
        return None
    return domains.get(host.lower()) or int(os.environ.get("MEZZANINE_SITE_ID", settings.SITE_ID))


def _read_domains():
    global _last_known_domains
    try:
        domains = {domain.lower(): pk for pk, domain in Site.objects.values_list("pk", "domain")}
    except DatabaseError:
        if not _last_known_domains:
            raise
        return _last_known_domains
    _last_known_domains = domains
    return domains


@receiver(post_save, sender=Site, dispatch_uid="shop_ext_site_saved")
@receiver(post_delete, sender=Site, dispatch_uid="shop_ext_site_deleted")
def site_changed(sender, **kwargs):
    """Read the domains again: now, and once the change is committed (a
    request in between may have stored the old ones)."""

    def forget():
        with contextlib.suppress(*CACHE_DOWN):  # nothing is read from a cache that is down
            cache.delete(DOMAINS_KEY)

    forget()
    transaction.on_commit(forget)
