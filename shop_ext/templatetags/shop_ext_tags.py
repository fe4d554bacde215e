from django import template

from shop_ext.models import DownloadGrant
from shop_ext.orders import PAID_STATUSES

register = template.Library()


@register.simple_tag
def download_note(order):
    """One sentence for receipts about an order's files: ready, or coming
    once payment arrives. Empty when the order has nothing to download."""
    if order.status in PAID_STATUSES:
        if DownloadGrant.objects.filter(order=order).exists():
            return "Your files are ready: download them from your orders page."
        return ""
    from shop_ext.catalogue.availability import files_for, variations_for_skus

    variations = variations_for_skus(order.items.values_list("sku", flat=True), site_id=order.site_id)
    if any(files_for(v).exists() for v in variations.values()):
        return "Your files will be ready to download from your account once payment arrives."
    return ""
