"""Changes editors make to many products at once (the product list's
actions): each edit says what it would change, product by product, for the
confirmation page, and then makes exactly those changes.

Every write goes through ``save()`` or Cartridge's sale methods, so the
receivers that keep cached pages and sales in step see it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from cartridge.shop.models import Product, Sale
from django.db import transaction
from django.utils.translation import gettext as _
from mezzanine.core.models import CONTENT_STATUS_DRAFT, CONTENT_STATUS_PUBLISHED

from shop_ext.models import SaleExclusion

CENT = Decimal("0.01")
LOWEST_PRICE = Decimal("0.99")


@dataclass(frozen=True)
class Change:
    product: Product
    what: str
    before: str
    after: str


def price_ending_99(price):
    """The .99 price nearest to ``price`` (10.39 → 9.99, 10.60 → 10.99), at least 0.99."""
    rounded = (price + CENT).quantize(Decimal("1"), rounding=ROUND_HALF_UP) - CENT
    return max(rounded, LOWEST_PRICE)


def sale_price_of(sale, unit_price):
    """What the sale makes of a price (Cartridge's Sale.update_products
    rule), or None where the sale does not apply to it."""
    if sale.discount_deduct is not None:
        return unit_price - sale.discount_deduct if unit_price > sale.discount_deduct else None
    if sale.discount_percent is not None:
        return (unit_price - unit_price / 100 * sale.discount_percent).quantize(CENT)
    if sale.discount_exact is not None:
        return sale.discount_exact if unit_price > sale.discount_exact else None
    return None


def _variations(product):
    return [v for v in product.variations.all() if v.unit_price is not None]


def _label(variation):
    return str(variation).removeprefix(f"{variation.product.title} ") or variation.sku


# ---- change prices by a percentage
def price_changes(products, percent):
    factor = 1 + Decimal(percent) / 100
    return [
        Change(product, _label(v), str(v.unit_price), str(price_ending_99(v.unit_price * factor)))
        for product in products
        for v in _variations(product)
    ]


@transaction.atomic
def change_prices(products, percent):
    factor = 1 + Decimal(percent) / 100
    for product in products:
        for variation in _variations(product):
            variation.unit_price = price_ending_99(variation.unit_price * factor)
            variation.save()
        product.copy_default_variation()
    # Sales priced from the old prices are applied again to the new ones.
    for sale in Sale.objects.filter(active=True):
        sale.update_products()


# ---- sales
def sale_changes(products, sale):
    changes = []
    for product in products:
        for v in _variations(product):
            now = str(v.sale_price) if v.on_sale() else "-"
            after = sale_price_of(sale, v.unit_price)
            after = str(after) if after is not None else _("not reduced")
            changes.append(Change(product, _label(v), now, after))
    return changes


@transaction.atomic
def put_on_sale(products, sale):
    # Hand-picked again: no longer taken off it (catalogue.receivers).
    sale.products.add(*products)
    sale.save()  # Cartridge applies the sale's prices on save


def off_sale_changes(products):
    return [
        Change(product, _label(v), str(v.sale_price) if v.sale_id else "-", "-")
        for product in products
        for v in _variations(product)
    ]


@transaction.atomic
def take_off_sale(products):
    """Off every sale that covers them, whether it picked them by hand or
    lists them through a category page: out of its products, and recorded
    as taken off it (SaleExclusion), which the sale then leaves out however
    it covers them; applied again, it clears their sale prices. The
    category pages and the sale itself stay as they are for the others."""
    ids = [product.pk for product in products]
    for sale in Sale.objects.all():
        covered = list(sale.all_products().filter(pk__in=ids).values_list("pk", flat=True))
        if not covered:
            continue
        SaleExclusion.objects.bulk_create(
            [SaleExclusion(sale=sale, product_id=pk) for pk in covered], ignore_conflicts=True
        )
        sale.products.remove(*covered)
        sale.update_products()


# ---- publish, unpublish
def status_changes(products, publish):
    status = CONTENT_STATUS_PUBLISHED if publish else CONTENT_STATUS_DRAFT
    return [
        Change(product, _("Status"), product.get_status_display(), _status_label(status))
        for product in products
        if product.status != status
    ]


def _status_label(status):
    return dict(Product._meta.get_field("status").choices)[status]


@transaction.atomic
def set_published(products, publish):
    status = CONTENT_STATUS_PUBLISHED if publish else CONTENT_STATUS_DRAFT
    for product in products:
        if product.status != status:
            product.status = status
            product.save()


# ---- move to a category page
def category_changes(products, category):
    return [
        Change(product, _("Category pages"), _titles(product.categories.all()), category.title)
        for product in products
    ]


def _titles(categories):
    return "; ".join(sorted(c.title for c in categories)) or "-"


@transaction.atomic
def move_to_category(products, category, hand_picked):
    """Off the other hand-picked pages, onto ``category`` (pages that list
    by their filters are left alone)."""
    for product in products:
        product.categories.remove(*product.categories.filter(pk__in=hand_picked).exclude(pk=category.pk))
        product.categories.add(category)
