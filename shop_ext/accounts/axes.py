"""Our hooks into django-axes: the page shown once a sign-in is locked out
(AXES_LOCKOUT_CALLABLE: 429 with an explanation, in the site's look), and
the username it records and locks (AXES_USERNAME_CALLABLE)."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from shop_ext.accounts.backends import find_user


def _cooloff_minutes():
    cooloff = settings.AXES_COOLOFF_TIME
    if isinstance(cooloff, (int, float)):
        return max(int(round(cooloff * 60)), 1)
    if hasattr(cooloff, "total_seconds"):
        return max(int(cooloff.total_seconds() // 60), 1)
    return None


def lockout_response(request, original_response=None, credentials=None):
    context = {"cooloff_minutes": _cooloff_minutes(), "title": _("Too many sign-in attempts")}
    return render(request, "shop_ext/locked_out.html", context, status=429)


def axes_username(request, credentials):
    """The username django-axes records and locks (AXES_USERNAME_CALLABLE).

    A login that names an account (its username, or an email only it has)
    is recorded as that account's username, so failures by email and by
    username add up to one lockout. Anything else is recorded as typed, cut
    to its AccessAttempt column (255): an overlong sign-in name is a failed
    sign-in like any other, not a database error."""
    data = credentials or getattr(request, "POST", {}) or {}
    login = data.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(login, str):
        return login
    # PostgreSQL text cannot hold a NUL: no account has one in its name.
    user = find_user(login) if "\x00" not in login else None
    return user.username if user is not None else login[:255]
