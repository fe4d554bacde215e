from cartridge.shop import views as cartridge_views
from django.db.models import prefetch_related_objects
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from mezzanine.conf import settings
from mezzanine.utils.views import paginate

from shop_ext.catalogue import availability, format_cards
from shop_ext.catalogue import search as catalogue_search
from shop_ext.catalogue.forms import AddToCartForm


def product(request, slug):
    """Cartridge's product page, told which formats can be bought now."""
    response = cartridge_views.product(request, slug, form_class=AddToCartForm)
    if isinstance(response, TemplateResponse):
        context = response.context_data
        variations = list(context["variations"])
        # Each format's ISBN in one query, for the list and the cards (not one per format).
        prefetch_related_objects(variations, "isbn_record")
        context["variations"] = variations
        product = context["product"]
        # Read once for the availability, the badge and the format cards.
        files = availability.files_of_products([product.id])
        delivering = availability.delivering_ids(variations, files)
        reasons = availability.unavailable_reasons(variations, delivering)
        context["unavailable_skus"] = {sku: reason for sku, reason in reasons.items() if reason}
        context["kinds"] = availability.line_kinds(variations, delivering)
        context["digital_summary"] = availability.digital_summary(variations, files)
        form = context["add_product_form"]
        fmt = availability.format_field()
        cards = format_cards.format_cards(
            variations,
            context["kinds"],
            reasons,
            files,
            requested=request.GET.get(format_cards.FORMAT_PARAMETER),
            posted=form.data.get(fmt) if form.is_bound else None,
        )
        context["format_cards"] = cards
        context["format_field_name"] = fmt
        # The cards are the format field; the form renders the others.
        context["other_fields"] = [f for f in form if not (cards and f.name == fmt)]
        context["categories"] = product_categories(product, request.user)
    return response


def product_categories(product, user):
    """The breadcrumb's trail to a product: its first published category
    page (hand-picked), with that page's parents."""
    category = product.categories.published(for_user=user).order_by("_order", "id").first()
    if category is None:
        return []
    return [*category.get_ascendants(for_user=user)[::-1], category]


def search(request):
    """Products (title, author, ISBN, description, category) and pages
    matching the query; a query too long or an unknown sort is a 400 that
    says so, on the results page."""
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "relevance")
    sort_options = [(key, label) for key, (label, _order) in catalogue_search.SORTS.items()]
    context = {"query": query, "sort": sort, "sort_options": sort_options, "pages": [], "results": None}
    if sort not in catalogue_search.SORTS:
        context["error"] = _("Unknown sort order: choose one of the sorts offered.")
        return TemplateResponse(request, "search_results.html", context, status=400)
    try:
        products = catalogue_search.search_products(query, request.user, sort)
        context["pages"] = catalogue_search.search_pages(query, request.user)
    except catalogue_search.QueryTooLong as error:
        context["error"] = str(error)
        return TemplateResponse(request, "search_results.html", context, status=400)
    context["results"] = paginate(
        products, request.GET.get("page", 1), settings.SEARCH_PER_PAGE, settings.MAX_PAGING_LINKS
    )
    return TemplateResponse(request, "search_results.html", context)
