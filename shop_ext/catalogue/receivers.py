"""The catalogue's receivers: cached pages go out of date with what they
show, and sales follow the products and categories they cover. Connected
by importing this module in ShopExtConfig.ready().

Cached pages (page_cache.py, docs/caching.md): saving or deleting a
catalogue model, or changing one of its many-to-many relations, moves every
site's catalogue generation on once the change commits; a cart line of a
stock-tracked variation moves its product's stock generation on; and every
release's migrate starts every page again.

Sales: Cartridge applies a sale on save and on m2m_changed(post_add) of its
*products*: a sale limited to categories is applied only on its second save
(the categories are saved after the sale), removing products or categories
does not clear them, and products added to a category later never get the
sale. These receivers re-apply the sales concerned whenever a sale's
products or categories, or a category's products, change, or a variation
is saved (a new format, a new price); and clear a sale's prices when it is
deleted in bulk.

A sale's start and end need no task: Cartridge copies its dates onto the
variations and checks them whenever a price is read (``Priced.on_sale``),
and category filters check them in the query.
"""

from cartridge.shop.models import (
    CartItem,
    Category,
    Product,
    ProductImage,
    ProductOption,
    ProductVariation,
    Sale,
)
from django.contrib.sites.models import Site
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_delete
from django.dispatch import receiver
from mezzanine.conf.models import Setting
from mezzanine.generic.models import AssignedKeyword, Keyword
from mezzanine.pages.models import Page

from shop_ext.catalogue import page_cache
from shop_ext.catalogue.sale_prices import reapply
from shop_ext.catalogue.tasks import make_cover_versions
from shop_ext.core.tasks import enqueue_on_commit
from shop_ext.models import (
    CoverVersions,
    DownloadPolicy,
    ProductFile,
    ProductSample,
    SaleExclusion,
    VariationIsbn,
)

# ------------------------------------------------------------ cached pages

# What a catalogue change is made of: saving or deleting one of these (or
# a subclass: Category and every other page, Book), or changing one of
# their many-to-many relations.
CATALOGUE_MODELS = (
    Page,
    Product,
    ProductVariation,
    ProductImage,
    ProductOption,
    Sale,
    ProductFile,
    ProductSample,
    VariationIsbn,
    DownloadPolicy,
    Setting,
    Site,
    Keyword,
    AssignedKeyword,
)


def _is_catalogue_model(model):
    return isinstance(model, type) and issubclass(model, CATALOGUE_MODELS)


@receiver(post_migrate, dispatch_uid="shop_ext_pages_migrated")
def release_installed(sender, app_config=None, **kwargs):
    """Every release runs migrate (docs/deploy.md): its templates and static
    names may differ, so no page or menu an older release stored is served."""
    if app_config is not None and app_config.name == "shop_ext":
        page_cache.bump_every_site()


@receiver(post_save, dispatch_uid="shop_ext_pages_saved")
@receiver(post_delete, dispatch_uid="shop_ext_pages_deleted")
def model_changed(sender, raw=False, **kwargs):
    if not raw and _is_catalogue_model(sender):
        page_cache.catalogue_changed()


@receiver(m2m_changed, dispatch_uid="shop_ext_pages_m2m")
def relation_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and any(
        _is_catalogue_model(field.related_model) for field in sender._meta.get_fields() if field.is_relation
    ):
        page_cache.catalogue_changed()


@receiver(post_save, sender=ProductImage, dispatch_uid="shop_ext_cover_versions")
def cover_saved(sender, instance, raw=False, **kwargs):
    """Its WebP versions (covers.py) are made by a worker once the save
    commits; until then (the file may have changed) pages show the original."""
    if raw:
        return
    CoverVersions.objects.filter(image=instance).delete()
    if instance.file:
        enqueue_on_commit(make_cover_versions, instance.pk)


@receiver(post_save, sender=CartItem, dispatch_uid="shop_ext_pages_cart_saved")
@receiver(post_delete, sender=CartItem, dispatch_uid="shop_ext_pages_cart_deleted")
def cart_line_changed(sender, instance, raw=False, **kwargs):
    # A product page counts copies held in carts as gone ("Sold out").
    if not raw:
        page_cache.stock_changed(skus={instance.sku})


# ------------------------------------------------------------ sales

SALE_FIELDS = {Sale.categories.through: "sale_related", Sale.products.through: "sale_set"}


@receiver(m2m_changed, sender=Sale.categories.through, dispatch_uid="shop_ext_sale_categories")
@receiver(m2m_changed, sender=Sale.products.through, dispatch_uid="shop_ext_sale_products")
def sale_coverage_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        instance._shop_ext_cleared_sales = list(
            getattr(instance, SALE_FIELDS[sender]).values_list("pk", flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_add" and sender is Sale.products.through:
        # A product picked for a sale by hand is no longer taken off it.
        sales, products = ([instance.pk], pk_set) if not reverse else (pk_set, [instance.pk])
        SaleExclusion.objects.filter(sale__in=sales, product__in=products).delete()
    if not reverse:
        reapply([instance])
    elif action == "post_clear":
        reapply(getattr(instance, "_shop_ext_cleared_sales", []))
    else:
        reapply(pk_set or [])


@receiver(m2m_changed, sender=Product.categories.through, dispatch_uid="shop_ext_category_products")
def category_products_changed(sender, instance, action, pk_set, **kwargs):
    # product.categories or category.products (both use this table).
    is_category = isinstance(instance, Category)
    if action == "pre_clear":
        instance._shop_ext_cleared = (
            [instance.pk] if is_category else list(instance.categories.values_list("pk", flat=True))
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        category_ids = getattr(instance, "_shop_ext_cleared", [])
    elif is_category:
        category_ids = [instance.pk]
    else:
        category_ids = list(pk_set or [])
    if category_ids:
        reapply(Sale.objects.filter(categories__in=category_ids).values_list("pk", flat=True).distinct())


@receiver(pre_delete, sender=Sale, dispatch_uid="shop_ext_sale_clear")
def clear_deleted_sale(sender, instance, **kwargs):
    # Sale.delete() clears its prices, a queryset delete (the admin's
    # "delete selected") does not.
    instance._clear()


def sales_covering(product_id):
    """Active sales whose products or categories include this product."""
    categories = Product.categories.through.objects.filter(product_id=product_id).values("category_id")
    return (
        Sale.objects.filter(active=True)
        .filter(Q(products=product_id) | Q(categories__in=categories))
        .values_list("pk", flat=True)
        .distinct()
    )


@receiver(post_save, sender=ProductVariation, dispatch_uid="shop_ext_variation_sale")
def variation_saved(sender, instance, raw=False, **kwargs):
    # The admin saves a new book's formats, then their prices: each save
    # brings the variation under the sales that cover its product.
    if not raw:
        reapply(sales_covering(instance.product_id))
