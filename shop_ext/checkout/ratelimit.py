"""A limit on failed discount codes, so codes cannot be guessed by brute force.

Failures are counted in Django's cache per session and, more generously,
per client address, in fixed windows. Once a limit is reached every code is
refused (a valid one too: accepting it would tell the guesser it is right)
until the window ends. With several app servers the cache must be shared:
production counts in Redis (CACHE_URL). While the cache is down the limit
is not applied, and each check logs an error (docs/security.md: a code must
still be valid, and its uses are counted in the database).

Settings: SHOP_DISCOUNT_MAX_FAILURES (per session),
SHOP_DISCOUNT_MAX_FAILURES_PER_IP and SHOP_DISCOUNT_FAILURE_WINDOW (seconds),
declared in project/settings/base.py.
"""

import logging
import math

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from shop_ext.catalogue import discounts
from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.net import client_ip
from shop_ext.core.ratelimit import count_use

log = logging.getLogger(__name__)


def too_many_message():
    """The refusal, naming the longest wait: a window starts with its first failure."""
    minutes = math.ceil(settings.SHOP_DISCOUNT_FAILURE_WINDOW / 60)
    return ngettext(
        "Too many invalid discount codes were tried. "
        "Please wait %(minutes)d minute before trying another code.",
        "Too many invalid discount codes were tried. "
        "Please wait %(minutes)d minutes before trying another code.",
        minutes,
    ) % {"minutes": minutes}


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
    keys = _keys(request)
    try:
        counts = cache.get_many([key for _kind, key in keys])
    except CACHE_DOWN:
        log.exception("Cache unavailable: the discount-code limit is not applied")
        return False
    limits = {
        "session": settings.SHOP_DISCOUNT_MAX_FAILURES,
        "ip": settings.SHOP_DISCOUNT_MAX_FAILURES_PER_IP,
    }
    return any(counts.get(key, 0) >= limits[kind] for kind, key in keys)


def record_failure(request):
    log.info("Invalid discount code tried from %s", client_ip(request))
    try:
        for _kind, key in _keys(request):
            count_use(key, settings.SHOP_DISCOUNT_FAILURE_WINDOW)
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
            raise forms.ValidationError(too_many_message())
        try:
            self._discount = discounts.valid_code(code, request.cart)
        except discounts.CodeRefused as refusal:
            record_failure(request)
            if is_blocked(request):
                raise forms.ValidationError(too_many_message()) from None
            raise forms.ValidationError(str(refusal)) from None
        return self._discount.code
