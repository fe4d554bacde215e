from cartridge.shop.views import order_history
from django.contrib import admin
from django.urls import include, path, re_path
from mezzanine.core.views import direct_to_template

from shop_ext import views as shop_views

# --- hardening (shop_ext/cart.py, shop_ext/security.py) ---
from mezzanine.accounts.views import login as mezzanine_login  # noqa: E402
from shop_ext.cart import cart as shop_cart  # noqa: E402
from shop_ext.security import LoginForm  # noqa: E402

hardening_urlpatterns = [
    # Cart update: deleted variations, availability, quantity cap; failed
    # discount codes rate-limited.
    path("shop/cart/", shop_cart, name="shop_cart"),
    # Mezzanine's login form with the request passed to django-axes.
    re_path(r"^accounts/login/$", mezzanine_login, {"form_class": LoginForm}, name="login"),
]
# --- end hardening ---

admin.autodiscover()

urlpatterns = [
    path("admin/", include(admin.site.urls)),
    *hardening_urlpatterns,  # before the Cartridge and Mezzanine includes they shadow
    # Our wrappers of Cartridge's product and checkout views come before
    # Cartridge's own URLs, which they shadow.
    re_path(r"^shop/product/(?P<slug>.*)/$", shop_views.product, name="shop_product"),
    path("shop/checkout/", shop_views.checkout, name="shop_checkout"),
    path("shop/", include("cartridge.shop.urls")),
    path("account/orders/", order_history, name="shop_order_history"),
    path("", direct_to_template, {"template": "index.html"}, name="home"),
    # Mezzanine's catch-all for pages (categories) must stay last.
    path("", include("mezzanine.urls")),
]

handler404 = "mezzanine.core.views.page_not_found"
handler500 = "mezzanine.core.views.server_error"
