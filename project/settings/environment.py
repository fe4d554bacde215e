"""Reading settings from the environment.

A value that cannot be used is refused at start with a message naming its
variable (never a traceback from deep inside a library); manage.py prints
that message for every command. Values that may hold passwords (URLs) are
never echoed.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_choice(name, default, choices):
    value = os.environ.get(name, "").strip() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name):
    """A comma-separated list; empty items dropped."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_url(name, default, parse, schemes):
    """``parse(url)`` for a URL whose scheme is one of ``schemes``."""
    value = os.environ.get(name) or default
    if urlsplit(value).scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must start with one of: {', '.join(f'{s}://' for s in sorted(schemes))}"
        )
    try:
        return parse(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not a valid URL") from None
