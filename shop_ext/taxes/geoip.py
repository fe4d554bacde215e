"""The country of an IP address, from a GeoIP2 or GeoLite2 Country database
(SHOP_GEOIP2_DATABASE), read with MaxMind's ``maxminddb`` reader: one piece
of tax evidence (docs/taxes.md). Optional: without a database, or when it
cannot answer, the piece is missing, never an error for the shopper."""

import functools
import logging

import maxminddb
from django.conf import settings

log = logging.getLogger(__name__)


@functools.cache
def _reader(path):
    # Opened once per process and path; the file is read-only while the shop runs.
    return maxminddb.open_database(path)


def ip_country(ip):
    """The ISO code of the country ``ip`` is in, or "" (no database, an
    address it does not know, a database that cannot be read)."""
    path = settings.SHOP_GEOIP2_DATABASE
    if not (path and ip):
        return ""
    try:
        record = _reader(path).get(ip)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
        log.warning("GeoIP2 database %s cannot say where %s is: %s", path, ip, error)
        return ""
    if not isinstance(record, dict):
        return ""
    country = record.get("country") or record.get("registered_country") or {}
    code = country.get("iso_code", "") if isinstance(country, dict) else ""
    return code.upper() if isinstance(code, str) and len(code) == 2 else ""
