"""Free samples: anyone downloads a product's sample (ProductSample) from
its page, without buying. Sent by the web server like every paid file
(shop_ext.delivery.sending: X-Accel-Redirect), never a buyer's stamped
copy, and never counted against an order: no grant, no attempt, no row in
the download log. Each client address has SHOP_SAMPLES_PER_CLIENT_PER_HOUR
samples an hour (counted atomically in the shared cache); every sample
sent is logged."""

import logging

from cartridge.shop.models import Product
from django.conf import settings
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from mezzanine.utils.sites import current_site_id

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.middleware import without_page
from shop_ext.core.net import client_ip
from shop_ext.core.ratelimit import count_use
from shop_ext.delivery.sending import file_response
from shop_ext.delivery.views import attachment_disposition, name_for_nginx
from shop_ext.models import ProductSample

log = logging.getLogger(__name__)


def _over_limit(request):
    key = f"shop_ext:samples:{current_site_id()}:{client_ip(request)}"
    try:
        return count_use(key, 3600) > settings.SHOP_SAMPLES_PER_CLIENT_PER_HOUR
    except CACHE_DOWN:
        return False  # the limit needs the cache; a sample does not


@never_cache
@without_page
def download_sample(request, product_id):
    published = Product.objects.published(for_user=request.user)
    sample = (
        ProductSample.objects.select_related("product", "product_file__current_version")
        .filter(product__in=published, product_id=product_id)
        .first()
    )
    if sample is None:
        raise Http404("No such sample.")
    if _over_limit(request):
        context = {"reason": _("Too many samples from your connection. Please try again later.")}
        return TemplateResponse(request, "shop_ext/sample_refused.html", context, status=429)
    stored_name, content_type, suffix = sample.sent()
    filename = f"{slugify(sample.product.title, allow_unicode=True) or 'book'}-sample{suffix.lower()}"
    response = file_response(request, stored_name, content_type, attachment_disposition(filename))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if response.has_header("X-Accel-Redirect"):
        del response["Content-Length"]  # nginx sends the body and its length
        name_for_nginx(response)
    if request.method != "HEAD":
        log.info("Sample of product %s (%s) sent to %s", sample.product_id, stored_name, client_ip(request))
    return response
