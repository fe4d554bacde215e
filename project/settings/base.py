"""Settings shared by every environment.

Values that differ between machines come from environment variables; the
environment modules (``dev``, ``test``, ``production``) only change defaults.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _
from mezzanine.utils.conf import set_dynamic_settings

from shop_ext.orders import OrderStatus

from .environment import env_choice, env_flag, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_ROOT = str(BASE_DIR)
VAR_DIR = Path(env_str("SHOP_VAR_DIR", str(BASE_DIR / "var")))

# Cartridge's money fields read ``decimal_places`` from the currency locale
# when the models are imported. ``make`` generates the locale into .locale/
# (no root needed); glibc reads LOCPATH on each setlocale() call.
_locale_dir = BASE_DIR / ".locale"
if _locale_dir.is_dir():
    os.environ.setdefault("LOCPATH", str(_locale_dir))
SHOP_CURRENCY_LOCALE = env_str("SHOP_CURRENCY_LOCALE", "en_US.UTF-8")

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

# One database connection per worker, kept between requests and checked
# before reuse (DB_CONN_MAX_AGE=0 closes it after every request again).
DATABASES = {
    "default": env_url(
        "DATABASE_URL",
        f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        lambda url: dj_database_url.parse(
            url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        ),
        schemes={"sqlite", "postgres", "postgresql", "pgsql"},
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Every transaction takes SQLite's write lock when it begins and waits up
    # to 20 s for it: concurrent checkouts queue instead of failing with
    # "database is locked" half-way through (a deferred transaction cannot
    # wait when it upgrades its read lock to a write lock).
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
else:
    # Bounded waits on PostgreSQL (docs/reliability.md): connecting gives up
    # after DB_CONNECT_TIMEOUT seconds, and a statement after
    # DB_STATEMENT_TIMEOUT -- short for a web request (gunicorn.conf.py sets
    # SHOP_PROCESS=web), longer for Celery tasks and management commands; a
    # web request's transaction left idle (waiting on another service) ends
    # after DB_IDLE_IN_TRANSACTION_TIMEOUT. A server that goes silent on an
    # open connection is given up by TCP: keepalive probes while waiting for
    # an answer, and tcp_user_timeout for what was sent and never acknowledged.
    # Our backend tries to connect once per request (shop_ext/core/postgresql).
    # Options from DATABASE_URL (sslmode, sslrootcert...) are kept.
    _web = env_str("SHOP_PROCESS") == "web"
    _statement_timeout = (
        env_int("DB_REQUEST_STATEMENT_TIMEOUT", 5) if _web else env_int("DB_STATEMENT_TIMEOUT", 300)
    )
    _server_options = [f"-c statement_timeout={_statement_timeout * 1000}"]
    if _web:
        _idle = env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT", 30)
        _server_options.append(f"-c idle_in_transaction_session_timeout={_idle * 1000}")
    DATABASES["default"]["ENGINE"] = "shop_ext.core.postgresql"
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.update(
        connect_timeout=env_int("DB_CONNECT_TIMEOUT", 3),
        keepalives=1,
        keepalives_idle=5,
        keepalives_interval=2,
        keepalives_count=3,
        tcp_user_timeout=10_000,
        options=" ".join(filter(None, [_options.get("options", ""), *_server_options])),
    )
# Mezzanine's and Cartridge's migrations were written for AutoField.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True
LANGUAGE_CODE = "en"
LANGUAGES = (("en", _("English")),)
USE_I18N = False
USE_MODELTRANSLATION = False
SITE_ID = 1
SITE_TITLE = "Paper & Pixel Books"
SITE_TAGLINE = "Paperbacks and ebooks, side by side"

# The cart lives in the session: it survives closing the browser, for
# SHOP_SESSION_DAYS (two weeks by default; a sign-in lasts as long).
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_AGE = env_int("SHOP_SESSION_DAYS", 14) * 24 * 3600
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shop_ext.accounts.backends.ShopBackend",
]
LOGIN_URL = "/accounts/login/"
# A sign-in without a page to return to (next) lands on the buyer's orders.
LOGIN_REDIRECT_URL = "shop_order_history"

STATIC_URL = "/static/"
STATIC_ROOT = env_str("STATIC_ROOT", str(VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env_str("MEDIA_ROOT", str(VAR_DIR / "media"))
# Where private files (product files and their versions, order zips,
# stamped copies) and public media are kept: "local" (on disk:
# SHOP_PRIVATE_ROOT, MEDIA_ROOT) or "s3" (an S3-compatible bucket: AWS S3,
# Cloudflare R2, MinIO; docs/deploy.md, section 11). Local disk by default,
# so `make run` needs no object storage.
SHOP_PRIVATE_STORAGE = env_choice("SHOP_PRIVATE_STORAGE", "local", ("local", "s3"))
SHOP_MEDIA_STORAGE = env_choice("SHOP_MEDIA_STORAGE", "local", ("local", "s3"))
# The S3 API both use when set to "s3": the endpoint (empty for AWS itself,
# e.g. https://<account>.r2.cloudflarestorage.com for R2), its region, and
# the access key (empty: boto3 finds one itself, e.g. an instance role).
SHOP_S3_ENDPOINT_URL = env_str("SHOP_S3_ENDPOINT_URL")
SHOP_S3_REGION = env_str("SHOP_S3_REGION", "us-east-1")
SHOP_S3_ACCESS_KEY_ID = env_str("SHOP_S3_ACCESS_KEY_ID")
SHOP_S3_SECRET_ACCESS_KEY = env_str("SHOP_S3_SECRET_ACCESS_KEY")
# The private files' bucket: private, never the media's (production refuses
# both, shop_ext/checks.py); and the public media's bucket.
SHOP_S3_PRIVATE_BUCKET = env_str("SHOP_S3_PRIVATE_BUCKET")
SHOP_S3_MEDIA_BUCKET = env_str("SHOP_S3_MEDIA_BUCKET")
# Where browsers fetch the media bucket's files (SHOP_MEDIA_STORAGE=s3): its
# public address, a custom domain or CDN in front of it
# (https://media.example.com); empty: the bucket's own path-style address.
SHOP_S3_MEDIA_URL = env_str("SHOP_S3_MEDIA_URL")
# How a download from S3 reaches the buyer after the app's checks: "nginx"
# (X-Accel-Redirect with a pre-signed URL that nginx fetches and streams;
# the buyer never sees it) or "redirect" (a 302 to the pre-signed URL, for
# a shop behind a CDN; docs/deploy.md, section 11, weighs the two).
SHOP_DELIVERY = env_choice("SHOP_DELIVERY", "nginx", ("nginx", "redirect"))
# How long that pre-signed URL works: nginx fetches it at once; a browser
# follows a redirect at once too, and a resume after it gets a new one.
SHOP_S3_URL_SECONDS = env_int("SHOP_S3_URL_SECONDS", 60)
_S3_OPTIONS = {
    "endpoint_url": SHOP_S3_ENDPOINT_URL or None,
    "region_name": SHOP_S3_REGION,
    "access_key": SHOP_S3_ACCESS_KEY_ID or None,
    "secret_key": SHOP_S3_SECRET_ACCESS_KEY or None,
    "signature_version": "s3v4",
    # Path-style addresses work with every S3-compatible server (MinIO needs them).
    "addressing_style": "path",
}
# The private bucket, also while the shop still runs on disk: manage.py
# move_private_files copies the files there before the switch.
PRIVATE_S3_STORAGE = {
    "BACKEND": "shop_ext.core.storage.PrivateS3Storage",
    "OPTIONS": {**_S3_OPTIONS, "bucket_name": SHOP_S3_PRIVATE_BUCKET},
}
_STORAGE_BACKENDS = {
    "default": {
        "local": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        # Media has public URLs: no signature in them, and no overwriting of a
        # file another page still shows.
        "s3": {
            "BACKEND": "shop_ext.core.storage.MediaS3Storage",
            "OPTIONS": {
                **_S3_OPTIONS,
                "bucket_name": SHOP_S3_MEDIA_BUCKET,
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    },
    "private": {
        "local": {"BACKEND": "shop_ext.core.storage.PrivateStorage"},
        "s3": PRIVATE_S3_STORAGE,
    },
}
if SHOP_S3_MEDIA_URL:
    _media_address = urlsplit(SHOP_S3_MEDIA_URL)
    _STORAGE_BACKENDS["default"]["s3"]["OPTIONS"].update(
        custom_domain=_media_address.netloc + _media_address.path.rstrip("/"),
        url_protocol=f"{_media_address.scheme}:",
    )
if SHOP_MEDIA_STORAGE == "s3":
    # Templates write {{ MEDIA_URL }}{% thumbnail ... %}, and Mezzanine
    # uploads each thumbnail it makes to the bucket only when MEDIA_URL is
    # absolute (docs/deploy.md, section 11).
    MEDIA_URL = (
        SHOP_S3_MEDIA_URL
        or f"{SHOP_S3_ENDPOINT_URL or f'https://s3.{SHOP_S3_REGION}.amazonaws.com'}/{SHOP_S3_MEDIA_BUCKET}"
    ).rstrip("/") + "/"
STORAGES = {
    "default": _STORAGE_BACKENDS["default"][SHOP_MEDIA_STORAGE],
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Product files, versions, zips and stamped copies: shop_ext/core/storage.py.
    "private": _STORAGE_BACKENDS["private"][SHOP_PRIVATE_STORAGE],
}
# filebrowser-safe (Mezzanine's media library) still reads this setting,
# which Django 5.1 replaced with STORAGES.
DEFAULT_FILE_STORAGE = STORAGES["default"]["BACKEND"]
# Public media, readable by nginx as "others" inside a root nobody else may
# enter (docs/deploy.md). That also covers an upload above
# FILE_UPLOAD_MAX_MEMORY_SIZE, which Django renames into MEDIA_ROOT with the
# app user's group. Private files need their group: shop_ext/core/storage.py.
FILE_UPLOAD_PERMISSIONS = 0o644

# Product files live outside MEDIA_ROOT and have no URL of their own:
# django-sendfile2 hands them to the web server after our access checks.
SENDFILE_ROOT = env_str("SHOP_PRIVATE_ROOT", str(VAR_DIR / "private"))
SENDFILE_BACKEND = "django_sendfile.backends.simple"
SENDFILE_URL = "/protected"

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [str(BASE_DIR / "templates")],
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.debug",
                "django.template.context_processors.i18n",
                "django.template.context_processors.static",
                "django.template.context_processors.media",
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "mezzanine.conf.context_processors.settings",
                "mezzanine.pages.context_processors.page",
            ],
            "loaders": [
                "mezzanine.template.loaders.host_themes.Loader",
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        },
    },
]

INSTALLED_APPS = [
    "theme",
    "shop_ext",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.redirects",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mezzanine.boot",
    "mezzanine.conf",
    "mezzanine.core",
    "mezzanine.generic",
    "mezzanine.pages",
    "mezzanine.accounts",
    "cartridge.shop",
    "axes",
    "import_export",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Without the database: a 503 page made without it (shop_ext/core/outage.py).
    "shop_ext.core.outage.DatabaseOutageMiddleware",
    "shop_ext.core.middleware.RejectNulMiddleware",
    # A signed download's plain case, before the session, user, cart and
    # page middleware it does not need (shop_ext/delivery/middleware.py).
    "shop_ext.delivery.middleware.SignedDownloadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Anonymous pages from the shared cache (docs/caching.md); after the
    # session and CSRF middleware, whose state says if a page may be shared.
    "shop_ext.catalogue.page_cache_middleware.PageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Cartridge's cart, Mezzanine's site permission and page: skipped by
    # views that show no page (downloads, JSON; shop_ext/core/middleware.py).
    "shop_ext.core.middleware.ShopCartMiddleware",
    "mezzanine.core.request.CurrentRequestMiddleware",
    # The site from the host through the shared cache, not a query per page.
    "shop_ext.core.middleware.SiteFromHostMiddleware",
    "mezzanine.core.middleware.RedirectFallbackMiddleware",
    "mezzanine.core.middleware.AdminLoginInterfaceSelectorMiddleware",
    "shop_ext.core.middleware.ShopSitePermissionMiddleware",
    "shop_ext.core.middleware.ShopPageMiddleware",
    "shop_ext.core.middleware.AdminObjectIdMiddleware",  # a bad id in an admin address: 404
    "axes.middleware.AxesMiddleware",
]

PACKAGE_NAME_FILEBROWSER = "filebrowser_safe"
PACKAGE_NAME_GRAPPELLI = "grappelli_safe"
OPTIONAL_APPS = (PACKAGE_NAME_FILEBROWSER, PACKAGE_NAME_GRAPPELLI)

# We own the shop migrations: the Format option type and our order
# statuses change Cartridge's schema (see shop_ext/shop_migrations/).
MIGRATION_MODULES = {"shop": "shop_ext.shop_migrations"}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "shop@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FAIL_SILENTLY = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"hide_private_links": {"()": "shop_ext.core.logging.HidePrivateLinks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["hide_private_links"]}},
    "loggers": {
        "shop_ext": {"handlers": ["console"], "level": "INFO"},
        # Django's request lines and 4xx/5xx reports name the path: through
        # the filtered handler too (DEBUG's runserver prints them).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Brute-force protection for every login form (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
# Locked: one account (its username and its email count as one) from one
# client address -- the client's, not nginx's: X-Forwarded-For is believed
# from SHOP_TRUSTED_PROXIES only, as for the download log.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "shop_ext.core.net.client_ip"
AXES_RESET_ON_SUCCESS = True
# A friendly 429 page instead of axes' bare text (shop_ext/accounts/axes.py).
AXES_LOCKOUT_CALLABLE = "shop_ext.accounts.axes.lockout_response"
AXES_USERNAME_CALLABLE = "shop_ext.accounts.axes.axes_username"

ACCOUNTS_VERIFICATION_REQUIRED = False
# Checked where the shop sets a password itself (an account made at checkout).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
ACCOUNTS_PROFILE_VIEWS_ENABLED = False

SEARCH_MODEL_CHOICES = ("shop.Product",)
# The first group is the editor's dashboard (shop_ext/templatetags/editor_dashboard.py):
# what an editor uses every day; the other groups are folded under "Settings".
ADMIN_MENU_ORDER = (
    (
        _("Everyday"),
        (
            "shop_ext.Book",
            (_("Category pages"), "shop.Category"),
            "shop.Sale",
            "shop.DiscountCode",
            "shop.Order",
            (_("Import and export books"), "admin:shop_product_import"),
            "pages.Page",
            (_("Media Library"), "media-library"),
        ),
    ),
    (
        _("Shop"),
        (
            "shop.Product",
            "shop.ProductOption",
            (_("Download log"), "shop_ext.DownloadAttempt"),
            (_("Payment events"), "shop_ext.PaymentEvent"),
        ),
    ),
    (_("Content"), ("generic.ThreadedComment",)),
    (_("Site"), ("sites.Site", "redirects.Redirect", "conf.Setting")),
    (_("Users"), ("auth.User", "auth.Group")),
)
DASHBOARD_TAGS = (
    ("editor_dashboard.editor_dashboard",),
    ("mezzanine_tags.recent_actions",),
    (),
)
# Mezzanine 6.1.1's TinyMCE set-up script fails on "Add another" in the
# Django 4.1+ admin; ours is its copy with that fixed (theme/static/theme/js/).
TINYMCE_SETUP_JS = "theme/js/tinymce_setup.js"
# The theme does not load Mezzanine's inline editor (no editable_loader), and
# its /edit/ endpoint is not routed (tests/integration/core/url_allowlist.py).
INLINE_EDITING_ENABLED = False
RICHTEXT_FILTER_LEVEL = 1  # Mezzanine's "high" bleach filtering of editors' HTML
# Mezzanine's lists without form controls and their attributes: a form in a
# description would be one the visitor's browser sends as them
# (docs/security.md, A01). No data-* attribute either: shop.js gives a CSRF
# token only to forms our templates mark with data-shop-csrf.
RICHTEXT_ALLOWED_TAGS = (
    "a", "abbr", "acronym", "address", "area", "article", "aside", "b", "bdo", "big", "blockquote", "br",
    "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "dfn", "dir", "div", "dl", "dt",
    "em", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins",
    "kbd", "li", "map", "menu", "nav", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
    "var", "wbr",
)  # fmt: skip
RICHTEXT_ALLOWED_ATTRIBUTES = (
    "abbr", "accesskey", "align", "alt", "axis", "border", "cellpadding", "cellspacing", "char", "charoff",
    "charset", "cite", "class", "clear", "cols", "colspan", "color", "compact", "coords", "datetime", "dir",
    "frame", "headers", "height", "href", "hreflang", "hspace", "id", "ismap", "lang", "longdesc", "media",
    "name", "nohref", "noshade", "nowrap", "rel", "rev", "rows", "rowspan", "rules", "scope", "shape", "size",
    "span", "src", "start", "style", "summary", "tabindex", "target", "title", "type", "usemap", "valign",
    "vspace", "width", "xml:lang",
)  # fmt: skip
# Mezzanine bleaches rich text when a form saves it; filtering again on
# render also covers content that never went through a form (fixtures,
# imports, the shell). See docs/security.md.
RICHTEXT_FILTERS = ("mezzanine.utils.html.escape", "mezzanine.utils.html.thumbnails")

# ---------------------------------------------------------------- Cartridge
SHOP_OPTION_TYPE_CHOICES = (
    (1, _("Size")),
    (2, _("Colour")),
    (3, _("Format")),
)
SHOP_OPTION_ADMIN_ORDER = (3, 1, 2)
SHOP_ORDER_STATUS_CHOICES = OrderStatus.choices
# No card fields on our server: payment is taken by the handler below.
SHOP_PAYMENT_STEP_ENABLED = False
# Not split: the first step is titled "Details", not "Address" (a cart of
# downloads has no address); no card step either way (see above).
SHOP_CHECKOUT_STEPS_SPLIT = False
SHOP_CHECKOUT_STEPS_CONFIRMATION = True
SHOP_DEFAULT_SHIPPING_VALUE = 4.50
SHOP_HANDLER_BILLING_SHIPPING = "shop_ext.checkout.handlers.billship_handler"
SHOP_HANDLER_ORDER = "shop_ext.checkout.handlers.order_handler"
# With SHOP_TAX_ENABLED, the cart's tax where the buyer is (docs/taxes.md).
SHOP_HANDLER_TAX = "shop_ext.checkout.handlers.tax_handler"
# Calls the gateway below, then takes the stock.
SHOP_HANDLER_PAYMENT = "shop_ext.checkout.handlers.payment_handler"
# The seam for a real gateway: any callable with Cartridge's payment
# handler signature that returns a transaction id once money was taken.
SHOP_PAYMENT_GATEWAY = env_str("SHOP_PAYMENT_GATEWAY", "shop_ext.payments.gateways.pay_on_account")
SHOP_ORDER_FROM_EMAIL = DEFAULT_FROM_EMAIL
# With SHOP_PAYMENT_GATEWAY=shop_ext.payments.gateways.pay_by_shoppers_choice,
# the shopper picks one of these on the last checkout step (names in
# shop_ext.payments.gateways.METHODS: card, transfer, demo), e.g. card,transfer.
SHOP_PAYMENT_METHODS = env_list("SHOP_PAYMENT_METHODS")
# Card payments at Stripe's hosted Checkout (SHOP_PAYMENT_GATEWAY=
# shop_ext.payments.stripe_checkout.pay_by_card; docs/deploy.md, "Payments").
# Keys and the webhook's signing secret come from the environment only.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Where the SDK sends its calls; the tests point it at a local fake.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
# Seconds each call to Stripe may take (one retry): the checkout waits for
# it inside its transaction and the shopper for the page.
SHOP_STRIPE_TIMEOUT_SECONDS = env_int("SHOP_STRIPE_TIMEOUT_SECONDS", 10)
# ISO code of the shop's prices, as Stripe spells it (lower case).
SHOP_PAYMENT_CURRENCY = env_str("SHOP_PAYMENT_CURRENCY", "gbp").lower()
# Minutes a shopper has on Stripe's page (Stripe allows 30 to 1440): the
# order holds its stock and discount code until then, or until paid.
SHOP_PAYMENT_SESSION_MINUTES = min(max(env_int("SHOP_PAYMENT_SESSION_MINUTES", 60), 30), 1440)
SHOP_PER_PAGE_CATEGORY = 12
SHOP_USE_WISHLIST = False
SHOP_USE_RATINGS = False

# ---------------------------------------------------------- digital goods
# Format option values that ship nothing: such variations deliver files only.
SHOP_DIGITAL_FORMATS = ("eBook", "Download")
# Formats that ship and also deliver files: not for sale until they have files.
SHOP_BUNDLE_FORMATS = ("Paperback + eBook",)
# Formats that only ship: with the two above, the ``?format=`` values a
# product page is cached for (listing links carry them).
SHOP_PRINT_FORMATS = ("Paperback", "Hardback")
# What a printed format's card promises: working days until it is posted.
SHOP_PRINT_DISPATCH_DAYS = env_int("SHOP_PRINT_DISPATCH_DAYS", 2)
SHOP_PRODUCT_FILE_MAX_BYTES = env_int("SHOP_PRODUCT_FILE_MAX_BYTES", 2 * 1024**3)
# A larger PDF or EPUB is not stamped (pypdf's peak memory is about 2.3 x the
# file's size; docs/architecture.md, "Stamped copies"): the product's
# "if a file cannot be stamped" setting decides what the buyer gets.
SHOP_STAMP_MAX_BYTES = env_int("SHOP_STAMP_MAX_BYTES", 150 * 1024**2)
# What one zip the shop opens (an EPUB to stamp, a found copy to trace) may
# unpack to, so a zip bomb is refused before it costs memory or CPU
# (shop_ext/core/archives.py): members, total inflated bytes, and how many
# times its packed size a member over 1 MB may inflate.
SHOP_ARCHIVE_MAX_MEMBERS = env_int("SHOP_ARCHIVE_MAX_MEMBERS", 10_000)
SHOP_ARCHIVE_MAX_UNPACKED_BYTES = env_int("SHOP_ARCHIVE_MAX_UNPACKED_BYTES", 512 * 1024**2)
SHOP_ARCHIVE_MAX_RATIO = env_int("SHOP_ARCHIVE_MAX_RATIO", 100)
# The public address used in emails; never taken from the request's Host.
SHOP_SITE_URL = env_str("SHOP_SITE_URL", "http://127.0.0.1:8000")
# The option type (see SHOP_OPTION_TYPE_CHOICES) that holds the format.
SHOP_FORMAT_OPTION_TYPE = 3

# ------------------------------------------------------- catalogue import
# The folder the catalogue import's "file" column names files in (a path
# inside it; anything outside is refused). Unset: the column is refused.
SHOP_IMPORT_FILES_DIR = env_str("SHOP_IMPORT_FILES_DIR", "")
# Origins (scheme://host[:port], exactly) the "file" column may also name
# addresses of, fetched by the worker during the confirmed import; e.g.
# https://files.distributor.example. Empty: addresses are refused.
SHOP_IMPORT_FILE_ORIGINS = env_list("SHOP_IMPORT_FILE_ORIGINS")
# Seconds one such fetch may take in all (its size is capped by
# SHOP_PRODUCT_FILE_MAX_BYTES, as an upload's is).
SHOP_IMPORT_FILE_FETCH_TIMEOUT_SECONDS = env_int("SHOP_IMPORT_FILE_FETCH_TIMEOUT_SECONDS", 30)
# A larger spreadsheet, or one with more rows, is refused before it is read.
SHOP_IMPORT_MAX_BYTES = env_int("SHOP_IMPORT_MAX_BYTES", 10 * 1024**2)
SHOP_IMPORT_MAX_ROWS = env_int("SHOP_IMPORT_MAX_ROWS", 10_000)
# An .xlsx is a zip: it is refused before openpyxl reads it when its parts
# add up to more than this once inflated (a catalogue at the row limit is a
# few tens of MB of XML), or when it has more parts than a workbook needs.
SHOP_IMPORT_MAX_XLSX_UNPACKED_BYTES = env_int("SHOP_IMPORT_MAX_XLSX_UNPACKED_BYTES", 200 * 1024**2)
SHOP_IMPORT_MAX_XLSX_MEMBERS = env_int("SHOP_IMPORT_MAX_XLSX_MEMBERS", 500)
# A checking or importing job whose worker has not said how far it has got
# for this long is shown as stopped (its worker died, or its retries ran
# out), with a button to run it again.
SHOP_CATALOGUE_IMPORT_STALE_MINUTES = env_int("SHOP_CATALOGUE_IMPORT_STALE_MINUTES", 10)
# purge_catalogue_imports deletes finished imports (and their stored files)
# uploaded longer ago than this.
SHOP_CATALOGUE_IMPORTS_KEEP_DAYS = env_int("SHOP_CATALOGUE_IMPORTS_KEEP_DAYS", 90)

# ------------------------------------------------------------------ taxes
# Charge VAT and sales tax where the buyer is, and record the evidence of
# where on each order (docs/taxes.md). Off by default, and in the tests
# unless a test turns it on: the shop's owner must first load and check the
# rates of every country the shop sells to.
SHOP_TAX_ENABLED = env_flag("SHOP_TAX_ENABLED", False)
# Cartridge's: catalogue prices include tax (EU style), and the buyer pays
# the same gross price whatever their country's rate; false: prices are net
# and tax is added as a line (US style).
SHOP_TAX_INCLUDED = env_flag("SHOP_TAX_INCLUDED", True)
# A GeoIP2 or GeoLite2 Country database (.mmdb): with tax on, the
# shopper's IP country is recorded as one more piece of tax evidence
# (docs/taxes.md); empty: none is looked up.
SHOP_GEOIP2_DATABASE = env_str("SHOP_GEOIP2_DATABASE", "")
# The country the shop is established in (ISO 3166 alpha-2, e.g. FR): its
# rates are those catalogue prices include, and a business buyer elsewhere
# in the EU is reverse charged. Production refuses tax on without it.
SHOP_TAX_HOME_COUNTRY = env_str("SHOP_TAX_HOME_COUNTRY").strip().upper()
# Registered for the EU's One-Stop Shop: EU buyers abroad pay their own
# country's rate. False: below the EUR 10,000 threshold of cross-border
# sales, such sales are taxed at the home country's rates.
SHOP_TAX_OSS_REGISTERED = env_flag("SHOP_TAX_OSS_REGISTERED", False)
# The shop's own VAT number, printed on invoices.
SHOP_TAX_VAT_NUMBER = env_str("SHOP_TAX_VAT_NUMBER").strip()
# With prices including tax: gross-constant, every buyer pays the catalogue
# price; net-plus-buyer-rate, the price less the home rate plus the buyer's
# rate (price / (1 + home rate) x (1 + buyer's rate)).
SHOP_TAX_PRICE_MODE = env_choice(
    "SHOP_TAX_PRICE_MODE", "gross-constant", ("gross-constant", "net-plus-buyer-rate")
)
# Check business buyers' VAT numbers with the EU's VIES service (a number
# valid by its format only is otherwise taken as given), at this address,
# waiting at most this many seconds: VIES down means VAT is charged and the
# order flagged for staff, never a failed checkout.
SHOP_VIES_CHECK = env_flag("SHOP_VIES_CHECK", False)
SHOP_VIES_URL = env_str(
    "SHOP_VIES_URL", "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"
)
SHOP_VIES_TIMEOUT_SECONDS = env_int("SHOP_VIES_TIMEOUT_SECONDS", 2)
# Download limits, as in the article: attempts per order (None: unlimited)
# and days from payment until the links expire (None: never).
SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS = env_int("SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS", 10)
SHOP_DOWNLOAD_EXPIRY_DAYS = env_int("SHOP_DOWNLOAD_EXPIRY_DAYS", 30) or None
# A Range request within this many minutes of a served download of the same
# file resumes it without using a new attempt.
SHOP_DOWNLOAD_RESUME_MINUTES = 60
# How many free resumes one counted download gives, to the client address
# that made it: enough for a flaky connection, not a way to share a link.
SHOP_DOWNLOAD_MAX_RESUMES = env_int("SHOP_DOWNLOAD_MAX_RESUMES", 5)
# Refused downloads logged per hour and asker (a signed-in user, or an
# order's private link): the download log is evidence, not a table anyone
# may fill.
SHOP_DENIED_DOWNLOADS_LOGGED_PER_HOUR = env_int("SHOP_DENIED_DOWNLOADS_LOGGED_PER_HOUR", 20)
# How long a download link on the buyer's order history, signed for their
# browser's session, spares the download the session and user lookups
# (shop_ext/delivery/signed_links.py); after that it asks the session.
SHOP_SIGNED_DOWNLOAD_MINUTES = env_int("SHOP_SIGNED_DOWNLOAD_MINUTES", 30)
# The buyer's library (shop_ext/delivery/library.py): books per page, on
# the page and in its OPDS feed (a reading app follows the feed's next link).
SHOP_LIBRARY_PAGE_SIZE = env_int("SHOP_LIBRARY_PAGE_SIZE", 100)
# Wrong library feed tokens one client address may try in an hour; past
# that, every feed request from it is refused (429) until the hour ends.
SHOP_LIBRARY_FEED_MISSES_PER_HOUR = env_int("SHOP_LIBRARY_FEED_MISSES_PER_HOUR", 20)
# Send to e-reader (shop_ext/delivery/ereader.py): the e-reader services
# that take books by email, by the domain of their addresses, each with the
# largest attachment it takes in MB. An address at any other domain is
# refused when saved (docs/library.md, "Send to e-reader", says why and
# where each figure comes from).
SHOP_EREADER_MAX_MB = {"kindle.com": 50, "free.kindle.com": 50, "pbsync.com": 25}
# The address the e-reader mail comes from, which the buyer must allow
# (Amazon: "Approved Personal Document E-mail List").
SHOP_EREADER_FROM_EMAIL = env_str("SHOP_EREADER_FROM_EMAIL", DEFAULT_FROM_EMAIL)
# Free samples (shop_ext/delivery/samples.py) one client address may
# download in an hour.
SHOP_SAMPLES_PER_CLIENT_PER_HOUR = env_int("SHOP_SAMPLES_PER_CLIENT_PER_HOUR", 20)
# Proxies (e.g. the local nginx) whose X-Forwarded-For header we believe.
SHOP_TRUSTED_PROXIES = env_list("SHOP_TRUSTED_PROXIES")
# When staff add a file to a product already sold, do past buyers get it?
# Off by default: an order delivers what it delivered when it was paid.
SHOP_GRANT_NEW_FILES_TO_PAST_BUYERS = env_flag("SHOP_GRANT_NEW_FILES_TO_PAST_BUYERS", False)
# How often an order's confirmation email may be re-sent in an hour.
SHOP_INVOICE_RESENDS_PER_HOUR = env_int("SHOP_INVOICE_RESENDS_PER_HOUR", 3)
# The "lost my links" page (shop_ext/delivery/lost_links.py): asks per hour.
SHOP_LOST_LINKS_PER_EMAIL_PER_HOUR = env_int("SHOP_LOST_LINKS_PER_EMAIL_PER_HOUR", 3)
SHOP_LOST_LINKS_PER_CLIENT_PER_HOUR = env_int("SHOP_LOST_LINKS_PER_CLIENT_PER_HOUR", 10)
# The contact page (shop_ext/contact/): where its messages go, and how many
# one client may send in an hour.
SHOP_CONTACT_EMAIL = env_str("SHOP_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
SHOP_CONTACT_MESSAGES_PER_CLIENT_PER_HOUR = env_int("SHOP_CONTACT_MESSAGES_PER_CLIENT_PER_HOUR", 5)
# Days a stored contact message is kept: purge_contact_messages (run daily,
# docs/deploy.md) deletes older ones; the privacy page says 12 months.
SHOP_CONTACT_MESSAGES_KEEP_DAYS = env_int("SHOP_CONTACT_MESSAGES_KEEP_DAYS", 365)
# Wrong discount codes (shop_ext/checkout/ratelimit.py): failures per
# session, and more generously per client address, within a window of
# SHOP_DISCOUNT_FAILURE_WINDOW seconds; past either limit every code is
# refused until the window ends.
SHOP_DISCOUNT_MAX_FAILURES = 10
SHOP_DISCOUNT_MAX_FAILURES_PER_IP = 50
SHOP_DISCOUNT_FAILURE_WINDOW = 3600
# Links that add an address's guest orders to its account (shop_ext/orders/claims.py), per account.
SHOP_CLAIM_LINKS_PER_HOUR = env_int("SHOP_CLAIM_LINKS_PER_HOUR", 3)
# requeue_emails queues again an email never tried after this many minutes
# (its task was lost or cut); one a worker has tried waits out its retries.
SHOP_EMAIL_REQUEUE_MINUTES = env_int("SHOP_EMAIL_REQUEUE_MINUTES", 3)

# ---------------------------------------------------------- task queue and cache
# Slow work (every email, zip builds) runs in a Celery worker (project/celery.py)
# with Redis as the broker. Without a broker (make run, the tests) each task
# runs at once in the process that queues it. Production requires one.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Not propagated: an eager task's retries then run at once, as a worker's
# would later; an unexpected error is logged by Celery, as in a worker.
CELERY_TASK_EAGER_PROPAGATES = False
# A task is acknowledged when it has run, not when a worker takes it: a worker
# killed half-way loses nothing, the task runs again (hence idempotent tasks).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Redis hands an unacknowledged task to another worker after this many
# seconds (it must exceed the longest task and the longest retry delay);
# workers look for such tasks every 10 s (kombu's default: every 100 s).
# A broker that is down, unreachable or hung costs a checkout a few seconds
# at most (socket timeouts, one retry), never a hang: the task is then
# recorded as not queued (shop_ext.core.tasks).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}

# Counters and lockouts shared by every worker and server: Redis in production
# (CACHE_URL=redis://...), this process's memory otherwise. Short socket
# timeouts: with Redis down, each limit does what docs/security.md says
# instead of waiting.
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "shop",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Seconds a browser is told to wait (Retry-After) while the database is away.
SHOP_UNAVAILABLE_RETRY_AFTER = 30

# The longest an anonymous page is kept (0: pages are not cached). Edits
# invalidate at once (docs/caching.md); this bounds what changes by time
# without an event, such as a cart no longer holding the last copies.
SHOP_PAGE_CACHE_SECONDS = env_int("SHOP_PAGE_CACHE_SECONDS", 600)
# A cached page's form sent without JavaScript has no token: it is offered
# again with one (shop_ext/catalogue/cached_forms.py).
CSRF_FAILURE_VIEW = "shop_ext.catalogue.cached_forms.csrf_failure"


def finish_settings(namespace):
    """The last line of every environment's settings: Mezzanine's dynamic
    settings, then our sign-in backend alone, as set_dynamic_settings puts
    MezzanineBackend back in front of it (ShopBackend is its subclass)."""
    set_dynamic_settings(namespace)
    namespace["AUTHENTICATION_BACKENDS"].remove("mezzanine.core.auth_backends.MezzanineBackend")
