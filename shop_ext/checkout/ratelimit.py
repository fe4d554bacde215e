"""A limit on failed discount codes, so codes cannot be guessed by brute force.

Failures are counted in Django's cache per session and, more generously,
per client address, in fixed windows. Once a limit is reached every code is
refused (a valid one too: accepting it would tell the guesser it is right)
until the window ends. With several app servers the cache must be shared:
production counts in Redis (CACHE_URL). While the cache is down the limit
is not applied, and each check logs an error (docs/security.md: a code must
still be valid, and its uses are counted in the database).

Settings (optional): SHOP_DISCOUNT_MAX_FAILURES (per session, default 10),
SHOP_DISCOUNT_MAX_FAILURES_PER_IP (default 50), SHOP_DISCOUNT_FAILURE_WINDOW
(seconds, default 3600).
"""

import logging

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from shop_ext.catalogue import discounts
from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.net import client_ip
from shop_ext.core.ratelimit import count_use

log = logging.getLogger(__name__)

TOO_MANY = _("Too many invalid discount codes were tried. Please wait an hour before trying another code.")


def _limits():
    return (
        getattr(settings, "SHOP_DISCOUNT_MAX_FAILURES", 10),
        getattr(settings, "SHOP_DISCOUNT_MAX_FAILURES_PER_IP", 50),
        getattr(settings, "SHOP_DISCOUNT_FAILURE_WINDOW", 3600),
    )


def _keys(request):
    session = request.session
    if session.session_key is None:
        session.save()
    keys = [("session", f"shop_ext:discount-fail:s:{session.session_key}")]
    address = client_ip(request)
    if address:
        keys.append(("ip", f"shop_ext:discount-fail:ip:{address}"))
    return keys


def is_blocked(request):
    per_session, per_ip, _window = _limits()
    keys = _keys(request)
    try:
        counts = cache.get_many([key for _kind, key in keys])
    except CACHE_DOWN:
        log.exception("Cache unavailable: the discount-code limit is not applied")
        return False
    for kind, key in keys:
        limit = per_session if kind == "session" else per_ip
        if counts.get(key, 0) >= limit:
            return True
    return False


def record_failure(request):
    _per_session, _per_ip, window = _limits()
    log.info("Invalid discount code tried from %s", client_ip(request))
    try:
        for _kind, key in _keys(request):
            count_use(key, window)
    except CACHE_DOWN:
        log.exception("Cache unavailable: a failed discount code was not counted")


class DiscountRateLimitMixin:
    """For Cartridge's DiscountForm and OrderForm (both keep the request in
    ``self._request`` and validate in ``clean_discount_code``): the code is
    checked by shop_ext.catalogue.discounts.valid_code (any case, with the
    reason for a refusal), and the code as stored is what the order keeps."""

    def clean_discount_code(self):
        code = self.cleaned_data.get("discount_code", "")
        if not code:
            return code
        request = self._request
        if is_blocked(request):
            raise forms.ValidationError(TOO_MANY)
        try:
            self._discount = discounts.valid_code(code, request.cart)
        except discounts.CodeRefused as refusal:
            record_failure(request)
            if is_blocked(request):
                raise forms.ValidationError(TOO_MANY) from None
            raise forms.ValidationError(str(refusal)) from None
        return self._discount.code
