"""Mezzanine's editable settings (the Setting rows of a site), read once per
process and site, not once per request (shop_ext.patches).

Each site has a version in the shared cache. A process keeps the values it
read with the version it saw before reading; a Setting saved or deleted
replaces the version at once and again after its transaction commits, so
every process reads the rows again on its next request, and none keeps
values read before the commit under the new version. With the shared cache
down, the rows are read on every request, as Mezzanine does. A process reads
them again after MAX_AGE_SECONDS whatever the version says: a change whose
new version met a cache that was down is seen within that time."""

import logging
import time
import uuid

from django.core.cache import cache
from django.db import transaction
from mezzanine.utils.sites import current_site_id

from shop_ext.core.cache import CACHE_DOWN

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60

# site id -> (version, values, when read): one entry per site of the shop.
_read = {}


def _version_key(site_id):
    return f"conf:settings-version:{site_id}"


def load(read_rows):
    """The current site's editable settings: ``read_rows()`` (Mezzanine's
    read of the database) when this process has not read them at the
    site's current version."""
    site_id = current_site_id()
    key = _version_key(site_id)
    try:
        version = cache.get(key)
        if version is None:  # never set, or evicted: a new one invalidates every process
            cache.add(key, uuid.uuid4().hex, None)
            version = cache.get(key)
    except CACHE_DOWN:
        _read.clear()  # read again once the cache is back: a change may have gone unannounced
        return read_rows()
    known = _read.get(site_id)
    now = time.monotonic()
    if known is not None and known[0] == version and now - known[2] < MAX_AGE_SECONDS:
        return dict(known[1])
    values = read_rows()
    if version is not None:
        _read[site_id] = (version, dict(values), now)
    return values


def changed(site_id):
    """A Setting of ``site_id`` was saved or deleted."""

    def new_version():
        try:
            cache.set(_version_key(site_id), uuid.uuid4().hex, None)
        except CACHE_DOWN:
            _read.pop(site_id, None)  # this process now; the others within MAX_AGE_SECONDS
            log.warning(
                "Cache down: other processes see the settings of site %s within %s s.",
                site_id,
                MAX_AGE_SECONDS,
            )

    new_version()
    transaction.on_commit(new_version)
