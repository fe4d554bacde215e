"""project.settings.production, loaded in a subprocess as a server would:
clean under `manage.py check --deploy` with a valid environment, and
refusing to start (with a message saying what to set) without one."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path):
    """A valid production environment; SQLite keeps `check` off any server."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHOP_", "SECURE_"))}
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL", "DEBUG", "STATIC_ROOT", "MEDIA_ROOT"):
        base.pop(name, None)
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "project.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EMAIL_URL": "smtp://mail.example.com:587?tls=True",
        "SHOP_SITE_URL": "https://shop.example.com",
        "SHOP_PRIVATE_ROOT": str(tmp_path / "private"),
        "STATIC_ROOT": str(tmp_path / "www" / "static"),
        "MEDIA_ROOT": str(tmp_path / "www" / "media"),
        "SHOP_WEB_ROOT": str(tmp_path / "www"),
        "SHOP_VAR_DIR": str(tmp_path / "var"),
    }


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )


def test_check_deploy_is_clean(env):
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_nginx_sendfile_backend_by_default_and_apache_by_choice(env):
    show = "from django.conf import settings; print(settings.SENDFILE_BACKEND, settings.SENDFILE_URL)"
    assert manage(env, "shell", "-c", show).stdout.split() == ["django_sendfile.backends.nginx", "/protected"]
    env["SHOP_SENDFILE_BACKEND"] = "django_sendfile.backends.xsendfile"
    assert manage(env, "shell", "-c", show).stdout.split()[0] == "django_sendfile.backends.xsendfile"


def refusal(env, **changes):
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    result = manage(env, "check")
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("key", [None, "", "dev-only-not-secret", "test-" + "x" * 60, "short-but-random-8f3k"])
def test_refuses_a_missing_or_default_secret_key(env, key):
    assert "Set SECRET_KEY to a long random value" in refusal(env, SECRET_KEY=key)


@pytest.mark.parametrize("value", ["1", "true", "True", "on"])
def test_refuses_debug(env, value):
    assert "DEBUG is on: production never runs with DEBUG" in refusal(env, DEBUG=value)


def test_debug_off_spelled_out_is_fine(env):
    env["DEBUG"] = "false"
    assert manage(env, "check").returncode == 0


def test_refuses_missing_allowed_hosts(env):
    assert "Set ALLOWED_HOSTS" in refusal(env, ALLOWED_HOSTS=None)


def test_refuses_a_plain_http_site_url_while_redirecting_to_https(env):
    assert "Set SHOP_SITE_URL to the shop's public https:// address" in refusal(env, SHOP_SITE_URL="http://shop.example.com")


@pytest.mark.parametrize("served", ["MEDIA_ROOT", "STATIC_ROOT", "SHOP_WEB_ROOT"])
def test_refuses_a_private_root_inside_a_served_directory(env, served):
    message = refusal(env, SHOP_PRIVATE_ROOT=os.path.join(env[served], "private"))
    assert f"SHOP_PRIVATE_ROOT ({env[served]}/private) overlaps {served}" in message
    assert "set SHOP_PRIVATE_ROOT to a directory outside it" in message


def test_refuses_a_private_root_that_is_a_served_directory_through_a_symlink(env, tmp_path):
    link = tmp_path / "private-link"
    Path(env["MEDIA_ROOT"]).mkdir(parents=True)
    link.symlink_to(env["MEDIA_ROOT"])
    assert "overlaps MEDIA_ROOT" in refusal(env, SHOP_PRIVATE_ROOT=str(link))


def test_refuses_the_simple_sendfile_backend(env):
    message = refusal(env, SHOP_SENDFILE_BACKEND="django_sendfile.backends.simple")
    assert "makes Django send the file itself" in message
