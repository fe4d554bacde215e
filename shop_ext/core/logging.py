"""Keeping private-link tokens (shop_ext.delivery.private_links) out of the
logs: Django's (a filter on the handlers, project/settings) and gunicorn's
access log (deploy/gunicorn.conf.py's logger_class). nginx's access log
does the same with its own log format (deploy/nginx.conf)."""

import logging
import re

from gunicorn.glogging import Logger

# An order's private path: /orders/<number>/<64 hex digits>/...
PRIVATE_PATH = re.compile(r"(/orders/\d+/)[0-9a-f]{64}")
HIDDEN = r"\1[private]"


def hide_private_links(text):
    return PRIVATE_PATH.sub(HIDDEN, text)


class HidePrivateLinks(logging.Filter):
    """Rewrites a record's message with any private link hidden (e.g.
    django.request's "Not Found: /orders/5/<token>/")."""

    def filter(self, record):
        message = record.getMessage()
        hidden = hide_private_links(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


class GunicornAccessLogger(Logger):
    """gunicorn's logger with private links hidden in the access log's
    request line, path, query and referrer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = hide_private_links(atoms[key])
        return atoms
