"""The buyer's library page (/account/library/) and a guest's (by the
link of the lost-links email), the OPDS feed and the
feed's downloads (shop_ext.delivery.library, library_feed), and sending a
book to the buyer's e-reader (shop_ext.delivery.ereader)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shop_ext.core.links import absolute_url, site_url
from shop_ext.core.middleware import without_page
from shop_ext.delivery import ereader, library_feed
from shop_ext.delivery.emails import file_url
from shop_ext.delivery.library import books_page, guest_email, guest_grants, library_page
from shop_ext.delivery.private_links import holder_of, no_referrer
from shop_ext.delivery.sending import storage_failures_answered
from shop_ext.delivery.views import FeedAsking, serve_grant

# The session key that carries a new feed's address to the one page that
# shows it (Post/Redirect/Get: a refresh neither shows it again nor makes
# another).
NEW_FEED_URL = "shop_ext:library-new-feed-url"


def _library_context(request, feed_url=None, ereader_form=None):
    page = library_page(
        request.user, request.GET.get("page"), lambda grant: file_url(grant, request.user, signed_for=request)
    )
    return {
        "page": page,
        "books": page.object_list,
        "has_feed": library_feed.has_feed(request.user),
        "new_feed_url": feed_url,
        "basic_feed_url": absolute_url(reverse("library:basic_feed")),
        "ereader_form": ereader_form or ereader.EReaderForm(instance=ereader.address_of(request.user)),
        "ereader_sender": ereader.sender_address(),
        "ereader_limits": ereader.limits_mb(),
        "sendings": ereader.recent_sendings(request.user),
    }


@never_cache
@login_required
def library(request):
    feed_url = request.session.pop(NEW_FEED_URL, None)
    response = TemplateResponse(request, "shop_ext/library.html", _library_context(request, feed_url))
    if feed_url is not None:
        response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@login_required
@require_POST
def feed_token(request):
    """Make a new feed token (the old one ends), shown once on the library
    page this redirects to; or revoke it."""
    if request.POST.get("action") == "revoke":
        library_feed.revoke(request.user)
        request.session.pop(NEW_FEED_URL, None)  # an address made but not yet shown is dead too
        messages.info(request, _("Your library feed is switched off: its address no longer works."))
    else:
        token = library_feed.new_token(request.user)
        request.session[NEW_FEED_URL] = absolute_url(reverse("library:feed", args=[token]))
    return HttpResponseRedirect(reverse("library:library") + "#feed")


def _feed_buyer(request, token):
    """The feed's buyer for ``token``, or the response that refuses it."""
    try:
        buyer = library_feed.buyer_for_token(request, token)
    except library_feed.TooManyMisses:
        return None, HttpResponse(_("Too many tries. Please wait an hour."), status=429)
    if buyer is None:
        raise Http404("No such feed.")
    return buyer, None


def _basic_token(request):
    """The Basic password, or the 401 that asks an app for it."""
    token = library_feed.basic_token(request)
    if token is not None:
        return token, None
    response = HttpResponse(_("Your library feed's token is the password."), status=401)
    response["WWW-Authenticate"] = 'Basic realm="library", charset="UTF-8"'
    return None, response


@never_cache
@without_page
@no_referrer
def feed(request, token=None):
    """The library as an OPDS 1.2 acquisition feed, a page of books at a time."""
    basic = token is None
    if basic:
        token, refused = _basic_token(request)
        if refused is not None:
            return refused
    buyer, refused = _feed_buyer(request, token)
    if refused is not None:
        return refused

    def link_for(grant):
        args = [grant.order_id, grant.pk] if basic else [token, grant.order_id, grant.pk]
        return reverse("library:basic_feed_file" if basic else "library:feed_file", args=args)

    page = library_page(buyer, request.GET.get("page"), link_for)
    here = reverse("library:basic_feed") if basic else reverse("library:feed", args=[token])
    context = {
        "page": page,
        "books": page.object_list,
        "feed_path": here,
        "feed_id": absolute_url(reverse("library:library")),
        "site_url": site_url(),
        "feed_type": library_feed.ACQUISITION_FEED,
        "updated": max((book.last_changed for book in page.object_list), default=timezone.now()),
    }
    return TemplateResponse(
        request, "shop_ext/library_feed.xml", context, content_type=library_feed.ACQUISITION_FEED
    )


@never_cache
@without_page
@no_referrer
@storage_failures_answered
def feed_file(request, order_id, grant_id, token=None):
    """A feed's acquisition link: the file, as every download serves it."""
    if token is None:
        token, refused = _basic_token(request)
        if refused is not None:
            return refused
    buyer, refused = _feed_buyer(request, token)
    if refused is not None:
        return refused
    return serve_grant(request, FeedAsking(request, buyer), order_id, grant_id)


@never_cache
@login_required
@require_POST
def save_ereader(request):
    form = ereader.EReaderForm(request.POST, instance=ereader.address_of(request.user))
    if not form.is_valid():
        context = _library_context(request, ereader_form=form)
        return TemplateResponse(request, "shop_ext/library.html", context, status=400)
    form.instance.user = request.user
    form.save()
    messages.success(request, _("Your e-reader address is saved."))
    return HttpResponseRedirect(reverse("library:library") + "#ereader")


@never_cache
@login_required
@require_POST
def send_to_ereader(request, grant_id):
    """Mail a book's file to the buyer's e-reader, through a worker: one
    download attempt, as a download."""
    message = ereader.queue_sending(request, grant_id)
    messages.info(request, message)
    return HttpResponseRedirect(reverse("library:library") + "#ereader")


@never_cache
def guest_library(request, key):
    """The library of the guest orders placed with the address ``key`` was
    signed for (shop_ext.delivery.library.guest_library_key); each file's
    link is its order's private link. A forged or old key is a 404."""
    email = guest_email(key)
    if email is None:
        raise Http404("No such library.")
    holders = {}

    def holder_for(grant):
        if grant.order_id not in holders:
            holders[grant.order_id] = holder_of(grant.order)
        return holders[grant.order_id]

    page = books_page(
        guest_grants(email),
        request.GET.get("page"),
        holder_for,
        lambda grant: file_url(grant, holder_for(grant)),
    )
    context = {"page": page, "books": page.object_list}
    return TemplateResponse(request, "shop_ext/guest_library.html", context)
