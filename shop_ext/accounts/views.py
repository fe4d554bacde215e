"""Mezzanine's account pages, with the inputs that made them fail made safe."""

from django.contrib import messages
from django.contrib.auth import logout as sign_out
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from mezzanine.accounts import views as mezzanine_accounts

from shop_ext.accounts.forms import PasswordResetForm
from shop_ext.accounts.tasks import send_password_reset
from shop_ext.core.redirects import local_next
from shop_ext.core.tasks import enqueue


def _with_safe_inputs(view):
    """Run a Mezzanine account view with a ``next`` it can redirect to, and
    with an empty POST bound as a form (so the page says what is missing)
    rather than taken for a first visit."""

    def wrapper(request, *args, **kwargs):
        keep = local_next(request)
        for method in ("GET", "POST"):
            params = getattr(request, method)
            if "next" in params and params["next"] != keep:
                params = params.copy()
                del params["next"]
                setattr(request, method, params)
        if request.method == "POST" and not request.POST:
            request.POST = QueryDict("submitted=1")
        return view(request, *args, **kwargs)

    wrapper.__doc__ = view.__doc__
    return wrapper


login = _with_safe_inputs(mezzanine_accounts.login)
signup = _with_safe_inputs(mezzanine_accounts.signup)


RESET_SENT = _(
    "If an account has that username or email address, we have sent an email "
    "with a link for resetting its password to the account's email address."
)


@_with_safe_inputs
def password_reset(request):
    """Mezzanine's "forgot password" page, with one answer for every login,
    whether or not an account has it, so the page tells nobody which
    accounts exist; the link goes to each account the form names."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for user in form.accounts():
            enqueue(send_password_reset, user.pk, local_next(request) or "/")
        messages.info(request, RESET_SENT)
        form = PasswordResetForm()  # not the login entered: the page is the same for all
    context = {"form": form, "title": _("Password Reset")}
    return TemplateResponse(request, "accounts/account_password_reset.html", context)


@require_http_methods(["GET", "POST"])
def logout(request):
    """Sign out on POST only, so that no link or image on any page can sign a
    visitor out; GET (an old bookmark) shows a button that does."""
    if request.method == "POST":
        sign_out(request)
        messages.info(request, _("You are signed out."))
        return redirect(local_next(request) or "home")
    return TemplateResponse(request, "accounts/account_logout.html", {"next": local_next(request) or ""})
