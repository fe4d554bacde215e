"""Mezzanine's account forms call ``authenticate()`` without the request:
``LoginForm.clean`` (sign in) and ``ProfileForm.save`` (the automatic sign-in
after sign-up). django-axes' backend refuses that with
AxesBackendRequestParameterRequired, so with axes enabled (production) both
pages were a 500, and a failed sign-in would not be counted. Here the
``authenticate`` those forms call hands over the current request, which
Mezzanine's CurrentRequestMiddleware keeps. Tested in tests/test_accounts_axes.py.
"""
from django.contrib import auth
from mezzanine.core.request import current_request


def authenticate(request=None, **credentials):
    return auth.authenticate(request or current_request(), **credentials)


def apply():
    from mezzanine.accounts import forms

    forms.authenticate = authenticate
