import os

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of this run's own on a shared server (PostgreSQL):
    two runs at once (two checkouts, CI jobs) would otherwise create and
    drop the same ``test_<name>`` under each other. SQLite is unaffected."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        if db["ENGINE"] == "django.db.backends.sqlite3":
            continue
        test = db.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_pid{os.getpid()}"


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path):
    """Every test gets its own media and private roots."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SENDFILE_ROOT = str(tmp_path / "private")
