"""Every URL the project routes, each with why it is there.

One place for the list: ``test_routes.py`` walks the resolver and fails on
any route that is not here (ours, or one an upgrade of Django, Mezzanine or
Cartridge brings along) and on any entry that is no longer routed; the
bad-input sweep (``test_route_sweep.py``) requests every entry with junk.
It lives with the tests because only they read it: project/urls.py is what
routes, this is what we agreed it may route. A new route is added here,
with a one-line reason, in the same commit as the route.

``route`` is the full pattern as the resolver joins it (``str()`` of each
pattern along the way), ``view`` the view's dotted path
(``URLPattern.lookup_str``). ``sweep`` says how the sweep treats a route
that needs more than junk GETs and POSTs (see ``test_route_sweep.py``).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    route: str
    view: str | None  # None: any view (the admin's per-model routes)
    reason: str
    sweep: str = "junk"  # "junk", or a name test_route_sweep.py handles


SHADOWED = "shadowed by ours above it (never reached): Cartridge's include also brings the wishlist"
ACCOUNT_VIEW = "shop_ext.accounts.views._with_safe_inputs.<locals>.wrapper"

SITE = [
    Route(
        "health/",
        "shop_ext.core.health.health",
        "load balancers' health check (nginx answers it to them only)",
    ),
    Route("csrf/", "shop_ext.catalogue.cached_forms.token", "CSRF token for the forms of cached pages"),
    Route("", "mezzanine.core.views.direct_to_template", "home page"),
    Route(
        "<path:slug>/", "mezzanine.pages.views.page", "Mezzanine's pages: category pages and content pages"
    ),
    Route(
        "sitemap.xml",
        "django.contrib.sitemaps.views.sitemap",
        "published pages and products for search engines",
    ),
    Route("search/", "shop_ext.catalogue.views.search", "product search (theme's search box)"),
    # The catalogue, cart and checkout.
    Route("^shop/product/(?P<slug>.*)/$", "shop_ext.catalogue.views.product", "product page, add to cart"),
    Route("shop/cart/", "shop_ext.checkout.views.cart", "cart page, discount code"),
    Route("shop/checkout/", "shop_ext.checkout.views.checkout", "checkout steps"),
    Route("shop/checkout/complete/", "shop_ext.checkout.views.complete", "order placed page"),
    Route("shop/^product/(?P<slug>.*)/$", "cartridge.shop.views.product", SHADOWED),
    Route("shop/cart/", "cartridge.shop.views.cart", SHADOWED),
    Route("shop/checkout/", "cartridge.shop.views.checkout_steps", SHADOWED),
    Route("shop/checkout/complete/", "cartridge.shop.views.complete", SHADOWED),
    Route("shop/^invoice/(?P<order_id>\\d+)/$", "cartridge.shop.views.invoice", SHADOWED),
    Route("shop/^invoice/(?P<order_id>\\d+)/resend/$", "cartridge.shop.views.invoice_resend_email", SHADOWED),
    Route(
        "shop/wishlist/",
        "cartridge.shop.views.wishlist",
        "where Cartridge's product page redirects 'save for later' (SHOP_USE_WISHLIST off: a 404)",
    ),
    # Orders, payments, downloads.
    Route(
        "shop/invoice/<shop_id:order_id>/",
        "shop_ext.delivery.order_pages.invoice",
        "an order's invoice (buyer, staff)",
    ),
    Route(
        "shop/invoice/<shop_id:order_id>/resend/",
        "shop_ext.orders.views.invoice_resend",
        "re-send an order's email (buyer, staff)",
    ),
    Route(
        "^shop/invoice/\\d+/(resend/)?$",
        "shop_ext.orders.views.no_such_order",
        "404 for invoice ids our converter refuses, before Cartridge's patterns see them",
    ),
    Route(
        "shop/payment/<shop_id:order_id>/",
        "shop_ext.payments.views.payment_status",
        "card payment's return page",
    ),
    Route(
        "shop/payment/<shop_id:order_id>/retry/",
        "shop_ext.payments.views.retry_payment",
        "pay a failed order again",
    ),
    Route(
        "shop/payment/<shop_id:order_id>/return/<str:token>/",
        "shop_ext.payments.views.return_to_private_page",
        "Stripe's way back to a private page after paying again: a short-lived signed token, not the link's",
    ),
    Route(
        "shop/payment/webhook/stripe/",
        "shop_ext.payments.webhooks.stripe_webhook",
        "Stripe's webhook: signed POSTs only, no CSRF",
        sweep="webhook",
    ),
    Route("account/orders/", "shop_ext.delivery.order_pages.order_history", "order history with the files"),
    Route(
        "account/orders/claim/",
        "shop_ext.orders.views.send_claim_link",
        "ask for the link adding guest orders",
    ),
    Route(
        "account/orders/claim/<str:token>/",
        "shop_ext.orders.views.claim_orders",
        "that link (token hidden in logs)",
    ),
    Route(
        "account/orders/<shop_id:order_id>/files/<shop_id:grant_id>/",
        "shop_ext.delivery.views.download_file",
        "download one file (signed-in buyer)",
        sweep="download",
    ),
    Route(
        "account/orders/<shop_id:order_id>/files/all.zip",
        "shop_ext.delivery.views.download_zip",
        "download an order's files as one zip (signed-in buyer)",
        sweep="download",
    ),
    Route(
        "account/orders/download-failed/",
        "shop_ext.delivery.views.download_failed",
        "nginx's error page for a private file it could not send",
    ),
    Route("account/downloads/resend/", "shop_ext.delivery.lost_links.lost_links", "'lost my links' form"),
    Route("contact/", "shop_ext.contact.views.contact", "contact page: message to staff by email"),
    Route(
        "samples/<shop_id:product_id>/",
        "shop_ext.delivery.samples.download_sample",
        "a product's free sample, for anyone (rate-limited per client)",
        sweep="download",
    ),
    Route("account/library/", "shop_ext.delivery.library_views.library", "the buyer's library: a book once"),
    Route(
        "account/library/feed-token/",
        "shop_ext.delivery.library_views.feed_token",
        "make, rotate or revoke the library feed's token (POST)",
    ),
    Route(
        "account/library/ereader/",
        "shop_ext.delivery.library_views.save_ereader",
        "save the e-reader address",
    ),
    Route(
        "account/library/ereader/send/<shop_id:grant_id>/",
        "shop_ext.delivery.library_views.send_to_ereader",
        "mail a book to the e-reader (POST; one attempt)",
    ),
    Route(
        "account/library/opds/",
        "shop_ext.delivery.library_views.feed",
        "the library's OPDS feed, token as HTTP Basic's password",
    ),
    Route(
        "account/library/opds/files/<shop_id:order_id>/<shop_id:grant_id>/",
        "shop_ext.delivery.library_views.feed_file",
        "a feed's download, token as HTTP Basic's password",
        sweep="download",
    ),
    Route(
        "account/library/opds/<feed_token:token>/",
        "shop_ext.delivery.library_views.feed",
        "the library's OPDS feed (token hidden in logs)",
    ),
    Route(
        "account/library/opds/<feed_token:token>/files/<shop_id:order_id>/<shop_id:grant_id>/",
        "shop_ext.delivery.library_views.feed_file",
        "a feed's download by the token (hidden in logs)",
        sweep="download",
    ),
    Route(
        "orders/library/<str:key>/",
        "shop_ext.delivery.library_views.guest_library",
        "a guest's library by the signed link of the lost-links email (hidden in logs)",
    ),
    Route(
        "orders/<shop_id:order_id>/<private_token:token>/",
        "shop_ext.delivery.order_pages.private_order",
        "an order's private page (guests; token hidden in logs)",
    ),
    Route(
        "orders/<shop_id:order_id>/<private_token:token>/pay-again/",
        "shop_ext.payments.views.retry_payment",
        "pay a failed guest order again",
    ),
    Route(
        "orders/<shop_id:order_id>/<private_token:token>/files/<shop_id:grant_id>/",
        "shop_ext.delivery.views.download_file",
        "download one file by the private link",
        sweep="download",
    ),
    Route(
        "orders/<shop_id:order_id>/<private_token:token>/files/all.zip",
        "shop_ext.delivery.views.download_zip",
        "download the zip by the private link",
        sweep="download",
    ),
    # Accounts: Mezzanine's views behind our wrappers, and its links.
    Route("accounts/login/", ACCOUNT_VIEW, "sign in (django-axes locks brute force)"),
    Route("accounts/signup/", ACCOUNT_VIEW, "sign up"),
    Route(
        "accounts/password/reset/", ACCOUNT_VIEW, "forgot password: one answer for all, mail sent by a worker"
    ),
    Route("accounts/logout/", "shop_ext.accounts.views.logout", "sign out (POST only)"),
    Route(
        "^accounts/password/verify/(?P<uidb36>[-\\w]+)/(?P<token>[-\\w]+)/$",
        "mezzanine.accounts.views.password_reset_verify",
        "the password-reset email's link (token hidden in logs)",
    ),
    Route(
        "^accounts/verify/(?P<uidb36>[-\\w]+)/(?P<token>[-\\w]+)/$",
        "mezzanine.accounts.views.signup_verify",
        "the sign-up check's link when ACCOUNTS_VERIFICATION_REQUIRED (token hidden in logs)",
    ),
    Route(
        "accounts/update/",
        "mezzanine.accounts.views.profile_update",
        "account details; a reset link leads here",
    ),
    Route(
        "password_reset/",
        "django.views.generic.base.RedirectView",
        "the admin sign-in page's 'Forgot password?' link: redirects to ours",
    ),
    Route(
        "set_site/",
        "shop_ext.core.upstream_views.set_site",
        "the admin header's site menu (staff, several sites)",
    ),
]

# The admin: staff only (admin_view sends everyone else to its sign-in).
ADMIN = [
    Route("admin/", "django.contrib.admin.sites.AdminSite.index", "admin home"),
    Route("admin/login/", "django.contrib.admin.sites.AdminSite.login", "admin sign-in"),
    Route("admin/logout/", "django.contrib.admin.sites.AdminSite.logout", "admin sign-out (POST)"),
    Route("admin/password_change/", "django.contrib.admin.sites.AdminSite.password_change", "staff password"),
    Route(
        "admin/password_change/done/",
        "django.contrib.admin.sites.AdminSite.password_change_done",
        "staff password changed",
    ),
    Route(
        "admin/autocomplete/", "django.contrib.admin.sites.AdminSite.autocomplete_view", "admin autocomplete"
    ),
    Route("admin/jsi18n/", "django.contrib.admin.sites.AdminSite.i18n_javascript", "admin's translations"),
    Route(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        "django.contrib.contenttypes.views.shortcut",
        "admin's 'view on site'",
    ),
    Route(
        "admin/^(?P<app_label>redirects|pages|shop|shop_ext|conf|generic|axes|auth|sites)/$",
        "django.contrib.admin.sites.AdminSite.app_index",
        "admin's per-app index",
    ),
    Route(
        "admin/(?P<url>.*)$",
        "django.contrib.admin.sites.AdminSite.catch_all_view",
        "admin's 404 for unknown admin addresses",
    ),
    Route(
        "admin/^media-library/$",
        "mezzanine.boot.lazy_admin.LazyAdminSite.urls.<locals>.<lambda>",
        "Mezzanine's media library (filebrowser-safe)",
    ),
    Route("admin/^media-library/^browse/$", "filebrowser_safe.views.browse", "media library"),
    Route("admin/^media-library/^mkdir/", "filebrowser_safe.views.mkdir", "media library"),
    Route("admin/^media-library/^upload/", "filebrowser_safe.views.upload", "media library"),
    Route("admin/^media-library/^rename/$", "filebrowser_safe.views.rename", "media library"),
    Route("admin/^media-library/^delete/$", "filebrowser_safe.views.delete", "media library"),
    Route(
        "admin/^media-library/^check_file/$",
        "filebrowser_safe.views._check_file",
        "shadowed by ours below (upstream: open to anyone, a 500 without its folder)",
    ),
    Route(
        "admin/media-library/check_file/",
        "shop_ext.core.upstream_views.media_library_check_file",
        "the media library uploader's 'is this name taken' check: staff only, CSRF checked, POST",
    ),
    Route(
        "admin/^media-library/^upload_file/$",
        "filebrowser_safe.views._upload_file",
        "shadowed by ours below (upstream: CSRF-exempt, a 500 without its folder)",
    ),
    Route(
        "admin/media-library/upload_file/",
        "shop_ext.core.upstream_views.media_library_upload_file",
        "the media library's upload: CSRF checked, POST, a folder required",
    ),
    Route(
        "admin/^auth/user/(\\d+)/password/$",
        "django.contrib.auth.admin.UserAdmin.user_change_password",
        "Mezzanine's admin: set a user's password",
    ),
    Route(
        "admin/auth/user/<id>/password/",
        "django.contrib.auth.admin.UserAdmin.user_change_password",
        "Django's admin: set a user's password",
    ),
    Route("admin/^admin_keywords_submit/$", "mezzanine.generic.views.admin_keywords_submit", "page keywords"),
    Route(
        "admin/^asset_proxy/$",
        "mezzanine.core.views.static_proxy",
        "shadowed by ours below (upstream: a 500 without its file name)",
    ),
    Route("admin/asset_proxy/", "shop_ext.core.upstream_views.static_proxy", "TinyMCE's static files"),
    Route("admin/^displayable_links.js$", "mezzanine.core.views.displayable_links_js", "TinyMCE's link list"),
    Route(
        "admin/^admin_page_ordering/$",
        "mezzanine.pages.views.admin_page_ordering",
        "shadowed by ours below (upstream: a 500 on a missing or unknown page id)",
    ),
    Route(
        "admin/admin_page_ordering/",
        "shop_ext.core.upstream_views.admin_page_ordering",
        "page tree ordering (drag and drop)",
    ),
    Route(
        "admin/shop/category/listed-count/",
        "shop_ext.catalogue.admin.CategoryAdmin.listed_count_view",
        "category admin's live count of listed products",
    ),
    Route(
        "admin/shop_ext/stampedcopy/trace/",
        "shop_ext.delivery.admin.StampedCopyAdmin.trace_view",
        "leak trace",
    ),
    Route(
        "admin/shop_ext/taxrate/report/",
        "shop_ext.taxes.admin.TaxRateAdmin.report_view",
        "tax report: sales and refunds by country, class and rate, and its CSV (docs/taxes.md)",
    ),
    Route(
        "admin/shop/product/import/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.import_action",
        "catalogue import: upload, kept for the worker to check (docs/catalogue-import.md)",
    ),
    Route(
        "admin/shop/product/import/<int:job_id>/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.import_job_view",
        "catalogue import: the worker's progress, then its dry run by row and field",
    ),
    Route(
        "admin/shop/product/import/<int:job_id>/status/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.import_status_view",
        "catalogue import: the job's progress as JSON, polled by its page (404 for others' jobs)",
    ),
    Route(
        "admin/shop/product/import/<int:job_id>/confirm/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.confirm_import_view",
        "catalogue import: have the worker import the checked file, once (POST)",
    ),
    Route(
        "admin/shop/product/import/<int:job_id>/restart/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.restart_import_view",
        "catalogue import: run a stopped job's check or import again, once per stop (POST)",
    ),
    Route(
        "admin/shop/product/export/",
        "import_export.admin.ExportMixin.export_action",
        "catalogue export, one row per format (CSV, XLSX)",
    ),
    Route(
        "admin/shop_ext/book/import/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.import_action",
        "catalogue import: upload, kept for the worker to check (docs/catalogue-import.md)",
    ),
    Route(
        "admin/shop_ext/book/import/<int:job_id>/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.import_job_view",
        "catalogue import: the worker's progress, then its dry run by row and field",
    ),
    Route(
        "admin/shop_ext/book/import/<int:job_id>/status/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.import_status_view",
        "catalogue import: the job's progress as JSON, polled by its page (404 for others' jobs)",
    ),
    Route(
        "admin/shop_ext/book/import/<int:job_id>/confirm/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.confirm_import_view",
        "catalogue import: have the worker import the checked file, once (POST)",
    ),
    Route(
        "admin/shop_ext/book/import/<int:job_id>/restart/",
        "shop_ext.catalogue.admin.CatalogueImportExportMixin.restart_import_view",
        "catalogue import: run a stopped job's check or import again, once per stop (POST)",
    ),
    Route(
        "admin/shop_ext/book/export/",
        "import_export.admin.ExportMixin.export_action",
        "catalogue export, one row per format (CSV, XLSX)",
    ),
]

# Each registered model's changelist, add, history, delete, change and
# redirect pages (any view: ModelAdmin's or a subclass').
ADMIN_MODELS = {
    "auth/group": "staff groups and their permissions",
    "auth/user": "accounts",
    "axes/accessattempt": "sign-in lockouts",
    "axes/accessfailurelog": "failed sign-ins",
    "axes/accesslog": "sign-ins",
    "conf/setting": "Mezzanine's editable settings",
    "generic/threadedcomment": "Mezzanine's comments (none on the site; kept by Mezzanine's admin menu)",
    "pages/link": "menu links in the page tree",
    "pages/page": "the page tree",
    "pages/richtextpage": "content pages",
    "redirects/redirect": "redirects of old addresses",
    "shop/category": "category pages",
    "shop/discountcode": "discount codes",
    "shop/order": "orders: status, downloads, refunds (docs/security.md, staff permissions)",
    "shop/product": "products",
    "shop/productoption": "product options",
    "shop/sale": "sales",
    "shop_ext/book": "books",
    "shop_ext/contactmessage": "contact form messages: read, mark handled, delete (staff permissions)",
    "shop_ext/downloadattempt": "download log (read-only)",
    "shop_ext/ereadersending": "books mailed to e-readers and mail servers' refusals (read-only)",
    "shop_ext/paymentevent": "payment events (read-only)",
    "shop_ext/productfileversion": "files' versions",
    "shop_ext/stampedcopy": "stamped copies",
    "shop_ext/taxrate": "tax rates by country, class and day (docs/taxes.md)",
    "shop_ext/updatenotice": "notices of updated files",
    "shop_ext/unfinishedpayment": "payments taken for orders that could not be completed (refund or finish)",
    "sites/site": "sites",
}
ADMIN_MODEL_PAGES = (
    "",
    "add/",
    "<path:object_id>/history/",
    "<path:object_id>/delete/",
    "<path:object_id>/change/",
    "<path:object_id>/",
)

ALLOWED = (
    SITE
    + ADMIN
    + [
        Route(f"admin/{model}/{page}", None, reason)
        for model, reason in ADMIN_MODELS.items()
        for page in ADMIN_MODEL_PAGES
    ]
)
