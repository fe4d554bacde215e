"""The "lost my links" page (/account/downloads/resend/): one email field;
that address gets the private links of its paid orders with files it can
still download. While the queue is down it sends nothing either, and says
to try again.

The answer is the same whether or not the address has orders, and the
emailing happens in a worker (shop_ext.delivery.tasks.send_lost_links), so
neither the page nor its timing tells who bought here. Asking is limited per
address and per client in the shared cache; while the cache is down the page
sends nothing (an unlimited form would let anyone flood an inbox).
"""

import hashlib
import logging

from django import forms
from django.conf import settings
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.net import client_ip
from shop_ext.core.ratelimit import count_use
from shop_ext.core.tasks import enqueue
from shop_ext.delivery.tasks import send_lost_links

log = logging.getLogger(__name__)

WINDOW = 3600


class LostLinksForm(forms.Form):
    email = forms.EmailField(
        label=_("The email address you ordered with"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _within_limits(request, email):
    """Count this request per client, then per address; False once either
    is over its limit this hour. A client over its own limit uses none of
    the address's asks (it would lock others out). Raises CACHE_DOWN."""
    per_client = count_use(f"shop_ext:lost-links:ip:{client_ip(request)}", WINDOW)
    if per_client > settings.SHOP_LOST_LINKS_PER_CLIENT_PER_HOUR:
        return False
    # The address is hashed: the cache holds no list of who asked.
    address_key = "shop_ext:lost-links:email:" + hashlib.sha256(email.encode()).hexdigest()
    return count_use(address_key, WINDOW) <= settings.SHOP_LOST_LINKS_PER_EMAIL_PER_HOUR


@never_cache
def lost_links(request):
    form = LostLinksForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, "shop_ext/lost_links.html", {"form": form}, status=status)
    email = form.cleaned_data["email"].strip().lower()
    try:
        allowed = _within_limits(request, email)
    except CACHE_DOWN:
        log.exception("Cache unavailable: the lost-links page sends nothing until it is back")
        context = {"form": form, "unavailable": True}
        return TemplateResponse(request, "shop_ext/lost_links.html", context, status=503)
    if not allowed:
        context = {"form": form, "too_many": True}
        return TemplateResponse(request, "shop_ext/lost_links.html", context, status=429)
    if not enqueue(send_lost_links, email):
        context = {"form": form, "unavailable": True}
        return TemplateResponse(request, "shop_ext/lost_links.html", context, status=503)
    return TemplateResponse(request, "shop_ext/lost_links.html", {"sent_to": email})
