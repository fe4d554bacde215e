"""Which products a category page lists, and what their cards say.

Cartridge's ``Category.filters()`` matches any variation, even one that
cannot be bought (an eBook with no file, a format with no price), so a
format page listed books without that format, and a card showed the
default variation's price (the paperback's on the ebooks page). Here:

* a filter (format, price range, sale) matches only *purchasable*
  variations: priced, and, for a format that promises files, delivering one;
* a page lists its own products and those of its published sub-pages
  ("Books" shows Fiction and Non-fiction);
* a card shows the price of the variation that matched the page's filter,
  elsewhere the cheapest with "from" when formats differ, and the old price
  struck through when it is on sale.
"""

from collections import defaultdict
from functools import reduce
from operator import iand, ior

from cartridge.shop.models import Category, Product, ProductVariation
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.http import urlencode
from django.utils.timezone import now

from shop_ext.catalogue import covers
from shop_ext.catalogue.availability import digital_summaries, format_field
from shop_ext.catalogue.format_cards import FORMAT_PARAMETER, format_slug
from shop_ext.models import ProductFile


def purchasable_variations():
    """Variations that can be put in a cart, stock aside."""
    promised = (*settings.SHOP_DIGITAL_FORMATS, *settings.SHOP_BUNDLE_FORMATS)
    named_file = ProductFile.variations.through.objects.filter(productvariation_id=OuterRef("pk"))
    product_file = ProductFile.objects.filter(product_id=OuterRef("product_id"), for_all_variations=True)
    return ProductVariation.objects.filter(unit_price__isnull=False, product__available=True).filter(
        ~Q(**{f"{format_field()}__in": promised}) | Exists(named_file) | Exists(product_file)
    )


def variation_filter(category, options=None):
    """The category's option, sale and price filters as one Q on variations
    (combined: all must hold for one variation; else any), or None.
    ``options``: ProductOptions to use instead of the saved ones."""
    filters = []
    fields = defaultdict(list)
    for option in category.options.all() if options is None else options:
        fields[f"option{option.type}"].append(option.name)
    if fields:
        filters.append(Q(**{f"{name}__in": values for name, values in fields.items()}))
    moment = now()
    sale_running = (Q(sale_from__isnull=True) | Q(sale_from__lte=moment)) & (
        Q(sale_to__isnull=True) | Q(sale_to__gte=moment)
    )
    if category.sale_id:
        filters.append(Q(sale_id=category.sale_id) & sale_running)
    prices = []
    if category.price_min:
        prices.append(
            Q(unit_price__gte=category.price_min) | Q(sale_price__gte=category.price_min) & sale_running
        )
    if category.price_max:
        prices.append(
            Q(unit_price__lte=category.price_max) | Q(sale_price__lte=category.price_max) & sale_running
        )
    if prices:
        filters.append(reduce(iand, prices))
    if not filters:
        return None
    return reduce(iand if category.combined else ior, filters)


def hand_picked_categories():
    """Category pages that list products chosen by hand only (no format,
    price or sale filter): the ones a product's own page may put it on."""
    return Category.objects.filter(
        options__isnull=True, sale__isnull=True, price_min__isnull=True, price_max__isnull=True
    )


def _own_products(category, options=None, picks=None):
    """The page's own products as a Q. Saved picks stay subqueries (a page
    may pick thousands of products: no id list goes through Python)."""
    if picks is None:
        saved = Category.products.through.objects.filter(category_id=category.id)
        chosen, no_picks = Q(id__in=saved.values("product_id")), ~Q(Exists(saved))
    else:
        picks = list(picks)
        chosen = Q(id__in=picks)
        no_picks = Q(id__isnull=bool(picks))  # always true without picks, never with them
    matching = variation_filter(category, options)
    if matching is None:
        return chosen
    matched = Q(id__in=purchasable_variations().filter(matching).values("product_id"))
    # Combined: picks, if any, narrow the filter's matches; else either lists.
    return matched & (chosen | no_picks) if category.combined else matched | chosen


def sub_categories(category, user=None):
    """The category's published sub-categories, at every depth."""
    found = []
    level = [category.id] if category.id else []
    while level:
        children = list(Category.objects.published(for_user=user).filter(parent_id__in=level))
        found += children
        level = [c.id for c in children]
    return found


def category_products(category, user=None, options=None, picks=None):
    """Published products the category page lists (unordered). ``options``
    and ``picks`` (ids of products chosen by hand) stand in for the saved
    ones: the admin counts what an edited page will list before it is saved."""
    listed = reduce(
        ior,
        [_own_products(category, options, picks)]
        + [_own_products(c) for c in sub_categories(category, user)],
    )
    # Only id__in subqueries: no join, so no duplicate rows (and no DISTINCT
    # over every column of thousands of products).
    return Product.objects.published(for_user=user).filter(listed)


def annotate(products, matching=None):
    """Set, on each listed product, ``digital_summary`` and the card's
    price: ``card_variation`` (the cheapest purchasable variation, among
    those matching ``matching`` when given) and ``card_from`` (other
    variations considered cost more), and ``card_url``: the product's page,
    opened on the card's format when a filter chose it (the ebooks page's
    card opens on the eBook, at the price it showed); ``cover_widths``: the
    WebP versions its cover has (covers.py). Four queries whatever the number."""
    products = [p for p in products if not hasattr(p, "digital_summary")]
    if not products:
        return
    ids = [p.id for p in products]
    summaries = digital_summaries(ids)
    cover_widths = covers.widths_for(products)
    variations = purchasable_variations().filter(product_id__in=ids)
    if matching is not None:
        variations = variations.filter(matching)
    prices = {}
    fmt = format_field()
    for variation in variations.only("product_id", "unit_price", "sale_price", "sale_from", "sale_to", fmt):
        prices.setdefault(variation.product_id, []).append(variation)
    for product in products:
        product.digital_summary = summaries.get(product.id)
        product.cover_widths = cover_widths.get(product.id, ())
        candidates = sorted(prices.get(product.id, []), key=lambda v: v.price())
        product.card_variation = candidates[0] if candidates else None
        product.card_from = len({v.price() for v in candidates}) > 1
        product.card_url = product.get_absolute_url()
        chosen_format = getattr(product.card_variation, fmt, None) if matching is not None else None
        if chosen_format:
            product.card_url += "?" + urlencode({FORMAT_PARAMETER: format_slug(chosen_format)})
