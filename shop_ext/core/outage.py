"""A short page, made without the database, while the database is away or busy.

Every page of the site extends base.html, whose menus and cart need the
database: while it is unreachable even Django's error page failed, and
gunicorn answered with its bare "Internal Server Error". These answer 503
with theme/static/theme/unavailable.html (the same file nginx shows when the
app itself does not answer, deploy/nginx.conf) and Retry-After.

A statement the server gave up on while the database is up (a wait for a
row another checkout holds reaching the statement timeout, a deadlock) is
answered 503 too, with theme/static/theme/busy.html: the request's
transaction rolled back whole, and the session is not saved on a 5xx, so
the shopper's cart is as it was and trying again can succeed.
"""

import functools
import logging
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from mezzanine.core.views import server_error as mezzanine_server_error

logger = logging.getLogger(__name__)

UNAVAILABLE_PAGE = "theme/unavailable.html"
BUSY_PAGE = "theme/busy.html"


# SQLSTATEs of a connection lost or refused by the server: class 08
# (connection exception) and the server shutting down or starting up.
CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# SQLSTATEs of one statement given up on a live connection, which a retry
# can get past: query_canceled (the statement timeout), lock_not_available,
# deadlock_detected, serialization_failure.
BUSY_SQLSTATES = ("57014", "55P03", "40P01", "40001")


def database_unreachable(error):
    """Whether ``error`` says there is no database to talk to (connecting
    failed, or the connection was lost), as opposed to a fault of one query
    (a timeout, a lock, a constraint), which stays an error of its own."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    raw = connection.connection
    if raw is None or getattr(raw, "closed", False):
        return True
    # The driver's error: psycopg gives a lost connection no SQLSTATE of its
    # own ("server closed the connection unexpectedly") or one of class 08,
    # and does not always mark the connection closed yet.
    sqlstate = getattr(error.__cause__, "sqlstate", "")
    return sqlstate is None or sqlstate.startswith(CONNECTION_SQLSTATES)


def database_busy(error):
    """Whether ``error`` is a statement the server gave up on because of
    other transactions (BUSY_SQLSTATES), the database itself being up."""
    return isinstance(error, OperationalError) and _sqlstate(error) in BUSY_SQLSTATES


def _sqlstate(error):
    return getattr(error.__cause__, "sqlstate", "")


@functools.cache
def _static_html(name):
    return Path(finders.find(name)).read_bytes()


def unavailable_response(page=UNAVAILABLE_PAGE):
    response = HttpResponse(_static_html(page), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(settings.SHOP_UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """A view that lost the database, or whose statement the database gave
    up on (database_busy), answers 503 with a static page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unreachable(exception):
            logger.error("database unreachable: 503 for %s (%s)", request.path, exception)
            return unavailable_response()
        if database_busy(exception):
            # Logged as an error: a timeout can also be a slow query of ours.
            logger.error("database busy (%s): 503 for %s (%s)", _sqlstate(exception), request.path, exception)
            return unavailable_response(BUSY_PAGE)
        return None


def server_error(request):
    """handler500: the static 503 page when the database is the cause (an
    error in a middleware, before any view), or when Mezzanine's error page
    cannot be rendered without it."""
    if database_unreachable(sys.exc_info()[1]):
        return unavailable_response()
    try:
        return mezzanine_server_error(request)
    except (OperationalError, InterfaceError):
        logger.warning("the error page needs the database, which is unreachable: 503 for %s", request.path)
        return unavailable_response()
