"""Django's PostgreSQL backend, trying to connect once per web request.

Without the database, a request used to try again at every query that
followed the first failure (the site lookup, the cart, the error page's
menus...): about a dozen connection attempts, each waiting up to
``connect_timeout``, for one page that could only fail. Once connecting has
failed during a request, the rest of that request fails at once; the next
request tries again. Celery tasks and management commands are not requests:
they keep Django's behaviour (and their own retries).
"""

from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    in_request = False
    connect_failed_in_request = False

    def get_new_connection(self, conn_params):
        if self.connect_failed_in_request:
            raise self.Database.OperationalError(
                "not connecting again: connecting failed earlier in this request"
            )
        try:
            return super().get_new_connection(conn_params)
        except self.Database.OperationalError:
            self.connect_failed_in_request = self.in_request
            raise


def _mark_request(in_request):
    def receiver(**kwargs):
        for connection in connections.all():
            if isinstance(connection, DatabaseWrapper):
                connection.in_request = in_request
                connection.connect_failed_in_request = False

    return receiver


_request_started = _mark_request(True)
_request_finished = _mark_request(False)
request_started.connect(_request_started, dispatch_uid="shop_ext.core.postgresql.request_started")
request_finished.connect(_request_finished, dispatch_uid="shop_ext.core.postgresql.request_finished")
