"""URLs of the stock-Cartridge baseline: Cartridge's own product, cart and
checkout views (no wrappers of ours), Mezzanine's pages."""

from cartridge.shop.views import order_history
from django.contrib import admin
from django.urls import include, path
from mezzanine.core.views import direct_to_template

from shop_ext.catalogue import cached_forms
from shop_ext.contact import views as contact_views
from shop_ext.delivery import lost_links

urlpatterns = [
    path("admin/", include(admin.site.urls)),
    path("shop/", include("cartridge.shop.urls")),
    path("account/orders/", order_history, name="shop_order_history"),
    path("account/orders/", include("shop_ext.urls")),
    path("csrf/", cached_forms.token, name="csrf_token"),  # named by the site's base.html
    # Linked from the site's base.html (account menu, footer): named here, never asked for.
    path("account/library/", include("shop_ext.delivery.library_urls")),
    path("account/downloads/resend/", lost_links.lost_links, name="lost_links"),
    path("contact/", contact_views.contact, name="contact"),
    path("", direct_to_template, {"template": "index.html"}, name="home"),
    path("", include("mezzanine.urls")),
]

handler404 = "mezzanine.core.views.page_not_found"
handler500 = "mezzanine.core.views.server_error"
