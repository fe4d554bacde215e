from cartridge.shop import views as cartridge_views
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from mezzanine.conf import settings
from mezzanine.utils.views import paginate

from shop_ext.catalogue import availability
from shop_ext.catalogue import search as catalogue_search
from shop_ext.catalogue.forms import AddToCartForm


def product(request, slug):
    """Cartridge's product page, told which formats can be bought now."""
    response = cartridge_views.product(request, slug, form_class=AddToCartForm)
    if isinstance(response, TemplateResponse):
        context = response.context_data
        variations = list(context["variations"])
        delivering = availability.delivering_ids(variations)
        reasons = availability.unavailable_reasons(variations, delivering)
        context["unavailable_skus"] = {sku: reason for sku, reason in reasons.items() if reason}
        context["kinds"] = availability.line_kinds(variations, delivering)
        context["digital_summary"] = availability.digital_summaries([context["product"].id]).get(
            context["product"].id
        )
    return response


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
