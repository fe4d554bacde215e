"""Brute-force protection for sign-in (django-axes) in Mezzanine's login.

Mezzanine's LoginForm calls ``authenticate()`` without the request, and
django-axes' backend refuses that (AxesBackendRequestParameterRequired: a
500 on every sign-in once axes is enabled). ``LoginForm`` here passes the
current request; project/urls.py gives it to Mezzanine's login view.
``lockout_response`` (AXES_LOCKOUT_CALLABLE) is the friendly page shown
once an account/address is locked out: 429 with an explanation.
"""
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.shortcuts import render
from django.utils.translation import gettext
from mezzanine.accounts.forms import LoginForm as MezzanineLoginForm
from mezzanine.core.request import current_request


class LoginForm(MezzanineLoginForm):
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        self._user = authenticate(current_request(), username=username, password=password)
        if self._user is None:
            raise forms.ValidationError(gettext("Invalid username/email and password"))
        if not self._user.is_active:
            raise forms.ValidationError(gettext("Your account is inactive"))
        return self.cleaned_data


def _cooloff_minutes():
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    if isinstance(cooloff, (int, float)):
        return max(int(round(cooloff * 60)), 1)
    if hasattr(cooloff, "total_seconds"):
        return max(int(cooloff.total_seconds() // 60), 1)
    return None


def lockout_response(request, original_response=None, credentials=None):
    context = {"cooloff_minutes": _cooloff_minutes(), "title": "Too many sign-in attempts"}
    return render(request, "shop_ext/locked_out.html", context, status=429)
