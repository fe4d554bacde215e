"""What the "your files are ready" email says: each file with its link."""

from django.urls import reverse

from shop_ext.core.links import absolute_url, site_url
from shop_ext.delivery.access import grant_decision
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, is_update, served_version
from shop_ext.models import OrderDelivery


def download_lines(order, user):
    """The order's lines that deliver files, each with its grants and, per
    grant, whether ``user`` may download it now and why not, the version it
    serves (``served``) and whether that is an update of what was bought."""
    lines = []
    grants = order.download_grants.select_related("order_item", "order__delivery", *SERVED_VERSION_RELATED)
    for grant in grants:
        if not lines or lines[-1]["item"].pk != grant.order_item_id:
            lines.append({"item": grant.order_item, "grants": []})
        grant.decision = grant_decision(user, grant)
        grant.served = served_version(grant)
        grant.updated = is_update(grant, grant.served)
        grant.url = reverse("shop_ext:download_file", args=[order.pk, grant.pk])
        grant.absolute_url = absolute_url(grant.url)
        lines[-1]["grants"].append(grant)
    return lines


def files_email_context(order, buyer):
    """What the "your files are ready" email shows ``buyer`` (sent by
    shop_ext.orders.emails)."""
    return {
        "order": order,
        "delivery": OrderDelivery.objects.get(order=order),
        "lines": download_lines(order, buyer),
        "zip_url": absolute_url(reverse("shop_ext:download_zip", args=[order.pk])),
        "history_url": absolute_url(reverse("shop_order_history")),
        "site_url": site_url(),
    }
