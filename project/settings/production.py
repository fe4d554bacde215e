"""Production: PostgreSQL, gunicorn behind nginx, SMTP, X-Accel-Redirect.

Everything secret or site-specific comes from the environment; see
docs/deploy.md for the list.
"""
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from mezzanine.utils.conf import set_dynamic_settings

from .base import *  # noqa: F401,F403
from .base import ALLOWED_HOSTS, SECRET_KEY, SENDFILE_ROOT, SHOP_SITE_URL, os

if not SECRET_KEY or SECRET_KEY.startswith(("dev-", "test-")) or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random value, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=shop.example.com")

DEBUG = False

EMAIL_URL = os.environ.get("EMAIL_URL", "smtp://localhost:25")
vars().update(dj_email_url.parse(EMAIL_URL))

SENDFILE_BACKEND = "django_sendfile.backends.nginx"
SENDFILE_URL = os.environ.get("SHOP_PRIVATE_URL", "/protected")

# Behind a TLS-terminating proxy (nginx) that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true") == "true"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS]
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"shop_ext": {"level": "INFO"}},
}

if not SHOP_SITE_URL.startswith("https://") and SECURE_SSL_REDIRECT:
    raise ImproperlyConfigured("Set SHOP_SITE_URL to the shop's public https:// address")

set_dynamic_settings(globals())
