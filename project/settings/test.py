"""Test suite settings: fast hashing, mail kept in memory, isolated storage."""

from .base import *  # noqa: F401,F403
from .base import DATABASES, INSTALLED_APPS, VAR_DIR, finish_settings

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not shared-cache memory, so tests with threads can wait for
    # SQLite's write lock instead of failing with "table is locked".
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SHOP_SITE_URL = "https://shop.example.com"
AXES_ENABLED = False

# The demo catalogue and its loader (make run; the browser and theme tests).
INSTALLED_APPS = [*INSTALLED_APPS, "shop_demo"]

finish_settings(globals())
