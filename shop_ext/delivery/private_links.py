"""An order's private link: its page and downloads for whoever holds the
link, on any device, with no account and no cookie.

The token is an HMAC-SHA256 (256 bits) of the order's number and a random
per-order secret (PrivateOrderLink, 128 bits) under SECRET_KEY. The
database keeps only the secret, so a copy of it opens no order; another
order's token with this order's number is simply wrong; a new secret ends
the old link. Tokens are compared in constant time and kept out of logs
(shop_ext.core.logging, deploy/nginx.conf's log format) and out of
``Referer`` (the pages send ``Referrer-Policy: no-referrer``).
"""

from functools import wraps

from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from shop_ext.delivery.access import LinkHolder
from shop_ext.models import PrivateOrderLink, new_link_secret

SALT = "shop_ext.delivery.private_links"


def _token(order_id, secret):
    return salted_hmac(SALT, f"{order_id}:{secret}", algorithm="sha256").hexdigest()


def holder_of(order):
    """The LinkHolder for ``order``'s current link (the link is made on first use)."""
    link, _made = PrivateOrderLink.objects.get_or_create(order=order)
    return LinkHolder(order.pk, _token(order.pk, link.secret))


def make_link(order):
    """Make the link of an order being placed (it has none yet), in the
    checkout's transaction: its completion page and its receipt (sent by a
    worker at the same moment) then find it instead of racing to make it."""
    PrivateOrderLink.objects.create(order=order)


def holder_for_token(order_id, token):
    """The LinkHolder if ``token`` is order ``order_id``'s current token, else None."""
    secret = PrivateOrderLink.objects.filter(order_id=order_id).values_list("secret", flat=True).first()
    return _holder(order_id, token, secret)


def holder_of_joined_link(order, token):
    """holder_for_token for ``order`` fetched with its ``private_link``
    joined (select_related): no query of its own."""
    link = getattr(order, "private_link", None)  # none made yet: RelatedObjectDoesNotExist, an AttributeError
    return _holder(order.pk, token, link.secret if link else None)


def _holder(order_id, token, secret):
    if secret is None or not constant_time_compare(token, _token(order_id, secret)):
        return None
    return LinkHolder(order_id, token)


def page_url(holder):
    return reverse("private:order", args=[holder.order_id, holder.token])


def no_referrer(view):
    """For every view under a private link: nothing it answers (the page, a
    file, a refusal, the zip's waiting page) hands the token on as a Referer."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped


def replace_links(orders):
    """New secrets for ``orders``: their old links stop working. Returns how many."""
    count = 0
    for order in orders:
        PrivateOrderLink.objects.update_or_create(order=order, defaults={"secret": new_link_secret()})
        count += 1
    return count
