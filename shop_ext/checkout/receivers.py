"""One copy of a download per cart. Cartridge adds to a line's quantity
from the product page, the wishlist and the cart page alike; every one of
them saves the CartItem, so the rule sits there, whatever asked for more.
Connected in ShopExtConfig.ready()."""

from cartridge.shop.models import CartItem
from django.contrib import messages
from django.db.models.signals import pre_save
from django.dispatch import receiver
from mezzanine.core.request import current_request

from shop_ext.catalogue.availability import is_digital_only, variations_for_skus


@receiver(pre_save, sender=CartItem)
def one_copy_of_a_download(sender, instance, **kwargs):
    if instance.quantity <= 1:
        return
    variation = variations_for_skus([instance.sku]).get(instance.sku)
    if variation is None or not is_digital_only(variation):
        return
    instance.quantity = 1
    instance.total_price = instance.unit_price  # CartItem.save priced the larger quantity
    request = current_request()
    if request is not None:
        messages.info(
            request,
            f"{instance.description}: a download is yours to keep after one purchase, "
            "so your cart has one copy.",
        )
