"""Mezzanine's sign-in by username or email, without its crashes.

``mezzanine.core.auth_backends.MezzanineBackend`` looks the user up with
``User.objects.get(Q(username=x) | Q(email=x))``: two accounts with one
email address (staff can create them in the admin), or a username that is
someone else's email, make every sign-in with that address a 500
(MultipleObjectsReturned). Its verification links (password reset, sign-up)
turn an overlong or huge ``uidb36`` into ValueError / OverflowError, also a
500.

Here a username wins over an email; an email signs in only the one account
that has it; a link with an impossible uid is just not valid. ShopBackend
takes MezzanineBackend's place in AUTHENTICATION_BACKENDS (see
project/settings/base.py, finish_settings).
"""

from django.contrib.auth import get_user_model
from django.utils.http import base36_to_int
from mezzanine.core.auth_backends import MezzanineBackend

from shop_ext.core.converters import MAX_ID


def accounts_named(login, **filters):
    """The accounts ``login`` names: the one with that username, else every
    one with that email address."""
    users = get_user_model()._default_manager.filter(**filters)
    by_username = users.filter(username=login)
    return by_username if by_username.exists() else users.filter(email=login)


def find_user(login, **filters):
    """The account ``login`` (a username, or an email only one account
    has) names, or None."""
    named = list(accounts_named(login, **filters)[:2])
    return named[0] if len(named) == 1 else None


class ShopBackend(MezzanineBackend):
    """MezzanineBackend with the lookups above."""

    def authenticate(self, request=None, **kwargs):
        username = kwargs.get("username")
        if username:
            # Mezzanine passes is_active (True for a password reset); sign-in
            # leaves it out so the form can say "Your account is inactive".
            filters = {"is_active": kwargs["is_active"]} if "is_active" in kwargs else {}
            user = find_user(username, **filters)
            if user is not None and user.check_password(kwargs.get("password")):
                return user
            return None
        if "uidb36" in kwargs:
            try:
                uid = base36_to_int(kwargs["uidb36"])
            except ValueError:
                return None
            if uid > MAX_ID:
                return None
        return super().authenticate(request, **kwargs)
