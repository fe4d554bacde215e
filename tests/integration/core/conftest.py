import os
import secrets

import pytest


@pytest.fixture
def env(tmp_path):
    """A valid production environment; SQLite keeps `check` off any server."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHOP_", "SECURE_"))}
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "EMAIL_URL",
        "DEBUG",
        "STATIC_ROOT",
        "MEDIA_ROOT",
        "CELERY_BROKER_URL",
        "CACHE_URL",
    ):
        base.pop(name, None)
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "project.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EMAIL_URL": "smtp://mail.example.com:587?tls=True",
        "SHOP_SITE_URL": "https://shop.example.com",
        "SHOP_TRUSTED_PROXIES": "127.0.0.1",
        "SHOP_PRIVATE_ROOT": str(tmp_path / "private"),
        "STATIC_ROOT": str(tmp_path / "www" / "static"),
        "MEDIA_ROOT": str(tmp_path / "www" / "media"),
        "SHOP_WEB_ROOT": str(tmp_path / "www"),
        "SHOP_VAR_DIR": str(tmp_path / "var"),
        # Only named: loading the settings connects to neither.
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6380/0",
    }
