"""Where every link in an email points: one rule for all of them."""

from django.conf import settings
from mezzanine.core.request import current_request


def site_url():
    """SHOP_SITE_URL, never a request's Host header. In development (DEBUG)
    the address the shopper is using, when an email is made during their
    request, so `make run` on another port does not link to :8000."""
    request = current_request() if settings.DEBUG else None
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return settings.SHOP_SITE_URL.rstrip("/")


def absolute_url(path):
    return site_url() + path
