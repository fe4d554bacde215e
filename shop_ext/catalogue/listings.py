"""What a product card in a listing shows beyond Cartridge's fields."""

from cartridge.shop.models import ProductVariation

from shop_ext.catalogue.availability import digital_summaries


def annotate(products):
    """Set ``digital_summary`` and ``lowest_price`` on listed products, in
    three queries whatever their number. ``lowest_price`` is the cheapest
    variation's current price when it is below the product's own (the
    default variation's), e.g. the eBook of a paperback: price filters match
    any variation, so a card must show why it is listed under "Under $10"."""
    products = [p for p in products if not hasattr(p, "digital_summary")]
    if not products:
        return
    ids = [p.id for p in products]
    summaries = digital_summaries(ids)
    lowest = {}
    variations = ProductVariation.objects.filter(product_id__in=ids, unit_price__isnull=False).only(
        "product_id", "unit_price", "sale_price", "sale_from", "sale_to"
    )
    for variation in variations:
        price = variation.price()
        if variation.product_id not in lowest or price < lowest[variation.product_id]:
            lowest[variation.product_id] = price
    for product in products:
        product.digital_summary = summaries.get(product.id)
        cheapest = lowest.get(product.id)
        below = cheapest is not None and product.has_price() and cheapest < product.price()
        product.lowest_price = cheapest if below else None
