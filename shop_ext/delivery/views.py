"""Serving a paid file or an order's zip: access, limits, logging, delivery.

Django only decides; the bytes are sent by the web server through
django-sendfile2 (X-Accel-Redirect with nginx), so the cost of a download
in Django does not grow with the file's size.

One query reads the grant (or the order's grants, for the zip) with its
order, delivery and file, and what tells who asks: an order's private
link, a link signed for the buyer's browser (signed_links), else the
session (``Asking``). The attempt is then counted and logged
(``attempts``) before nginx opens the file. When nginx cannot send it
(unreadable or missing on its side), it tells the app (``download_failed``,
reached through deploy/nginx.conf's error_page), which gives the attempt
back.
"""

import logging
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from urllib.parse import quote

from cartridge.shop.models import Order
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.http.request import RawPostDataException
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.compiled_query import CompiledQuery
from shop_ext.core.middleware import without_page
from shop_ext.core.storage import STORAGE_UNAVAILABLE, private_storage
from shop_ext.core.tasks import enqueue
from shop_ext.delivery import signed_links, stamping
from shop_ext.delivery.access import LinkHolder, checks_as_staff, grant_decision, order_decision, owns
from shop_ext.delivery.attempts import (
    OUT_OF_ATTEMPTS,
    count_download,
    failure_token,
    give_back_failed,
    may_resume,
    record,
    record_denied,
    resumable,
    resumed,
)
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, served_version
from shop_ext.delivery.private_links import holder_for_token, holder_of_joined_link, page_url
from shop_ext.delivery.sending import file_response, nginx_fetches_from_s3, storage_failures_answered
from shop_ext.delivery.tasks import build_order_zip, stamped_copy
from shop_ext.delivery.zips import files_in_zip, for_zip, order_zip, zip_name, zip_size
from shop_ext.models import (
    DownloadAttempt,
    DownloadGrant,
    DownloadPolicy,
    StampedCopy,
    files_of_its_type,
)

log = logging.getLogger(__name__)

# Where the X-Accel-Redirect response names the download's file name, for
# nginx's internal location to set as Content-Disposition (deploy/nginx.conf).
DISPOSITION_FOR_NGINX = "X-Download-Disposition"
# How often the "preparing your zip" page looks again, and how long a zip
# may wait for a worker before the request builds it itself.
ZIP_CHECK_SECONDS = 3
ZIP_WAIT_SECONDS = 60
# Where serve_signed_plainly leaves the grant it read for download_file
# when it passes the request on: ((order id, grant id), the grant or None).
GRANT_READ = "shop_ext_grant_read"
# How often the "preparing your copy" (a stamped copy) page looks again.
COPY_CHECK_SECONDS = 3


def _owned_order(request, who, order_id):
    order = Order.objects.select_related("delivery").filter(pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    if not owns(who, order):
        record_denied(request, who, order, None, "not the buyer")
        raise Http404("No such order.")
    return order


def _refuse(request, who, order, grant, outcome, reason, status, version=None):
    if outcome == DownloadAttempt.DENIED:
        record_denied(request, who, order, grant, reason, version)
    else:
        record(request, who, order, grant, outcome, reason, version)
    context = {"order": order, "reason": reason}
    return TemplateResponse(request, "shop_ext/download_refused.html", context, status=status)


class Asking:
    """How a download request says who asks, and what the download's one
    query reads to know it: a private link's token (the order's link
    joined), a signed link's key (the buyer's password hash,
    shop_ext.delivery.signed_links), else the session (read before). The
    same query reads which counted download the request may resume: of
    the grant's file, or of the order's zip (``whole_order``)."""

    def __init__(self, request, token, whole_order=False):
        self.request = request
        self.token = token
        self.signed = token is None and signed_links.KEY in request.GET
        self.whole_order = whole_order

    def must_sign_in(self):
        """Nothing but the session to go by, and nobody signed in to it."""
        return self.token is None and not self.signed and not self.request.user.is_authenticated

    def query(self, grants):
        """``grants`` (one order's) with what tells who asks, and the id of
        the download the request may resume (``resumable``), read by the
        same query."""
        if self.token is not None:
            grants = grants.select_related("order__private_link")
        elif self.signed:
            grants = grants.annotate(buyer_password=signed_links.buyer_password())
        if may_resume(self.request):
            grant = None if self.whole_order else OuterRef("pk")
            # A key that holds is the order's buyer's; if it does not, who() looks again.
            user_id = OuterRef("order__user_id") if self.signed else self._signed_in_id()
            candidate = resumable(self.request, user_id, OuterRef("order_id"), grant)
            grants = grants.annotate(resumable=Subquery(candidate))
        return grants

    def _signed_in_id(self):
        return self.request.user.pk if self.request.user.is_authenticated else None

    def who(self, order_id, row):
        """Who asks for order ``order_id``'s files, from ``row`` (a grant as
        query() read it; None when it found none): the link's holder (a
        wrong token is a 404, like a missing order), the buyer of a signed
        link that holds, else the signed-in user; None for nobody signed in."""
        if self.token is not None:
            if row is None:
                holder = holder_for_token(order_id, self.token)
            else:
                holder = holder_of_joined_link(row.order, self.token)
            if holder is None:
                raise Http404("No such order.")
            return holder
        if row is not None and self.signed:
            buyer = signed_links.buyer_asking(self.request, row.order, row.buyer_password)
            if buyer is not None:
                return buyer
            if may_resume(self.request):  # read for the order's buyer: the session's user may be another
                grant = None if self.whole_order else row.pk
                row.resumable = resumable(self.request, self._signed_in_id(), order_id, grant).first()
        return self.request.user if self.request.user.is_authenticated else None

    def resumes(self, download, row):
        """The id of the counted download ``download`` resumes (``row``: a
        grant as query() read it), or None."""
        if not may_resume(self.request):
            return None
        return resumed(self.request, download.size(), row.resumable)


class FeedAsking(Asking):
    """A download through a library feed's acquisition link
    (shop_ext.delivery.library_feed): its token names the buyer (``buyer``,
    a SignedBuyer), who asks as the order's buyer; no session is read."""

    def __init__(self, request, buyer):
        super().__init__(request, token=None)
        self.signed = False
        self.buyer = buyer

    def must_sign_in(self):
        return False

    def _signed_in_id(self):
        return self.buyer.id

    def who(self, order_id, row):
        return self.buyer


@dataclass
class Download:
    """What a download request asks for: one grant's file (``files`` holds
    the version it serves), or (grant None) all files of the order as one zip."""

    order: Order
    grant: DownloadGrant | None
    files: list
    # The buyer's stamped copy of the version, sent instead of it.
    stamped: StampedCopy | None = None

    @property
    def version(self):
        return self.files[0] if self.grant else None

    def decision(self, user):
        """May ``user`` download it now (shop_ext.delivery.access)?"""
        return grant_decision(user, self.grant) if self.grant else order_decision(user, self.order)

    @property
    def filename(self):
        if not self.grant:
            return f"order-{self.order.pk}-files.zip"
        return self.grant.file.name_for_buyer(self.grant.files_of_its_type)

    @property
    def content_type(self):
        return self.files[0].content_type if self.grant else "application/zip"

    @cached_property
    def stored_name(self):
        """The file to send, by its name in private storage; a zip no worker
        has built yet is built here."""
        if self.stamped:
            return self.stamped.file.name
        return self.files[0].file.name if self.grant else order_zip(self.order, self.files)

    def size(self):
        """Its size as sent before, for a suffix range; 0 for a zip not built
        yet (nothing of this content was sent)."""
        if self.grant:
            return self.stamped.size if self.stamped else self.files[0].size
        return zip_size(self.order, self.files)


def _deliver(request, who, download, resumes):
    """Serve ``download`` to ``who`` (a user, a signed link's buyer or a
    private link's holder); ``resumes``: the id of the counted download it
    resumes, if any."""
    order, grant = download.order, download.grant
    if resumes is not None:
        # A resume uses no attempt, so the attempts left do not limit it (the
        # last one may have started it); every other rule does. In memory only.
        order.delivery.max_attempts = None
    decision = download.decision(who)
    if not decision:
        status = decision.http_status
        return _refuse(request, who, order, grant, DownloadAttempt.DENIED, decision.reason, status)
    refused = _refuse_missing_files(request, who, download)
    if refused is not None:
        return refused
    stored_name = download.stored_name  # builds the zip first: if that fails, no attempt is used
    if request.method == "HEAD":
        # A look at the link (a mail scanner, a download manager asking the
        # size) sends no file: it uses no attempt and is not logged.
        return _file_response(request, stored_name, download)
    as_staff = checks_as_staff(who, order)
    sent = _send_counted(request, who, download, stored_name, resumes, as_staff)
    if sent is None:
        return _refuse(request, who, order, grant, DownloadAttempt.DENIED, OUT_OF_ATTEMPTS, 403)
    response, attempt_id = sent
    if as_staff:
        log.info(
            "Order #%s: staff user %s downloaded %s of another buyer (download log entry %s)",
            order.pk,
            request.user.get_username(),
            grant.file.file.name if grant else "the order's zip",
            attempt_id,
        )
    return response


def _send_counted(request, who, download, stored_name, resumes, as_staff):
    """Count ``download`` (the last thing that can fail: storage is asked
    first, so a storage error uses no attempt) and the response that has it
    sent, with its download log entry's id; None when the order's attempts
    ran out meanwhile (nothing counted)."""
    response = _file_response(request, stored_name, download)
    counted_download = count_download(request, who, download, resumes, as_staff)
    if counted_download is None:
        return None
    attempt_id, counted = counted_download
    if response.has_header("X-Accel-Redirect"):
        # The body comes from nginx, which sets its own length; ours is empty.
        del response["Content-Length"]
        _let_nginx_report_failure(response, attempt_id, counted)
    return response, attempt_id


def attachment_disposition(filename):
    """Content-Disposition for a download named ``filename``: its ASCII
    fallback is the name slugified to ASCII (accents dropped), or
    "download" when nothing ASCII is left of a non-Latin title; the exact
    name goes in filename*."""
    name = PurePosixPath(filename)
    stem, extension = slugify(name.stem) or "download", slugify(name.suffix)
    fallback = f"{stem}.{extension}" if extension else stem
    if fallback == filename:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _file_response(request, stored_name, download):
    disposition = attachment_disposition(download.filename)
    response = file_response(request, stored_name, download.content_type, disposition)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _missing_files(download):
    """The files of ``download`` missing from private storage. A single file
    that nginx fetches from S3 is not asked for: nginx reports it if it is
    missing."""
    if download.grant is not None and nginx_fetches_from_s3():
        return []
    return [f for f in download.files if not f.file.storage.exists(f.file.name)]


def _refuse_missing_files(request, who, download):
    """A refusal page when a file to send is missing from private storage
    (staff are told in the log), else None."""
    missing = _missing_files(download)
    if not missing:
        return None
    log.error(
        "Order #%s: file(s) missing from private storage: %s",
        download.order.pk,
        ", ".join(f"{f.pk} {f.file.name}" for f in missing),
    )
    reason = _(
        "This file is temporarily unavailable. We have been told and will fix it; no attempt was used."
    )
    return _refuse(request, who, download.order, download.grant, DownloadAttempt.FAILED, reason, 404)


def _let_nginx_report_failure(response, attempt_id, counted):
    """Hand nginx what it needs to tell ``download_failed`` that it could
    not send the file of download log entry ``attempt_id``. Clients never
    see X-Accel-* headers."""
    token = failure_token(attempt_id, counted)
    # nginx ignores the query string when it maps the URI to the file, and
    # keeps it for its error_page; the token is URL-safe as it is.
    response["X-Accel-Redirect"] += f"?attempt={token}"
    name_for_nginx(response)


def name_for_nginx(response):
    """Move an X-Accel-Redirect response's file name where nginx's internal
    location reads it. nginx copies the app's Content-Disposition onto
    whatever it answers, its error page too, which a browser would then
    save under the book's name; the internal location sets it from
    DISPOSITION_FOR_NGINX instead."""
    response[DISPOSITION_FOR_NGINX] = response["Content-Disposition"]
    del response["Content-Disposition"]


@csrf_exempt  # posted by nginx, not by a form: the signed token is the authority
@require_POST
@never_cache
def download_failed(request):
    """nginx could not send a file the app handed it (deploy/nginx.conf's
    error_page posts the attempt's token here): give the attempt back, once,
    tell staff what to fix, and tell the buyer."""
    try:
        token = request.body.decode("ascii", "replace")
    except RawPostDataException:  # a form's multipart body, read by the middleware: not nginx's
        raise Http404("No such download.") from None
    attempt = give_back_failed(token)
    if attempt is None:  # forged, expired, or reported already: a replay changes nothing
        raise Http404("No such download.")
    reason = _("We could not send this file. No download attempt was used, and we have been told.")
    context = {"order": attempt.order, "reason": reason}
    return TemplateResponse(request, "shop_ext/download_refused.html", context, status=503)


@never_cache
@without_page
@storage_failures_answered
def download_file(request, order_id, grant_id, token=None):
    return serve_grant(request, Asking(request, token), order_id, grant_id)


def serve_grant(request, asking, order_id, grant_id):
    """Serve grant ``grant_id`` of order ``order_id`` to whoever ``asking``
    (an Asking) says asks: every download of one file goes through here."""
    if asking.must_sign_in():
        return redirect_to_login(request.get_full_path())
    read = getattr(request, GRANT_READ, None)
    if read is not None and read[0] == (order_id, grant_id):
        grant = read[1]  # serve_signed_plainly's read, still this request's
    else:
        grant = _grant_asked(asking, order_id, grant_id)
    who = asking.who(order_id, grant)
    if who is None:
        return redirect_to_login(request.get_full_path())
    if grant is None:
        _owned_order(request, who, order_id)  # logs a stranger's try
        raise Http404("No such file.")
    if not owns(who, grant.order):
        record_denied(request, who, grant.order, None, "not the buyer")
        raise Http404("No such order.")
    download = Download(grant.order, grant, [served_version(grant)])
    if stamping.applies(grant.file.product, download.version):
        waiting = _with_stamped_copy(request, who, download)
        if waiting is not None:
            return waiting
    return _deliver(request, who, download, asking.resumes(download, grant))


def _grant_asked(asking, order_id, grant_id):
    """The hot path's one query: the grant with its order, delivery, file,
    version and name, who asks and the download it may resume; None when
    the order has no such grant."""
    try:  # get(): no ORDER BY to compile for the one row
        return asking.query(_grant_query(order_id, grant_id)).get()
    except DownloadGrant.DoesNotExist:
        return None


def _grant_query(order_id, grant_id):
    grants = DownloadGrant.objects.filter(pk=grant_id, order_id=order_id)
    grants = grants.select_related("order__delivery", *SERVED_VERSION_RELATED)
    return grants.annotate(files_of_its_type=files_of_its_type("file"))


def _signed_grant_query(order_id, grant_id):
    """_grant_asked's query for a signed link's plain case (no resume to look for)."""
    return _grant_query(order_id, grant_id).annotate(buyer_password=signed_links.buyer_password())


# Compiled once per process: building and compiling it cost about half of
# a download's CPU (docs/benchmarks.md, run 11).
_signed_grant = CompiledQuery(_signed_grant_query)


def serve_signed_plainly(request, order_id, grant_id):
    """A whole-file GET through a link signed for this browser, answered
    before the session, user, cart and page middleware
    (shop_ext.delivery.middleware): the one query, the key's check, the
    access rules, the count and log, the X-Accel-Redirect. Only the plain
    case: None, with nothing written, when the request needs more (no
    such grant, a key that does not hold, a refusal, a stamped copy, a
    possible resume, a HEAD, a missing file, a storage error, the
    attempts gone meanwhile); download_file then answers it as before."""
    asking = Asking(request, None)
    if request.method != "GET" or not asking.signed or may_resume(request):
        return None
    try:
        grant = _signed_grant.first(order_id, grant_id)
        setattr(request, GRANT_READ, ((order_id, grant_id), grant))
        if grant is None:
            return None
        who = signed_links.buyer_asking(request, grant.order, grant.buyer_password)
        if who is None:
            return None
        download = Download(grant.order, grant, [served_version(grant)])
        if stamping.applies(grant.file.product, download.version) or not download.decision(who):
            return None
        if _missing_files(download):
            return None
        sent = _send_counted(request, who, download, download.stored_name, None, as_staff=False)
    except STORAGE_UNAVAILABLE:  # raised before the count: download_file answers and tells staff
        return None
    if sent is None:
        delattr(request, GRANT_READ)  # the attempts ran out after the read: read again
        return None
    response = sent[0]
    add_never_cache_headers(response)  # as download_file's never_cache does
    return response


def _with_stamped_copy(request, who, download):
    """Sets the buyer's stamped copy on ``download`` when it is ready (a copy
    is made only for someone who may download now); else the response: the
    "preparing your copy" page, a refusal, or the "delayed" page when it
    could not be made. None as well when it could not be made and the
    product delivers the original then. No attempt is used by any of these."""
    order, grant = download.order, download.grant
    decision = download.decision(who)
    copy = stamped_copy(grant, download.version, create=bool(decision))
    if copy is None or (copy.status != StampedCopy.READY and not decision):
        # Refused, and no copy to resume: never the unstamped file.
        return _refuse(
            request, who, order, grant, DownloadAttempt.DENIED, decision.reason, decision.http_status
        )
    if copy.status == StampedCopy.READY:
        download.stamped = copy
        return None
    if copy.status == StampedCopy.PENDING:
        context = {"order": order, "back_url": back_url(who, order)}
        response = TemplateResponse(request, "shop_ext/copy_preparing.html", context, status=202)
        response["Refresh"] = str(COPY_CHECK_SECONDS)
        return response
    if grant.file.product.download_policy.deliver_if_stamping_fails == DownloadPolicy.STAMP_FAILED_ORIGINAL:
        return None
    reason = _(
        "Your copy of this file is delayed: we could not prepare it and have been told. "
        "No download attempt was used; please try again later."
    )
    return _refuse(request, who, order, grant, DownloadAttempt.FAILED, reason, 503, download.version)


@never_cache
@without_page
@storage_failures_answered
def download_zip(request, order_id, token=None):
    asking = Asking(request, token, whole_order=True)
    if asking.must_sign_in():
        return redirect_to_login(request.get_full_path())
    # One query: the order's grants with what the zip holds, the order and
    # its delivery, who asks and the download it may resume.
    grants = DownloadGrant.objects.filter(order_id=order_id).select_related("order__delivery")
    grants = list(asking.query(for_zip(grants)))
    first = grants[0] if grants else None
    who = asking.who(order_id, first)
    if who is None:
        return redirect_to_login(request.get_full_path())
    if first is None:
        _owned_order(request, who, order_id)  # logs a stranger's try
        raise Http404("This order has no files.")
    order = first.order
    if not owns(who, order):
        record_denied(request, who, order, None, "not the buyer")
        raise Http404("No such order.")
    files = files_in_zip(grants)
    if not files:
        raise Http404("This order has no files.")
    download = Download(order, None, files)
    target = zip_name(order, files)
    if not private_storage.exists(target) and download.decision(who):
        refused = _refuse_missing_files(request, who, download)
        if refused is not None:
            return refused
        if _wait_for_worker(order, target):
            context = {"order": order, "back_url": back_url(who, order)}
            response = TemplateResponse(request, "shop_ext/zip_preparing.html", context, status=202)
            response["Refresh"] = str(ZIP_CHECK_SECONDS)
            return response
    return _deliver(request, who, download, asking.resumes(download, first))


def back_url(who, order):
    """Where a waiting page leads back to: the private page for its link's
    holder, else order history."""
    return page_url(who) if isinstance(who, LinkHolder) else reverse("shop_order_history")


def _wait_for_worker(order, target):
    """Queue the build of the order's zip (at ``target``) the first time it
    is asked for; True while the buyer should wait for the worker. When the
    queue is down, or no worker built it within ZIP_WAIT_SECONDS (down or far
    behind), False: this request builds it. (Without a broker the task has
    run already.)"""
    key = f"shop_ext:zip-queued:{order.pk}:{PurePosixPath(target).name}"
    try:
        queued_at = cache.get(key)
        if queued_at is None:
            cache.set(key, time.time(), ZIP_WAIT_SECONDS * 10)
    except CACHE_DOWN:
        queued_at = None  # every look queues it: the task builds a zip once anyway
    if queued_at is None:
        if not enqueue(build_order_zip, order.pk):
            return False
    elif time.time() - queued_at > ZIP_WAIT_SECONDS:
        log.warning(
            "Order #%s: no worker built its zip in %s s; the request builds it", order.pk, ZIP_WAIT_SECONDS
        )
        return False
    return not private_storage.exists(target)
