"""A buyer's library as an OPDS 1.2 acquisition feed (an Atom feed), for the
reading apps that subscribe to one (KOReader, Thorium Reader, Calibre,
Aldiko, Moon+ Reader).

The apps cannot sign in, so the feed is reached with the buyer's feed
token: in its address, or as the password of HTTP Basic (any user name).
A token is 256 random bits, shown to the buyer once when made (on the
library page the POST redirects to); only its SHA-256 is stored
(LibraryFeed), so a copy of the table opens no feed. A
new token ends the old one, revoking deletes it. A wrong or revoked token
is a 404 that tells nothing, and every client address has
SHOP_LIBRARY_FEED_MISSES_PER_HOUR wrong tokens before it is refused
(429). Tokens are compared in constant time, and kept out of logs
(shop_ext.core.logging, deploy/nginx.conf) and out of Referer.

The feed's acquisition links download through the feed's token, as the
buyer (SignedBuyer): the one rule, attempts, expiry, stamped copies and
the download log of every other download (shop_ext.delivery.views)."""

import base64
import binascii
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from mezzanine.utils.sites import current_site_id

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.net import client_ip
from shop_ext.core.ratelimit import count_use
from shop_ext.delivery.access import SignedBuyer
from shop_ext.models import LibraryFeed

# An Atom feed in OPDS 1.2's terms (its section 2.1, "Acquisition Feeds").
ACQUISITION_FEED = "application/atom+xml;profile=opds-catalog;kind=acquisition"
# The token's length in URL-safe base64: 32 bytes, 256 bits.
TOKEN_LENGTH = 43


def _sha256(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user):
    """A new feed token for ``user`` (its old one ends); only its hash is kept."""
    token = secrets.token_urlsafe(32)
    LibraryFeed.objects.update_or_create(user=user, defaults={"token_sha256": _sha256(token)})
    return token


def revoke(user):
    LibraryFeed.objects.filter(user=user).delete()


def has_feed(user):
    return LibraryFeed.objects.filter(user=user).exists()


class TooManyMisses(Exception):
    """The client address has tried too many wrong tokens this hour."""


def buyer_for_token(request, token):
    """The SignedBuyer whose feed ``token`` is; None for a wrong or revoked
    one. Raises TooManyMisses past the client address's limit, whatever
    the token. Each lookup first takes one of the address's misses
    (an atomic increment, so concurrent guesses never get past the limit)
    and a right token gives it back."""
    key = f"shop_ext:library-feed-misses:{current_site_id()}:{client_ip(request)}"
    try:
        misses = count_use(key, 3600)
    except CACHE_DOWN:
        misses = None  # the limit needs the cache; the lookup does not
    if misses is not None and misses > settings.SHOP_LIBRARY_FEED_MISSES_PER_HOUR:
        raise TooManyMisses
    digest = _sha256(token) if token and len(token) == TOKEN_LENGTH else ""
    row = LibraryFeed.objects.filter(token_sha256=digest).values_list("user_id", "token_sha256").first()
    if row is None or not constant_time_compare(digest, row[1]):
        return None
    if misses is not None:
        _give_back(key)
    return SignedBuyer(row[0])


def _give_back(key):
    try:
        cache.decr(key)
    except (ValueError, *CACHE_DOWN):  # the window ended meanwhile, or the cache went
        pass


def basic_token(request):
    """The password of the request's HTTP Basic credentials (the user name
    is ignored), or None."""
    scheme, _space, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or len(credentials) > 200:
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] or None
