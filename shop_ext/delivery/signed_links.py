"""Download links signed for the browser that was shown them, so that the
download reads no session and no user (issue 33).

The signed-in buyer's order history gives each download link a key:
``?key=<time>:<signature>``, the signature an HMAC-SHA256 (Django's
TimestampSigner under SECRET_KEY: 256 bits, compared in constant time) of
the link's path, the buyer's id, the session key of the browser that was
shown the page and the buyer's password hash (signed, never shown). The
download's one query reads the grant, its order and that hash; with the
session cookie the browser sends, the view knows who asks without reading
the session or the user. So a key:

- opens only this file (or this order's zip), only for the order's buyer;
- works only with the session cookie of the browser it was made for: the
  link alone, from a log or pasted elsewhere, is no sign-in;
- ends after SHOP_SIGNED_DOWNLOAD_MINUTES, and at once when the password
  changes (as the buyer's other sessions do) or the account is
  deactivated.

A key that does not hold is ignored: the download then asks the session,
as a link without one does (a signed-out browser is sent to sign in). A key
says only who asks; the grant, order and delivery rows are read on every
download, so a revocation, refund or cancellation takes effect at once.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import OuterRef, Subquery

from shop_ext.delivery.access import SignedBuyer

# The query parameter that carries the key.
KEY = "key"
_SALT = "shop_ext.delivery.signed_links"


def _signer():
    return signing.TimestampSigner(salt=_SALT)


def _message(path, user_id, password, session_key):
    # The password's hash is signed, never shown: a new password ends the key.
    return f"{path}:{user_id}:{session_key}:{password}"


def signed(request, path):
    """``path`` (a download link of the signed-in user of ``request``) with
    a key for this browser's session; ``path`` itself when the session has
    no key yet."""
    session_key = request.session.session_key
    if session_key is None:
        return path
    message = _message(path, request.user.pk, request.user.password, session_key)
    key = _signer().sign(message)[len(message) + 1 :]
    return f"{path}?{KEY}={key}"


def buyer_password():
    """An annotation for a query of grants: the password hash of their
    order's buyer; None for a guest order or a deactivated account. With
    it, the download's one query tells whether a key holds."""
    buyers = get_user_model().objects.filter(pk=OuterRef("order__user_id"), is_active=True)
    return Subquery(buyers.values("password")[:1])


def buyer_asking(request, order, password):
    """The buyer of ``order`` (a SignedBuyer) if ``request`` carries a key
    that holds for them (``password``: buyer_password's), this path and
    the session cookie it sends; else None."""
    key = request.GET.get(KEY)
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key or not session_key or password is None:
        return None
    message = _message(request.path, order.user_id, password, session_key)
    try:
        _signer().unsign(f"{message}:{key}", max_age=settings.SHOP_SIGNED_DOWNLOAD_MINUTES * 60)
    except signing.BadSignature:  # altered, another browser's, expired (SignatureExpired)
        return None
    return SignedBuyer(order.user_id)
