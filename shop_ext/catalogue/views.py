from cartridge.shop import views as cartridge_views
from django.template.response import TemplateResponse

from shop_ext.catalogue import availability
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
