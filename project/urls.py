from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from mezzanine.accounts import views as mezzanine_accounts
from mezzanine.core.sitemaps import DisplayableSitemap
from mezzanine.core.views import direct_to_template

from shop_ext.accounts import views as accounts_views
from shop_ext.catalogue import cached_forms
from shop_ext.catalogue import views as catalogue_views
from shop_ext.checkout import views as checkout_views
from shop_ext.contact import views as contact_views
from shop_ext.core import converters  # noqa: F401  (registers <shop_id:...>)
from shop_ext.core.health import health
from shop_ext.core.upstream_views import (
    admin_page_ordering,
    media_library_check_file,
    media_library_upload_file,
    set_site,
    static_proxy,
)
from shop_ext.delivery import lost_links, order_pages, samples
from shop_ext.delivery.private_links import no_referrer
from shop_ext.orders import views as order_views
from shop_ext.payments import views as payment_views

admin.autodiscover()

urlpatterns = [
    # filebrowser-safe's file probe, open to anyone and used by nothing.
    path("admin/media-library/check_file/", media_library_check_file),
    # Upstream admin endpoints that are a 500 on a missing parameter
    # (shop_ext/core/upstream_views.py); the upload is CSRF-exempt upstream.
    path("admin/media-library/upload_file/", media_library_upload_file),
    path("admin/asset_proxy/", static_proxy),
    path("admin/admin_page_ordering/", admin_page_ordering),
    path("admin/", include(admin.site.urls)),
    path("health/", health, name="health"),
    # The browser's CSRF token, for the forms of cached pages (theme/js/shop.js).
    path("csrf/", cached_forms.token, name="csrf_token"),
    # Our wrappers of Cartridge's views come before Cartridge's own URLs,
    # which they shadow.
    re_path(r"^shop/product/(?P<slug>.*)/$", catalogue_views.product, name="shop_product"),
    path("search/", catalogue_views.search, name="search"),
    path("shop/cart/", checkout_views.cart, name="shop_cart"),
    path("shop/checkout/", checkout_views.checkout, name="shop_checkout"),
    path("shop/checkout/complete/", checkout_views.complete, name="shop_complete"),
    path("shop/invoice/<shop_id:order_id>/", order_pages.invoice, name="shop_invoice"),
    # Cartridge's own patterns take any number of digits (a 500 past 2**63),
    # also other scripts' (Arabic-Indic ...), which would skip our checks:
    # an id out of range or not in ASCII digits is no order, as anywhere else.
    path(
        "shop/invoice/<shop_id:order_id>/resend/",
        order_views.invoice_resend,
        name="shop_invoice_resend",
    ),
    re_path(r"^shop/invoice/\d+/(resend/)?$", order_views.no_such_order),
    # Card payments: the return page, paying again, Stripe's webhook.
    path("shop/payment/", include("shop_ext.payments.urls")),
    path("shop/", include("cartridge.shop.urls")),
    path("account/orders/", order_pages.order_history, name="shop_order_history"),
    path("account/orders/claim/", order_views.send_claim_link, name="shop_send_claim_link"),
    path("account/orders/claim/<str:token>/", order_views.claim_orders, name="shop_claim_orders"),
    path("account/orders/", include("shop_ext.urls")),
    path("account/downloads/resend/", lost_links.lost_links, name="lost_links"),
    # The "contact" page's form; the page's text comes from the page tree.
    path("contact/", contact_views.contact, name="contact"),
    # A product's free sample, for anyone (shop_ext/delivery/samples.py).
    path("samples/<shop_id:product_id>/", samples.download_sample, name="download_sample"),
    # The buyer's library and its OPDS feed (shop_ext/delivery/library_urls.py).
    path("account/library/", include("shop_ext.delivery.library_urls")),
    # An order's private link: no account needed (shop_ext.delivery.private_links).
    # Everything under it carries the token, which the logs hide (shop_ext/core/logging.py).
    path(
        "orders/<shop_id:order_id>/<private_token:token>/pay-again/",
        no_referrer(payment_views.retry_payment),
        name="shop_payment_retry_by_link",
    ),
    path("orders/", include("shop_ext.delivery.private_urls")),
    # Mezzanine's page told which accounts exist (shop_ext/accounts/views.py).
    path("accounts/password/reset/", accounts_views.password_reset, name="mezzanine_password_reset"),
    # Mezzanine's account pages, with a safe `next` and an empty POST
    # answered (shop_ext/accounts/views.py); sign-out by POST only.
    path("accounts/login/", accounts_views.login, name="login"),
    path("accounts/signup/", accounts_views.signup, name="signup"),
    path("accounts/logout/", accounts_views.logout, name="logout"),
    # The rest of mezzanine.urls that the shop uses; every route is listed,
    # with its reason, in tests/integration/core/url_allowlist.py.
    # The links in Mezzanine's emails (sign-up check, password reset; their
    # tokens are hidden in the logs) and the page a reset link leads to.
    re_path(
        r"^accounts/verify/(?P<uidb36>[-\w]+)/(?P<token>[-\w]+)/$",
        mezzanine_accounts.signup_verify,
        name="signup_verify",
    ),
    re_path(
        r"^accounts/password/verify/(?P<uidb36>[-\w]+)/(?P<token>[-\w]+)/$",
        mezzanine_accounts.password_reset_verify,
        name="password_reset_verify",
    ),
    path("accounts/update/", mezzanine_accounts.profile_update, name="profile_update"),
    # The admin sign-in page's "Forgot password?" link: ours, not Django's.
    path(
        "password_reset/",
        RedirectView.as_view(pattern_name="mezzanine_password_reset"),
        name="password_reset",
    ),
    # The admin header's site menu (several sites only).
    path("set_site/", set_site, name="set_site"),
    path("sitemap.xml", sitemap, {"sitemaps": {"all": DisplayableSitemap}}),
    path("", direct_to_template, {"template": "index.html"}, name="home"),
    # Mezzanine's catch-all for pages (categories) must stay last.
    path("", include("mezzanine.pages.urls")),
]

handler404 = "mezzanine.core.views.page_not_found"
# Mezzanine's error page, or a page made without the database when it is the cause.
handler500 = "shop_ext.core.outage.server_error"
