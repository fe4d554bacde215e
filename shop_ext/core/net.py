import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address; X-Forwarded-For is believed only when the
    request came from a proxy listed in SHOP_TRUSTED_PROXIES."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.SHOP_TRUSTED_PROXIES
    if remote in trusted:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in trusted:
                remote = hop
                break
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return None
