"""What a variation delivers and ships, and whether it can be bought.

These rules are used by the product page, the cart, checkout and listings,
so each lives here once.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from cartridge.shop.models import Cart, CartItem, ProductVariation
from django.conf import settings
from django.db.models import F, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from mezzanine.utils.sites import current_site_id

from shop_ext.models import ProductFile


def format_field():
    return f"option{settings.SHOP_FORMAT_OPTION_TYPE}"


def is_digital_only(variation):
    """A variation whose format ships nothing (eBook, Download)."""
    return getattr(variation, format_field(), None) in settings.SHOP_DIGITAL_FORMATS


def promises_files(variation):
    """A format that cannot be sold without files: digital-only ones and
    bundles such as "Paperback + eBook"."""
    fmt = getattr(variation, format_field(), None)
    return fmt in settings.SHOP_DIGITAL_FORMATS or fmt in settings.SHOP_BUNDLE_FORMATS


def files_for(variation):
    return ProductFile.objects.for_variation(variation)


def unavailable_reason(variation, quantity=1, in_cart=False, has_files=None):
    """Why ``quantity`` of this variation cannot be bought now, or None.

    The one availability rule, for the product page, add-to-cart, cart
    updates and every checkout step. ``in_cart``: the line already sits in
    the shopper's cart, so check real stock rather than Cartridge's "stock
    minus what sits in carts". ``has_files``: whether the variation delivers
    a file, when the caller already knows (see unavailable_reasons).
    """
    if not variation.product.available:
        return _("This product is not available for purchase.")
    if not variation.has_price():
        return _("This option has no price yet.")
    if promises_files(variation):
        if has_files is None:
            has_files = files_for(variation).exists()
        if not has_files:
            return _("This format is not available yet.")
    if is_digital_only(variation):
        return None
    stock = variation.num_in_stock
    enough = stock is None or stock >= quantity if in_cart else variation.has_stock(quantity)
    if enough:
        return None
    left = stock if in_cart else variation.live_num_in_stock()
    if not left or left <= 0:
        return _("Sold out.")
    return ngettext("Only %(count)s left in stock.", "Only %(count)s left in stock.", left) % {"count": left}


def files_of_products(product_ids):
    """The files of these products in one query, ordered by name, each with
    ``variation_ids``: the variations it names (besides ``for_all_variations``)."""
    files = {}
    rows = (
        ProductFile.objects.filter(product_id__in=product_ids)
        .annotate(variation_id=F("variations"))
        .order_by("original_filename", "id")
    )
    for row in rows:  # one row per file and variation it names (LEFT JOIN)
        kept = files.setdefault(row.id, row)
        kept.variation_ids = getattr(kept, "variation_ids", set())
        if row.variation_id is not None:
            kept.variation_ids.add(row.variation_id)
    return list(files.values())


def delivers(product_file, variation):
    """ProductFile.objects.for_variation's rule, for a file of
    files_of_products at hand."""
    return product_file.product_id == variation.product_id and (
        product_file.for_all_variations or variation.id in product_file.variation_ids
    )


def delivering_ids(variations, files=None):
    """Ids of the variations (among ``variations``) that deliver at least one
    file: the batch form of ``files_for(v).exists()``, in one query, or none
    when the caller has their products' ``files`` (files_of_products)."""
    variations = list(variations)
    if files is None:
        files = files_of_products({v.product_id for v in variations})
    return {v.id for v in variations if any(delivers(f, v) for f in files)}


def line_kinds(variations, delivering=None):
    """SKU -> "download" (ships nothing), "both" (ships and delivers files)
    or "ship", for listing cart lines, order lines or a product's formats."""
    variations = list(variations)
    if delivering is None:
        delivering = delivering_ids(variations)
    return {
        v.sku: "download" if is_digital_only(v) else ("both" if v.id in delivering else "ship")
        for v in variations
    }


def unavailable_reasons(variations, delivering=None):
    """``unavailable_reason`` of each variation of a product page, SKU ->
    reason, in two queries however many variations there are (one when the
    caller passes ``delivering`` from delivering_ids)."""
    variations = list(variations)
    if delivering is None:
        delivering = delivering_ids(variations)
    tracked = [v for v in variations if v.num_in_stock is not None]
    if tracked:
        in_carts = dict(
            CartItem.objects.filter(sku__in=[v.sku for v in tracked], cart__in=Cart.objects.current())
            .values("sku")
            .annotate(quantity=Sum("quantity"))
            .values_list("sku", "quantity")
        )
        for v in tracked:
            # Cartridge's live_num_in_stock() caches its answer here.
            v._cached_num_in_stock = v.num_in_stock - (in_carts.get(v.sku) or 0)
    return {v.sku: unavailable_reason(v, has_files=v.id in delivering) for v in variations}


def variations_for_skus(skus, site_id=None):
    """Map SKU -> variation for this site's catalogue (one query)."""
    site_id = site_id or current_site_id()
    qs = ProductVariation.objects.filter(sku__in=set(skus), product__site_id=site_id)
    return {v.sku: v for v in qs.select_related("product")}


def digital_only_skus(skus, site_id=None):
    return {sku for sku, v in variations_for_skus(skus, site_id).items() if is_digital_only(v)}


def skus_ship(skus, site_id=None):
    """True if any of these SKUs is a physical item to send; a SKU that
    matches no variation (any more) might be one, so it counts."""
    skus = set(skus)
    return bool(skus - digital_only_skus(skus, site_id))


def cart_variations(cart, site_id=None):
    """variations_for_skus for the cart's lines, read once per cart object
    and set of lines: one checkout request asks in its guard, stock check,
    forms, shipping and tax (each request has a cart object of its own)."""
    site_id = site_id or current_site_id()
    key = (frozenset(item.sku for item in cart), site_id)
    memo = getattr(cart, "_variations_by_sku", None)
    if memo is None or memo[0] != key:
        memo = (key, variations_for_skus(key[0], site_id))
        cart._variations_by_sku = memo
    return memo[1]


def cart_ships(cart):
    """True if any line of the cart is a physical item to send; a line that
    matches no variation (any more) might be one, so it counts."""
    variations = cart_variations(cart)
    return any(item.sku not in variations or not is_digital_only(variations[item.sku]) for item in cart)


def cart_has_downloads(cart):
    """True if any line of the cart delivers files (a download, or a bundle
    with one): its buyer is asked to consent to immediate delivery."""
    variations = cart_variations(cart)
    return any(item.sku in variations and promises_files(variations[item.sku]) for item in cart)


def order_ships(order):
    """True if any line of the order is a physical item to send."""
    return skus_ship(order.items.values_list("sku", flat=True), site_id=order.site_id)


@dataclass
class DigitalSummary:
    """The marker shown in listings: "eBook · EPUB, PDF · 2.3 MB"."""

    label: str
    extensions: list = field(default_factory=list)
    size: int = 0

    def __str__(self):
        parts = [self.label, ", ".join(self.extensions), filesizeformat(self.size)]
        return " · ".join(p for p in parts if p)


def digital_summaries(product_ids):
    """Summaries for many products in two queries, whatever their number."""
    fmt = format_field()
    labels = ProductVariation.objects.filter(
        product_id__in=product_ids, **{f"{fmt}__in": settings.SHOP_DIGITAL_FORMATS}
    ).values_list("product_id", fmt)
    files = ProductFile.objects.filter(product_id__in=product_ids).only(
        "product_id", "original_filename", "size"
    )
    return _summaries(labels, files)


def digital_summary(variations, files):
    """The summary of one product whose variations and files
    (files_of_products) are at hand: no query. None without files."""
    fmt = format_field()
    labels = [(v.product_id, getattr(v, fmt)) for v in variations if is_digital_only(v)]
    summaries = _summaries(labels, files)
    return next(iter(summaries.values()), None)


def _summaries(labels, files):
    """``labels``: (product id, digital format) pairs, the first of each
    product names it; ``files``: the products' files."""
    first_labels = {}
    for product_id, label in labels:
        first_labels.setdefault(product_id, label)
    by_product = defaultdict(list)
    for f in files:
        by_product[f.product_id].append(f)
    summaries = {}
    for product_id, product_files in by_product.items():
        extensions = sorted({f.extension for f in product_files if f.extension})
        summaries[product_id] = DigitalSummary(
            label=first_labels.get(product_id, _("Download")),
            extensions=extensions,
            size=sum(f.size for f in product_files),
        )
    return summaries
