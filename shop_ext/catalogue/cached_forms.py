"""Forms on pages kept in shared caches (the product page's "Buy" form).

Such a page is the same for every anonymous browser, so its forms carry an
empty CSRF token (page_cache_middleware.py). ``theme/js/shop.js`` fills it from
``token`` just before the form is sent, if the template marks the form
``data-shop-csrf`` and it posts to this site. A browser without JavaScript
sends it empty; ``csrf_failure`` then answers with a page that sends the same
fields again with this browser's token, one press away, so nothing typed is
lost.
"""

from django.http import JsonResponse
from django.middleware.csrf import REASON_CSRF_TOKEN_MISSING, REASON_NO_CSRF_COOKIE, get_token
from django.shortcuts import render
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shop_ext.core.middleware import without_page

# The views of cached pages that take a form.
RESENDABLE_URL_NAMES = {"shop_product", "contact"}
# Only the reasons an empty token gives: a wrong token, or a request from
# another site (Origin and Referer are checked before the token), gets
# Django's plain 403.
RESENDABLE_REASONS = {REASON_NO_CSRF_COOKIE, REASON_CSRF_TOKEN_MISSING}
# Marks a form sent again: if that fails too (a browser that keeps no
# cookies), Django's 403 says that cookies are needed.
SENT_AGAIN = "sent_again"


@require_GET
@never_cache
@without_page
def token(request):
    """This browser's CSRF token (its cookie is set with it). No page, so no
    database: the Buy form still gets its token while the database is away."""
    return JsonResponse({"token": get_token(request)})


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form from a shared page sent without a token is
    offered again with one; anything else is Django's 403."""
    match = request.resolver_match
    if (
        reason not in RESENDABLE_REASONS
        or match is None
        or match.url_name not in RESENDABLE_URL_NAMES
        or request.method != "POST"
        or SENT_AGAIN in request.POST
        or request.FILES  # a file cannot be put in the form again
    ):
        return csrf.csrf_failure(request, reason)
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    return render(
        request, "shop_ext/send_form_again.html", {"fields": fields, "sent_again": SENT_AGAIN}, status=403
    )
