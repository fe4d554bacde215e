"""The page django-axes shows once a sign-in is locked out
(AXES_LOCKOUT_CALLABLE): 429 with an explanation, in the site's look."""
from django.conf import settings
from django.shortcuts import render


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
