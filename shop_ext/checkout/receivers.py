"""One copy of a download per cart. Cartridge adds to a line's quantity
from the product page, the wishlist and the cart page alike, and starts a
second line for the same SKU when its price changed in between; every one
of them saves a CartItem, so the rule sits there, whatever asked for more.
``keep_one_copy`` applies it again at checkout, to carts saved before.
Connected in ShopExtConfig.ready()."""

from cartridge.shop.models import CartItem
from django.contrib import messages
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from mezzanine.core.request import current_request

from shop_ext.catalogue.availability import cart_variations, is_digital_only, variations_for_skus


def _is_download(sku):
    variation = variations_for_skus([sku]).get(sku)
    return variation is not None and is_digital_only(variation)


def _tell(description):
    request = current_request()
    if request is not None:
        messages.info(
            request,
            _("%(line)s: a download is yours to keep after one purchase, so your cart has one copy.")
            % {"line": description},
        )


@receiver(pre_save, sender=CartItem)
def one_copy_of_a_download(sender, instance, **kwargs):
    if instance.quantity <= 1 or not _is_download(instance.sku):
        return
    instance.quantity = 1
    instance.total_price = instance.unit_price  # CartItem.save priced the larger quantity
    _tell(instance.description)


@receiver(post_save, sender=CartItem)
def one_line_per_download(sender, instance, created, **kwargs):
    """The newest line (at today's price) stands for a download added twice."""
    if not created or not _is_download(instance.sku):
        return
    older = CartItem.objects.filter(cart_id=instance.cart_id, sku=instance.sku).exclude(pk=instance.pk)
    if older.delete()[0]:
        _tell(instance.description)


def keep_one_copy(cart):
    """Apply the rule to ``cart`` as it stands; True if it changed."""
    items = sorted(cart, key=lambda item: item.id, reverse=True)  # the newest line of a SKU stays
    variations = cart_variations(cart)
    downloads = {sku for sku, variation in variations.items() if is_digital_only(variation)}
    changed, seen = False, set()
    for item in (item for item in items if item.sku in downloads):
        if item.sku in seen:
            item.delete()
            _tell(item.description)
            changed = True
        elif item.quantity > 1:
            item.save()  # one_copy_of_a_download sets it to one, and says so
            changed = True
        seen.add(item.sku)
    return changed
