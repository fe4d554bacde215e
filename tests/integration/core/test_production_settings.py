"""project.settings.production, loaded in a subprocess as a server would:
clean under `manage.py check --deploy` with a valid environment, and
refusing to start (with a message saying what to set) without one, whatever
the command and whatever else the environment holds."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from tests import BASE_DIR


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
    assert manage(env, "shell", "-v", "0", "-c", show).stdout.split() == [
        "django_sendfile.backends.nginx",
        "/protected",
    ]
    env["SHOP_SENDFILE_BACKEND"] = "django_sendfile.backends.xsendfile"
    assert (
        manage(env, "shell", "-v", "0", "-c", show).stdout.split()[0] == "django_sendfile.backends.xsendfile"
    )


def refusal(env, *command, **changes):
    """The one line a refused start prints (any traceback fails the test)."""
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    result = manage(env, *(command or ["check"]))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Refusing to start (project.settings.production): ")
    return line


# Django's command runner used to swallow the settings' error and fail later
# in a way that depended on the check registry's order, which followed the
# size of the environment: every command, with environments of several sizes.
@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["migrate", "--noinput"],
        ["runserver", "127.0.0.1:0", "--noreload"],
        ["collectstatic", "--noinput"],
        ["shell", "-c", "print(1)"],
        ["load_demo"],
    ],
    ids=lambda command: command[0],
)
@pytest.mark.parametrize("padding", [0, 40, 4000])
def test_every_command_refuses_a_bad_environment_with_its_message(env, command, padding):
    env["UNRELATED_VARIABLE"] = "x" * padding
    assert "Set SECRET_KEY to a long random value" in refusal(env, *command, SECRET_KEY="short")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DB_CONN_MAX_AGE", "ten", "DB_CONN_MAX_AGE must be a whole number, not 'ten'"),
        ("SECURE_HSTS_SECONDS", "1y", "SECURE_HSTS_SECONDS must be a whole number, not '1y'"),
        (
            "SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS",
            "lots",
            "SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS must be a whole number",
        ),
        ("SECURE_SSL_REDIRECT", "maybe", "SECURE_SSL_REDIRECT must be true or false, not 'maybe'"),
        ("DATABASE_URL", "postgress://user:hunter2@db/shop", "DATABASE_URL must start with one of: "),
        ("DATABASE_URL", "hunter2", "DATABASE_URL must start with one of: "),
        ("EMAIL_URL", "mail.example.com:25", "EMAIL_URL must start with one of: "),
    ],
)
def test_refuses_a_malformed_value_naming_the_variable(env, name, value, message):
    line = refusal(env, **{name: value})
    assert message in line
    assert "hunter2" not in line  # URLs may hold passwords: never echoed


def test_gunicorn_refuses_a_bad_environment_with_its_message(env):
    """gunicorn imports the WSGI app itself: the worker fails to boot and
    gunicorn stops (it does not retry forever), with the settings' message."""
    env["SECRET_KEY"] = "short"
    env["GUNICORN_BIND"] = "127.0.0.1:0"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "deploy/gunicorn.conf.py",
            "--workers",
            "1",
            "project.wsgi",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY to a long random value" in result.stderr


@pytest.mark.parametrize(
    "key", [None, "", "dev-only-not-secret", "test-" + "x" * 60, "short-but-random-8f3k"]
)
def test_refuses_a_missing_or_default_secret_key(env, key):
    assert "Set SECRET_KEY to a long random value" in refusal(env, SECRET_KEY=key)


@pytest.mark.parametrize("value", ["1", "true", "True", "on"])
def test_refuses_debug(env, value):
    assert "DEBUG is on: production never runs with DEBUG" in refusal(env, DEBUG=value)


def test_debug_off_spelled_out_is_fine(env):
    env["DEBUG"] = "false"
    assert manage(env, "check").returncode == 0


@pytest.mark.parametrize("value", [None, ""])
def test_refuses_to_start_without_a_task_broker(env, value):
    assert "Set CELERY_BROKER_URL to the Redis the workers use" in refusal(env, CELERY_BROKER_URL=value)


@pytest.mark.parametrize("value", [None, "", "locmem://", "memcached://127.0.0.1:11211"])
def test_refuses_a_cache_that_is_not_shared_redis(env, value):
    assert "Set CACHE_URL to a Redis shared by every app server" in refusal(env, CACHE_URL=value)


def test_keeps_database_connections_and_bounds_every_wait_on_a_server(env):
    show = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "o = settings.CELERY_BROKER_TRANSPORT_OPTIONS; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], settings.EMAIL_TIMEOUT, "
        "o['socket_connect_timeout'], o['socket_timeout'], settings.CACHES['default']['OPTIONS'])"
    )
    out = manage(env, "shell", "-v", "0", "-c", show).stdout
    assert out.split()[:5] == ["60", "True", "30", "1", "2"]
    assert "'socket_timeout': 0.5" in out


@pytest.mark.parametrize("module", ["project.settings.production", "project.settings.dev"])
@pytest.mark.parametrize(("value", "kept"), [(None, "60"), ("0", "0")])
def test_db_conn_max_age_has_one_default_in_every_environment(env, module, value, kept):
    env["DJANGO_SETTINGS_MODULE"] = module
    if value is not None:
        env["DB_CONN_MAX_AGE"] = value
    show = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    assert manage(env, "shell", "-v", "0", "-c", show).stdout.split() == [kept]


@pytest.mark.parametrize(
    ("process", "statement_timeout"), [("web", "statement_timeout=5000"), (None, "statement_timeout=300000")]
)
def test_postgresql_connects_once_per_request_and_bounds_its_waits(env, process, statement_timeout):
    """A web request (gunicorn.conf.py sets SHOP_PROCESS=web) waits seconds
    for a silent database; tasks and commands get longer."""
    env["DATABASE_URL"] = "postgres://shop@db.example.com/shop"
    if process:
        env["SHOP_PROCESS"] = process
    show = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['OPTIONS'])"
    )
    out = manage(env, "shell", "-v", "0", "-c", show).stdout
    assert out.split()[0] == "shop_ext.core.postgresql"
    assert "'connect_timeout': 3" in out
    assert statement_timeout in out


def test_the_database_urls_own_options_are_kept(env):
    """TLS settings in DATABASE_URL survive the timeouts being added (a
    verify-full connection silently fell back to libpq's "prefer")."""
    env["DATABASE_URL"] = (
        "postgres://shop@db.example.com/shop?sslmode=verify-full&sslrootcert=/etc/ssl/db.pem"
    )
    env["SHOP_PROCESS"] = "web"
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    out = manage(env, "shell", "-v", "0", "-c", show).stdout
    assert "'sslmode': 'verify-full'" in out
    assert "'sslrootcert': '/etc/ssl/db.pem'" in out
    assert "statement_timeout=5000" in out
    assert "idle_in_transaction_session_timeout=30000" in out
    assert "'keepalives': 1" in out


def test_gunicorn_marks_its_workers_as_web_processes(monkeypatch):
    monkeypatch.setenv("SHOP_PROCESS", "")  # put back as it was after the test
    runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert os.environ["SHOP_PROCESS"] == "web"


def test_refuses_a_broker_that_is_not_redis(env):
    assert "Set CELERY_BROKER_URL" in refusal(env, CELERY_BROKER_URL="memory://")


def test_refuses_missing_allowed_hosts(env):
    assert "Set ALLOWED_HOSTS" in refusal(env, ALLOWED_HOSTS=None)


def test_refuses_a_plain_http_site_url_while_redirecting_to_https(env):
    assert "Set SHOP_SITE_URL to the shop's public https:// address" in refusal(
        env, SHOP_SITE_URL="http://shop.example.com"
    )


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


def test_refuses_private_object_storage_without_a_bucket(env):
    message = refusal(env, SHOP_PRIVATE_STORAGE="s3")
    assert "SHOP_PRIVATE_STORAGE=s3 needs SHOP_S3_PRIVATE_BUCKET" in message


def test_refuses_a_private_bucket_shared_with_media(env):
    message = refusal(
        env,
        SHOP_PRIVATE_STORAGE="s3",
        SHOP_MEDIA_STORAGE="s3",
        SHOP_S3_PRIVATE_BUCKET="shop-files",
        SHOP_S3_MEDIA_BUCKET="shop-files",
    )
    assert "SHOP_S3_PRIVATE_BUCKET (shop-files) is also SHOP_S3_MEDIA_BUCKET" in message


def test_refuses_an_unknown_storage_kind_naming_the_variable(env):
    assert "SHOP_PRIVATE_STORAGE must be one of local, s3, not 'nfs'" in refusal(
        env, SHOP_PRIVATE_STORAGE="nfs"
    )


def test_private_files_in_a_bucket_of_their_own_start(env):
    show = "from django.conf import settings; print(settings.STORAGES['private']['OPTIONS']['bucket_name'])"
    env.update(SHOP_PRIVATE_STORAGE="s3", SHOP_MEDIA_STORAGE="s3", SHOP_S3_PRIVATE_BUCKET="shop-files")
    env["SHOP_S3_MEDIA_BUCKET"] = "shop-media"
    result = manage(env, "shell", "-c", show)
    assert result.stdout.strip().splitlines()[-1] == "shop-files", result.stderr


@pytest.mark.parametrize(
    ("address", "media_url", "image_url"),
    [
        (
            "",
            "https://s3.eu-west-1.amazonaws.com/shop-media/",
            "https://s3.eu-west-1.amazonaws.com/shop-media/a.png",
        ),
        (
            "https://media.example.com/shop/",
            "https://media.example.com/shop/",
            "https://media.example.com/shop/a.png",
        ),
    ],
    ids=["bucket address", "SHOP_S3_MEDIA_URL"],
)
def test_media_in_a_bucket_are_linked_where_browsers_fetch_them(env, address, media_url, image_url):
    """MEDIA_URL (pages' {{ MEDIA_URL }}, Mezzanine's thumbnails) and the
    storage's own URLs (the media library's) both name the public address."""
    show = (
        "from django.conf import settings; from django.core.files.storage import storages; "
        "media = storages['default']; print(settings.MEDIA_URL, type(media).__name__, media.url('a.png'))"
    )
    env.update(SHOP_MEDIA_STORAGE="s3", SHOP_S3_MEDIA_BUCKET="shop-media", SHOP_S3_REGION="eu-west-1")
    env["SHOP_S3_MEDIA_URL"] = address
    result = manage(env, "shell", "-v", "0", "-c", show)
    assert result.stdout.split() == [media_url, "MediaS3Storage", image_url], result.stderr


def test_refuses_the_simple_sendfile_backend(env):
    message = refusal(env, SHOP_SENDFILE_BACKEND="django_sendfile.backends.simple")
    assert "makes Django send the file itself" in message


def test_refuses_the_renamed_payment_variable(env):
    line = refusal(env, SHOP_HANDLER_PAYMENT="shop_ext.payments.gateways.pay_on_account")
    assert "SHOP_HANDLER_PAYMENT is now SHOP_PAYMENT_GATEWAY" in line


def test_check_names_a_payment_gateway_that_cannot_be_imported(env):
    env["SHOP_PAYMENT_GATEWAY"] = "shop_ext.payments.gateways.pay_by_carrier_pigeon"
    result = manage(env, "check")
    assert result.returncode != 0
    assert "shop_ext.E001" in result.stderr
    assert (
        "SHOP_PAYMENT_GATEWAY=shop_ext.payments.gateways.pay_by_carrier_pigeon cannot be imported"
        in result.stderr
    )


STRIPE_KEYS = {
    "SHOP_PAYMENT_GATEWAY": "shop_ext.payments.stripe_checkout.pay_by_card",
    "STRIPE_SECRET_KEY": "sk_live_not_a_real_key",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_not_a_real_key",
    "STRIPE_WEBHOOK_SECRET": "whsec_not_a_real_secret",
}


def test_card_payments_start_with_live_keys(env):
    env.update(STRIPE_KEYS)
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_card_payments_refuse_to_start_without_a_key(env, missing):
    env.update(STRIPE_KEYS)
    assert f"Set {missing}" in refusal(env, **{missing: None})


def test_test_mode_keys_are_refused_unless_the_site_is_staging(env):
    env.update(STRIPE_KEYS, STRIPE_SECRET_KEY="sk_test_not_a_real_key")
    assert "STRIPE_SECRET_KEY is a test-mode key" in refusal(env)
    env["SHOP_STAGING"] = "true"
    assert manage(env, "check").returncode == 0


@pytest.mark.parametrize("cache_url", ["redis://127.0.0.1:6379/1", "redis://localhost:6379/2"])
def test_check_deploy_warns_when_the_cache_shares_the_brokers_redis(env, cache_url):
    env["CACHE_URL"] = cache_url  # the broker's server (however it is named), another database
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "shop_ext.W001" in result.stderr + result.stdout


def test_check_deploy_warns_without_trusted_proxies(env):
    """Behind nginx, every client would be the proxy: per-client limits and
    free resumes would be shared by everyone."""
    env.pop("SHOP_TRUSTED_PROXIES")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "shop_ext.W002" in result.stderr + result.stdout


def test_refuses_tax_on_without_a_home_country(env):
    line = refusal(env, SHOP_TAX_ENABLED="true", SHOP_TAX_HOME_COUNTRY=None)
    assert "SHOP_TAX_HOME_COUNTRY is not set" in line


def test_refuses_an_unknown_tax_price_mode_naming_the_variable(env):
    line = refusal(env, SHOP_TAX_PRICE_MODE="net")
    assert "SHOP_TAX_PRICE_MODE must be one of gross-constant, net-plus-buyer-rate" in line
