"""``/health/`` for load balancers: the database, the shared cache and the
task broker, each reported on its own.

Only the database decides the status code (503 without it): the shop keeps
selling and delivering while the cache or the broker is down (each limit's
behaviour then is in docs/security.md; emails wait as failed, re-sendable),
so a balancer should not take a server out for them. Monitoring reads the
body.
"""

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.middleware import without_page

PROBE_KEY = "shop_ext:health"


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 (any failure is "down", with its name)
        return f"down: {type(error).__name__}"
    return "ok"


def _cache():
    try:
        cache.set(PROBE_KEY, 1, 10)
        cache.get(PROBE_KEY)
    except CACHE_DOWN as error:
        return f"down: {type(error).__name__}"
    return "ok"


def _broker():
    if current_app.conf.task_always_eager:
        return "none: tasks run in the web process"
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=1)
    except Exception as error:  # noqa: BLE001 (kombu raises several kinds)
        return f"down: {type(error).__name__}"
    return "ok"


@never_cache
@without_page
def health(request):
    report = {"database": _database(), "cache": _cache(), "broker": _broker()}
    return JsonResponse(report, status=200 if report["database"] == "ok" else 503)
