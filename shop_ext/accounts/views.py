from django.contrib import messages
from django.contrib.auth import logout as sign_out
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from mezzanine.utils.urls import next_url


@require_http_methods(["GET", "POST"])
def logout(request):
    """Sign out on POST only, so that no link or image on any page can sign a
    visitor out; GET (an old bookmark) shows a button that does."""
    if request.method == "POST":
        sign_out(request)
        messages.info(request, "You are signed out.")
        return redirect(next_url(request) or "home")
    return TemplateResponse(request, "accounts/account_logout.html", {"next": next_url(request) or ""})
