"""The download log and the attempts it counts: who asked, what was served
or refused, which requests resume a counted download for free, and nginx's
report of a file it could not send (the attempt given back, once).

The views ask these questions and answer the request; the rules of the
counting live here (docs/security.md, A01 "Limits hold" and "A Range request
resumes").
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.net import client_ip
from shop_ext.core.ratelimit import count_use
from shop_ext.delivery.access import SignedBuyer
from shop_ext.models import DownloadAttempt, OrderDelivery

log = logging.getLogger(__name__)

# The token nginx hands back when it cannot send a file (see download_failed).
FAILED_DELIVERY_SALT = "shop_ext.delivery.views.failed-delivery"
# nginx reports a failure as soon as it opens the file, moments after the app
# answered; a token older than this is not a report of that download.
FAILED_DELIVERY_MAX_AGE = 5 * 60
# The download log's reason for a staff download of someone else's order.
STAFF_DOWNLOAD = "staff: download_any_order"
# One byte range: "bytes=first-last", "bytes=first-" or "bytes=-suffix_length"
# (at most 19 digits: a longer number is no offset in any file, and int() refuses
# thousands of digits).
SINGLE_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")
OUT_OF_ATTEMPTS = _("All download attempts for this order have been used.")


def log_user_id(request, who):
    """The download log's user: the buyer of a signed link, else the
    signed-in one; None for a private link's holder with no account (or not
    signed in)."""
    if isinstance(who, SignedBuyer):
        return who.id
    return request.user.pk if request.user.is_authenticated else None


def record(request, who, order, grant, outcome, reason="", version=None, resumed_from_id=None):
    return DownloadAttempt.objects.create(
        order=order,
        grant=grant,
        version=version,
        user_id=log_user_id(request, who),
        ip_address=client_ip(request),
        # No NUL: PostgreSQL text cannot hold one (a 500 for a hostile header).
        user_agent=request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:300],
        outcome=outcome,
        reason=reason[:200],
        resumed_from_id=resumed_from_id,
    )


def record_denied(request, who, order, grant, reason, version=None):
    """Log a refused download, up to SHOP_DENIED_DOWNLOADS_LOGGED_PER_HOUR
    rows per hour and asker (the signed-in user, else the order whose
    private link was used), counted per site (the order's): past that the
    request is refused all the same, with one warning instead of a row
    each, so nobody can fill the log."""
    user_id = log_user_id(request, who)
    asker = f"user {user_id}" if user_id is not None else f"link of order {order.pk}"
    key = f"shop_ext:denied-downloads:{order.site_id}:{asker.replace(' ', '-')}"
    try:
        logged = count_use(key, 3600)
    except CACHE_DOWN:
        logged = 0  # the limit needs the cache; the row does not
    limit = settings.SHOP_DENIED_DOWNLOADS_LOGGED_PER_HOUR
    if logged <= limit:
        record(request, who, order, grant, DownloadAttempt.DENIED, reason, version)
    elif logged == limit + 1:
        log.warning("Refused downloads by %s: no more log rows this hour", asker)


def _asked_range(request):
    """The (first, suffix length) of the one byte range ``request`` asks
    for, as digit strings (one may be empty); None for no range, several,
    or one that is not plain bytes."""
    match = SINGLE_RANGE.fullmatch(request.META.get("HTTP_RANGE", "").replace(" ", ""))
    if match is None or match.groups() == ("", ""):
        return None
    return match.groups()


def may_resume(request):
    """Whether ``request`` could resume a counted download: it asks for one
    range not from byte 0, from a known client address (``resumable``
    then says which download, ``resumed`` whether it does)."""
    asked = _asked_range(request)
    if asked is None or (asked[0] and int(asked[0]) == 0):
        return False  # the whole file again: no need to ask the log
    return client_ip(request) is not None


def resumable(request, user_id, order, grant):
    """The counted download ``request`` (from ``user_id``, None for nobody
    signed in) may resume, as a query of its id: of the grant's file (or
    the zip: grant None) served and counted within
    SHOP_DOWNLOAD_RESUME_MINUTES to the same person from the same client
    address, which has free resumes left. ``order``, ``grant`` and
    ``user_id`` may be OuterRefs: the download's own query then carries it."""
    since = timezone.now() - timedelta(minutes=settings.SHOP_DOWNLOAD_RESUME_MINUTES)
    candidates = DownloadAttempt.objects.filter(
        order=order,
        grant=grant,
        user_id=user_id,
        ip_address=client_ip(request),
        outcome=DownloadAttempt.SERVED,
        created_at__gte=since,
        resumes_used__lt=settings.SHOP_DOWNLOAD_MAX_RESUMES,
    )
    return candidates.order_by("pk").values_list("pk", flat=True)[:1]


def resumed(request, size, candidate_id):
    """``candidate_id`` (resumable's answer) if ``request`` resumes it: a
    range starting past byte 0 of what was sent (``size``: its size then,
    for a suffix range); else None. "bytes=0-", several ranges or a suffix
    covering the whole file are new downloads."""
    asked = _asked_range(request)
    if candidate_id is None or asked is None:
        return None
    first, suffix_length = asked
    start = int(first) if first else size - int(suffix_length)
    return candidate_id if start > 0 else None


# Counting a download and logging it: the three writes of count_download.
# Each is conditional, so concurrent requests never take more free resumes
# than a download has, nor more attempts than the order has. (S608: the
# texts are made of these constants and table names; every value is a
# bound parameter.)
_TAKE_RESUME = f"""
    UPDATE {DownloadAttempt._meta.db_table} SET resumes_used = resumes_used + 1
    WHERE id = %(resumes)s AND resumes_used < %(max_resumes)s"""  # noqa: S608
_USE_ATTEMPT = f"""
    UPDATE {OrderDelivery._meta.db_table} SET attempts_used = attempts_used + 1
    WHERE order_id = %(order)s AND %(counts)s AND (max_attempts IS NULL OR attempts_used < max_attempts)"""  # noqa: S608
_LOG_COLUMNS = (
    "order_id, grant_id, version_id, user_id, ip_address, user_agent, created_at, outcome, reason,"
    " resumed_from_id, resumes_used"
)
_LOG_VALUES = (
    "%(order)s, %(grant)s, %(version)s, %(user)s, %(ip)s, %(agent)s, %(now)s, {outcome}, %(reason)s,"
    " {resumed_from}, 0"
)
_LOG = f"INSERT INTO {DownloadAttempt._meta.db_table} ({_LOG_COLUMNS})"
# PostgreSQL: the three in one statement, so one round trip and no
# transaction to open and commit. Its parts all see one snapshot, so the
# attempt is used only when the resume was not taken (NOT EXISTS resume).
#
# Its own transaction commits without waiting for the WAL to reach the disk
# (synchronous_commit off, set for this transaction only: quick_commit, read
# by the INSERT whenever the statement writes). That wait was 6-14 ms
# per download under load (docs/benchmarks.md, run 15). The count stays
# atomic and every other transaction sees it once the statement returns,
# before nginx opens the file; only a PostgreSQL crash can forget the last
# fraction of a second of counts and log rows (docs/security.md). Orders,
# payments and grants keep synchronous commit.
_COUNT_AND_LOG = f"""
    WITH quick_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
    resume AS ({_TAKE_RESUME} RETURNING id),
    counted AS ({_USE_ATTEMPT} AND NOT EXISTS (SELECT 1 FROM resume) RETURNING 1)
    {_LOG}
    SELECT {
    _LOG_VALUES.format(
        outcome="CASE WHEN EXISTS (SELECT 1 FROM resume) THEN %(resumed)s ELSE %(served)s END",
        resumed_from="(SELECT id FROM resume)",
    )
}
    FROM quick_commit
    WHERE NOT %(counts)s OR EXISTS (SELECT 1 FROM resume) OR EXISTS (SELECT 1 FROM counted)
    RETURNING id, outcome"""  # noqa: S608


def count_download(request, who, download, resumes, as_staff):
    """Count ``download`` (an attempt, or a free resume of the download
    ``resumes`` names) and log it, both or neither. Returns the log row's
    id and whether it used an attempt; None when the order's attempts ran
    out meanwhile (nothing counted, nothing logged).

    Raw SQL, not the ORM: building the model and the queries cost more CPU
    than the rest of a download's app work (docs/benchmarks.md, run 10)."""
    params = {
        "order": download.order.pk,
        "grant": download.grant.pk if download.grant else None,
        "version": download.version.pk if download.version else None,
        "user": log_user_id(request, who),
        "ip": connection.ops.adapt_ipaddressfield_value(client_ip(request)),
        # No NUL: PostgreSQL text cannot hold one (a 500 for a hostile header).
        "agent": request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:300],
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "reason": STAFF_DOWNLOAD if as_staff else "",
        "resumes": resumes,
        "max_resumes": settings.SHOP_DOWNLOAD_MAX_RESUMES,
        "counts": not as_staff,
        "served": DownloadAttempt.SERVED,
        "resumed": DownloadAttempt.RESUMED,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_COUNT_AND_LOG, params)
            row = cursor.fetchone()
        return None if row is None else (row[0], row[1] == DownloadAttempt.SERVED and not as_staff)
    return _count_and_log_in_steps(params)


def _count_and_log_in_steps(params):
    """count_download's writes one by one in a transaction (SQLite has no
    UPDATE inside WITH)."""
    with transaction.atomic(), connection.cursor() as cursor:
        resumed = params["resumes"] is not None and cursor.execute(_TAKE_RESUME, params).rowcount == 1
        counted = params["counts"] and not resumed
        if counted and cursor.execute(_USE_ATTEMPT, params).rowcount != 1:
            return None
        outcome = DownloadAttempt.RESUMED if resumed else DownloadAttempt.SERVED
        values = _LOG_VALUES.format(outcome="%(outcome)s", resumed_from="%(resumed_from)s")
        cursor.execute(
            f"{_LOG} VALUES ({values}) RETURNING id",
            {**params, "outcome": outcome, "resumed_from": params["resumes"] if resumed else None},
        )
        return cursor.fetchone()[0], counted


def failure_token(attempt_id, counted):
    """What nginx hands back to download_failed when it cannot send the
    file of download log entry ``attempt_id``: signed, so only a download
    this app served is given back."""
    return signing.dumps({"attempt": attempt_id, "counted": counted}, salt=FAILED_DELIVERY_SALT)


def give_back_failed(token):
    """Turn the download ``token`` names (failure_token) from served into
    failed and give its attempt back; the log row, or None when the token
    is forged, expired or reported already (a replay changes nothing)."""
    try:
        report = signing.loads(token, salt=FAILED_DELIVERY_SALT, max_age=FAILED_DELIVERY_MAX_AGE)
    except signing.BadSignature:  # forged or expired (SignatureExpired is a BadSignature)
        return None
    attempt = _mark_failed_once(report["attempt"], report["counted"])
    if attempt is not None:
        log.error(
            "Order #%s: the web server could not send %s (download log entry %s; attempt given back: %s). "
            "Most likely its worker (www-data) cannot read the file: the private root must be owned by the "
            "app's user with group www-data and mode 2750, and the app run with UMask 0027; else the file "
            "is missing on the web server's side (its alias or mount differs from SHOP_PRIVATE_ROOT). With "
            "SHOP_PRIVATE_STORAGE=s3: S3 refused or lost the object, or nginx could not reach the endpoint "
            "(its resolver). manage.py check_delivery names the fix; see docs/deploy.md.",
            attempt.order_id,
            attempt.grant.file.file.name if attempt.grant else "the order's zip",
            attempt.pk,
            "yes" if report["counted"] else "none was used",
        )
    return attempt


def give_back_unsent(attempt_id, reason):
    """A counted download that was never sent (a mail server refused the
    e-reader's mail): failed, its attempt given back, once."""
    return _mark_failed_once(attempt_id, True, reason)


def _mark_failed_once(attempt_id, counted, reason="The web server could not send the file."):
    """The log entry turned from served (or resumed) to failed, and its
    attempt given back if it used one; None when it was not served or was
    reported already. The conditional UPDATE lets only one report through."""
    with transaction.atomic():
        flipped = DownloadAttempt.objects.filter(
            pk=attempt_id, outcome__in=(DownloadAttempt.SERVED, DownloadAttempt.RESUMED)
        ).update(outcome=DownloadAttempt.FAILED, reason=reason[:200])
        if not flipped:
            return None
        attempt = DownloadAttempt.objects.select_related("order", "grant__file").get(pk=attempt_id)
        if counted:
            OrderDelivery.objects.filter(order_id=attempt.order_id, attempts_used__gt=0).update(
                attempts_used=F("attempts_used") - 1
            )
    return attempt
