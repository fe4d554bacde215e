"""Path converters for database ids in our URLs.

Django's ``<int:...>`` matches any run of digits; a number past what the
id column holds reaches the database, and SQLite raises OverflowError (a
500) for anything above 2**63 - 1. ``<shop_id:...>`` matches only ids an
``AutoField`` can hold (PostgreSQL ``integer``), so anything larger is a
plain 404, like an id that does not exist.
"""

from django.urls import register_converter

MAX_ID = 2**31 - 1


def is_id(value):
    """Whether the text ``value`` is a database id: ASCII digits (``isdigit``
    also takes other scripts' digits, which ``int`` reads), in range."""
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


class ShopIdConverter:
    regex = "[0-9]{1,10}"

    def to_python(self, value):
        value = int(value)
        if value > MAX_ID:
            raise ValueError("id out of range")  # the URL does not match: 404
        return value

    def to_url(self, value):
        return str(value)


register_converter(ShopIdConverter, "shop_id")


class PrivateTokenConverter:
    """An order's private-link token (shop_ext.delivery.private_links): 64 hex
    digits, so a truncated or padded token is a plain 404 before any lookup."""

    regex = "[0-9a-f]{64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PrivateTokenConverter, "private_token")
