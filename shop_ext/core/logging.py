"""Keeping the tokens in our links out of the logs: an order's private link
(shop_ext.delivery.private_links), the return link Stripe sends a buyer
back to it by (shop_ext.payments.views), the link that adds guest orders to
an account (shop_ext.orders.claims), a library feed's token
(shop_ext.delivery.library_feed), a guest's library link and Mezzanine's password-reset and
sign-up verification links.
Django's logs hide them with a filter on the handlers (project/settings),
gunicorn's access log with deploy/gunicorn.conf.py's logger_class, nginx's
with its own log format (deploy/nginx.conf)."""

import logging
import re

from gunicorn.glogging import Logger

# What comes before a token, then the token.
# Anything in the token's place, in any case or percent-encoded (Django
# decodes both before it finds the URL wrong).
TOKEN_IN_PATH = re.compile(
    r"((?<!/account)/orders/\d+/)[^/?#\s\"]+"
    r"|(/account/orders/claim/)[^/?#\s\"]+"
    r"|(/shop/payment/\d+/return/)[^/?#\s\"]+"
    r"|(/accounts/(?:password/)?verify/[^/?#\s\"]+/)[^/?#\s\"]+"
    r"|(/account/library/opds/)(?!files/)[^/?#\s\"]+"
    r"|(/orders/library/)[^/?#\s\"]+",
    re.IGNORECASE,
)


def hide_private_links(text):
    return TOKEN_IN_PATH.sub(lambda match: next(g for g in match.groups() if g) + "[private]", text)


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
