"""Production: PostgreSQL, gunicorn behind nginx, SMTP, X-Accel-Redirect.

Everything secret or site-specific comes from the environment; see
docs/deploy.md for the list. The settings refuse to load when a value
would make the shop unsafe, and the message says what to set.
"""

from pathlib import Path

import dj_email_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import (
    ALLOWED_HOSTS,
    CACHE_URL,
    CELERY_BROKER_URL,
    INSTALLED_APPS,
    MEDIA_ROOT,
    SECRET_KEY,
    SENDFILE_ROOT,
    SHOP_MEDIA_STORAGE,
    SHOP_PAYMENT_GATEWAY,
    SHOP_PAYMENT_METHODS,
    SHOP_PRIVATE_STORAGE,
    SHOP_S3_ENDPOINT_URL,
    SHOP_S3_MEDIA_BUCKET,
    SHOP_S3_PRIVATE_BUCKET,
    SHOP_SITE_URL,
    SHOP_TAX_ENABLED,
    SHOP_TAX_HOME_COUNTRY,
    STATIC_ROOT,
    STORAGES,
    STRIPE_PUBLISHABLE_KEY,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    TEMPLATES,
    finish_settings,
)
from .environment import env_flag, env_int, env_str, env_url

if not SECRET_KEY or SECRET_KEY.startswith(("dev-", "test-")) or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random value, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=shop.example.com")
if env_str("SHOP_HANDLER_PAYMENT"):
    raise ImproperlyConfigured(
        "SHOP_HANDLER_PAYMENT is now SHOP_PAYMENT_GATEWAY (the handler takes the stock, then calls the "
        "gateway): rename the variable in the environment, e.g. in /etc/shop/env (see CHANGELOG.md)"
    )
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://")):
    raise ImproperlyConfigured(
        "Set CELERY_BROKER_URL to the Redis the workers use, e.g. redis://127.0.0.1:6379/0: "
        "emails and zips are sent and built by the worker (docs/deploy.md)"
    )
if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "Set CACHE_URL to a Redis shared by every app server, e.g. redis://127.0.0.1:6379/1: "
        "the discount-code limit is counted there (docs/deploy.md)"
    )
# Card payments (docs/deploy.md, "Payments"): every key, and test keys only
# on a site that says it is a staging site (no real money would ever arrive).
if (
    SHOP_PAYMENT_GATEWAY.startswith("shop_ext.payments.stripe_checkout.")
    or "card" in SHOP_PAYMENT_METHODS
    or STRIPE_SECRET_KEY
):
    for _name, _value, _prefix in (
        ("STRIPE_SECRET_KEY", STRIPE_SECRET_KEY, ("sk_", "rk_")),
        ("STRIPE_PUBLISHABLE_KEY", STRIPE_PUBLISHABLE_KEY, ("pk_",)),
        ("STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET, ("whsec_",)),
    ):
        if not _value.startswith(_prefix):
            raise ImproperlyConfigured(
                f"Set {_name} (it starts with {' or '.join(_prefix)}) from the Stripe Dashboard, "
                "Developers > API keys and Webhooks (docs/deploy.md, Payments)"
            )
    if STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_")) and not env_flag("SHOP_STAGING", False):
        raise ImproperlyConfigured(
            "STRIPE_SECRET_KEY is a test-mode key: no payment would ever be real. Use the live keys, "
            "or set SHOP_STAGING=true on a staging site"
        )
# Tax (docs/taxes.md): the home country's rates are those the catalogue
# prices include, and it decides reverse charge and the OSS threshold.
if SHOP_TAX_ENABLED and not SHOP_TAX_HOME_COUNTRY:
    raise ImproperlyConfigured(
        "SHOP_TAX_ENABLED is on but SHOP_TAX_HOME_COUNTRY is not set: set it to the ISO code of the "
        "country the shop is established in, e.g. SHOP_TAX_HOME_COUNTRY=FR (docs/taxes.md)"
    )
if env_flag("DEBUG", False):
    raise ImproperlyConfigured(
        "DEBUG is on: production never runs with DEBUG (it shows settings and code to "
        "visitors). Unset DEBUG or use DJANGO_SETTINGS_MODULE=project.settings.dev locally."
    )

DEBUG = False


def _inside(path, root):
    path, root = Path(path).resolve(), Path(root).resolve()
    return path == root or root in path.parents


# Private files must never be below a directory the web server serves as is:
# they would have a public URL and the download checks would be for show.
# SHOP_WEB_ROOT is the site's document root (nginx `root`, Apache DocumentRoot).
WEB_ROOT = env_str("SHOP_WEB_ROOT", "/var/www")
for _name, _root in (("MEDIA_ROOT", MEDIA_ROOT), ("STATIC_ROOT", STATIC_ROOT), ("SHOP_WEB_ROOT", WEB_ROOT)):
    if _inside(SENDFILE_ROOT, _root) or _inside(_root, SENDFILE_ROOT):
        raise ImproperlyConfigured(
            f"SHOP_PRIVATE_ROOT ({SENDFILE_ROOT}) overlaps {_name} ({_root}), which the web "
            f"server serves publicly: set SHOP_PRIVATE_ROOT to a directory outside it, "
            f"e.g. /srv/shop/private"
        )

# The same rule for object storage: private files in a bucket of their own,
# never the public media's (its objects are readable by anyone).
if SHOP_PRIVATE_STORAGE == "s3":
    if not SHOP_S3_PRIVATE_BUCKET:
        raise ImproperlyConfigured(
            "SHOP_PRIVATE_STORAGE=s3 needs SHOP_S3_PRIVATE_BUCKET, a private bucket of its own "
            "(docs/deploy.md)"
        )
    if SHOP_MEDIA_STORAGE == "s3" and SHOP_S3_MEDIA_BUCKET == SHOP_S3_PRIVATE_BUCKET:
        raise ImproperlyConfigured(
            f"SHOP_S3_PRIVATE_BUCKET ({SHOP_S3_PRIVATE_BUCKET}) is also SHOP_S3_MEDIA_BUCKET, whose files "
            f"are public at {SHOP_S3_ENDPOINT_URL or 'S3'}: give private files a bucket of their own"
        )

# Static files under names with their content's hash (collectstatic writes
# staticfiles.json): nginx sends those with a year's Cache-Control, and a
# deployment that changes a file changes its name (docs/deploy.md).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "shop_ext.core.storage.HashedStaticStorage"}}

# Templates parsed once per worker, not on every request: Django adds the
# cached loader by itself only when no "loaders" are listed, and base lists them.
TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "loaders": [("django.template.loaders.cached.Loader", TEMPLATES[0]["OPTIONS"]["loaders"])],
        },
    }
]

_email = env_url("EMAIL_URL", "smtp://localhost:25", dj_email_url.parse, schemes=dj_email_url.SCHEMES)
# A mail server that stops answering must not hold a worker (and the email's
# row lock) for ever: the send fails after this long and is retried later.
_email["EMAIL_TIMEOUT"] = _email["EMAIL_TIMEOUT"] or env_int("EMAIL_TIMEOUT", 30)
vars().update(_email)

# nginx (X-Accel-Redirect) by default; Apache with mod_xsendfile:
# SHOP_SENDFILE_BACKEND=django_sendfile.backends.xsendfile. Never `simple`
# here: it reads whole files into the worker's memory and ignores Range.
SENDFILE_BACKEND = env_str("SHOP_SENDFILE_BACKEND", "django_sendfile.backends.nginx")
if SENDFILE_BACKEND.rsplit(".", 1)[-1] in ("simple", "development"):
    raise ImproperlyConfigured(
        f"SHOP_SENDFILE_BACKEND={SENDFILE_BACKEND} makes Django send the file itself: use "
        "django_sendfile.backends.nginx (default) or django_sendfile.backends.xsendfile"
    )
SENDFILE_URL = env_str("SHOP_PRIVATE_URL", "/protected")

# Behind a TLS-terminating proxy (nginx) that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
# Load balancers ask the app server itself, over plain http.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Cookies are https-only whenever the shop's address is https (always, unless
# SECURE_SSL_REDIRECT=false for a plain-http test deployment: a browser would
# never send a secure cookie back over http, so nobody could sign in).
_https_site = SHOP_SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = _https_site
CSRF_COOKIE_SECURE = _https_site
CSRF_TRUSTED_ORIGINS = [f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS if h != "*"]
CSRF_TRUSTED_ORIGINS.append(SHOP_SITE_URL.rstrip("/"))
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"hide_private_links": {"()": "shop_ext.core.logging.HidePrivateLinks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["hide_private_links"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"shop_ext": {"level": "INFO"}},
}

if not _https_site and SECURE_SSL_REDIRECT:
    raise ImproperlyConfigured("Set SHOP_SITE_URL to the shop's public https:// address")

# A trial deployment may load the demo catalogue (docs/deploy.md, section 6).
if env_flag("SHOP_DEMO", False):
    INSTALLED_APPS = [*INSTALLED_APPS, "shop_demo"]

finish_settings(globals())
