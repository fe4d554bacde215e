from cartridge.shop.models import Category
from django.db.models import prefetch_related_objects
from mezzanine.conf import settings
from mezzanine.pages.page_processors import processor_for
from mezzanine.utils.views import paginate

from shop_ext.catalogue import listings


@processor_for(Category, exact_page=True)
def category_processor(request, page):
    """Products of a category page: sorted by a known key only, paged, and
    annotated for their cards, in a fixed number of queries: which products
    and which prices is shop_ext.catalogue.listings' rule."""
    sort_keys = [key for _label, key in settings.SHOP_PRODUCT_SORT_OPTIONS]
    category = page.category
    # The options filter is read twice (the listing, the cards' matches): one query.
    prefetch_related_objects([category], "options")
    sort_by = request.GET.get("sort")
    if sort_by not in sort_keys:
        sort_by = sort_keys[0] if sort_keys else "-date_added"
    products = listings.category_products(category, request.user).order_by(sort_by, "id")
    products = paginate(
        products,
        request.GET.get("page", 1),
        settings.SHOP_PER_PAGE_CATEGORY,
        settings.MAX_PAGING_LINKS,
    )
    products.sort_by = sort_by
    listings.annotate(products.object_list, matching=listings.variation_filter(category))
    child_categories = Category.objects.filter(id__in=category.children.published())
    sort_options = [  # the rating sort only where there are ratings
        (key, label)
        for label, key in settings.SHOP_PRODUCT_SORT_OPTIONS
        if "rating" not in key or settings.SHOP_USE_RATINGS
    ]
    return {"products": products, "child_categories": child_categories, "sort_options": sort_options}
