"""The delivery's work in a worker: building an order's zip and a buyer's
stamped copy, so no request waits for them; the "a file you bought was
updated" emails; emailing lost download links; mailing a book to a buyer's
e-reader."""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from cartridge.shop.models import Order
from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_ext.core import mail
from shop_ext.core.links import absolute_url, site_url
from shop_ext.core.tasks import RETRY_TEMPORARY, enqueue_on_commit
from shop_ext.delivery import stamping
from shop_ext.delivery.access import order_decision
from shop_ext.delivery.attempts import give_back_unsent
from shop_ext.delivery.emails import download_lines
from shop_ext.delivery.grants import buyers_get_updates
from shop_ext.delivery.library import guest_library_key
from shop_ext.delivery.notices import send_notice, usable_grants
from shop_ext.delivery.private_links import holder_of, page_url
from shop_ext.delivery.zips import order_zip, zip_files
from shop_ext.models import EReaderSending, StampedCopy, UpdateNotice
from shop_ext.orders import PAID_STATUSES

log = logging.getLogger(__name__)


@shared_task(name="shop_ext.delivery.tasks.build_order_zip", **RETRY_TEMPORARY)
def build_order_zip(order_id):
    """Safe to run twice: a zip is built once per content (shop_ext.delivery.zips)."""
    order = Order.objects.filter(pk=order_id).first()
    files = zip_files(order) if order is not None else []
    if files:
        order_zip(order, files)


@dataclass(frozen=True)
class LinkedOrder:
    """An order in the lost-links email: its private page and its lines."""

    order: Order
    private_url: str
    download_lines: list


def orders_with_usable_links(email):
    """The paid orders placed with ``email`` whose private links still
    download something, newest first, as LinkedOrders."""
    orders = Order.objects.filter(
        billing_detail_email__iexact=email, status__in=PAID_STATUSES, delivery__isnull=False
    ).order_by("-time")
    usable = []
    for order in orders:
        holder = holder_of(order)
        if not order_decision(holder, order):
            continue
        lines = download_lines(order, holder)
        if any(grant.decision for line in lines for grant in line["grants"]):
            usable.append(LinkedOrder(order, absolute_url(page_url(holder)), lines))
    return usable


def guest_library_path(email):
    return reverse("private:library", args=[guest_library_key(email)])


@shared_task(name="shop_ext.delivery.tasks.send_lost_links", bind=True, **RETRY_TEMPORARY)
def send_lost_links(self, email):
    """Email ``email`` (the address that asked, and no other) the private
    links of its orders and its guest library's; nothing when it has none."""
    orders = orders_with_usable_links(email)
    if not orders:
        return
    mail.send_from_task(
        self,
        "Lost-links email",
        _("Your download links from %(site)s") % {"site": settings.SITE_TITLE},
        "email/lost_links",
        settings.SHOP_ORDER_FROM_EMAIL,
        email,
        {"orders": orders, "library_url": absolute_url(guest_library_path(email)), "site_url": site_url()},
    )


@shared_task(name="shop_ext.delivery.tasks.send_update_notice", bind=True, **RETRY_TEMPORARY)
def send_update_notice(self, notice_id):
    error = mail.send_recorded_once(UpdateNotice, notice_id, send_notice, related=("version__product_file",))
    if error is None:
        return
    mail.retry_if_transient(self, error)
    mail.give_up(UpdateNotice, notice_id, repr(error))


def notify_buyers(version, requested_by=None):
    """Record and queue one notice per buyer's address that may download
    ``version`` as an update and was not told of it yet (the unique
    version + address constraint makes a second run tell nobody again).
    Returns how many were queued."""
    if not buyers_get_updates(version.product_file.product):
        return 0  # the update reaches no past buyer
    orders_by_email = {}
    for grant in usable_grants(version):
        orders_by_email.setdefault(grant.order.billing_detail_email.strip().lower(), grant.order)
    queued = 0
    for email, order in orders_by_email.items():
        notice, created = UpdateNotice.objects.get_or_create(
            version=version, email=email, defaults={"order": order, "requested_by": requested_by}
        )
        if created:
            enqueue_on_commit(send_update_notice, notice.pk, on_failure=notice.mark_not_queued)
            queued += 1
    log.info("%s: %s buyer(s) to tell of the update", version, queued)
    return queued


# A copy still not made this long after it was queued is queued again
# (the broker lost it, or was down when asked): making it is idempotent.
STAMP_REQUEUE_SECONDS = 120


@shared_task(name="shop_ext.delivery.tasks.build_stamped_copy", **RETRY_TEMPORARY)
def build_stamped_copy(copy_id):
    """Make one stamped copy, once: its row is locked while it is made and
    only a copy still being made is made. A file that cannot be stamped, or
    any other failure, is recorded on the row for staff (the buyer is told
    that the copy is delayed, or gets the original if the product says so)."""
    with transaction.atomic():
        copy = (
            StampedCopy.objects.select_for_update(of=("self",))
            .select_related("grant__order", "version")
            .filter(pk=copy_id, status=StampedCopy.PENDING)
            .first()
        )
        if copy is None:
            return
        try:
            name, size, sha256 = stamping.make_copy(copy)
        except DatabaseError:
            raise  # temporary, not the file's fault: the task runs again (RETRY_TEMPORARY)
        except Exception as error:  # bad input or not: recorded, never a 500 for the buyer
            expected = isinstance(error, stamping.CannotStamp)
            log.error(
                "Order #%s: could not stamp %s (stamped copy %s): %s",
                copy.grant.order_id,
                copy.version,
                copy.pk,
                error,
                exc_info=not expected,
            )
            copy.status = StampedCopy.FAILED
            copy.error = str(error) if expected else f"{type(error).__name__}: {error}"
            copy.save(update_fields=["status", "error"])
            return
        copy.file, copy.size, copy.sha256 = name, size, sha256
        copy.status, copy.built_at = StampedCopy.READY, timezone.now()
        copy.save(update_fields=["file", "size", "sha256", "status", "built_at"])
    log.info("Order #%s: stamped copy %s of %s made", copy.grant.order_id, copy.pk, copy.version)


def stamped_copy(grant, version, create):
    """The grant's stamped copy of ``version``: made and queued when
    ``create`` and there is none; queued again when it waited too long;
    None when there is none and ``create`` is false."""
    copy = StampedCopy.objects.filter(grant=grant, version=version).first()
    if copy is None:
        if not create:
            return None
        try:
            with transaction.atomic():
                copy = StampedCopy.objects.create(
                    grant=grant, version=version, copy_id=stamping.new_copy_id()
                )
        except IntegrityError:  # another request made it first
            return StampedCopy.objects.get(grant=grant, version=version)
        enqueue_on_commit(build_stamped_copy, copy.pk)
        return copy
    stale = timezone.now() - timedelta(seconds=STAMP_REQUEUE_SECONDS)
    waited_too_long = copy.status == StampedCopy.PENDING and copy.requested_at < stale
    if waited_too_long:
        _requeue(copy)
    return copy


def _requeue(copy):
    """Queue ``copy`` again, from one request only. A worker making it holds
    its row locked for the whole stamping: a request never waits on that
    lock (it would outlast the statement timeout) but skips the row, as a
    worker is on it; one that got there first has changed requested_at."""
    with transaction.atomic():
        waiting = (
            StampedCopy.objects.select_for_update(skip_locked=True)
            .filter(pk=copy.pk, requested_at=copy.requested_at)
            .first()
        )
        if waiting is None:
            return
        StampedCopy.objects.filter(pk=copy.pk).update(requested_at=timezone.now())
    log.warning("Stamped copy %s waited over %s s for a worker; queued again", copy.pk, STAMP_REQUEUE_SECONDS)
    enqueue_on_commit(build_stamped_copy, copy.pk)


@shared_task(name="shop_ext.delivery.tasks.send_to_ereader", bind=True, **RETRY_TEMPORARY)
def send_to_ereader(self, sending_id):
    """Mail a queued e-reader sending (shop_ext.delivery.ereader), once:
    the file its download log entry served (the buyer's stamped copy for a
    stamped book) as an attachment. A refusal that another try will not
    change (a bad or bouncing address, a message too big) is recorded for
    the buyer, and the attempt given back."""
    sending = (
        EReaderSending.objects.select_related("grant__file__product", "attempt__version")
        .filter(pk=sending_id, status=EReaderSending.QUEUED)
        .first()
    )
    if sending is None or sending.attempt is None:
        return
    version = sending.attempt.version
    copy = StampedCopy.objects.filter(grant=sending.grant, version=version, status=StampedCopy.READY).first()
    stored = copy.file if copy else version.file
    message = EmailMessage(
        _("%(title)s, from %(site)s")
        % {"title": sending.grant.file.product.title, "site": settings.SITE_TITLE},
        _("Your book is attached."),
        settings.SHOP_EREADER_FROM_EMAIL,
        [sending.email],
    )
    with stored.open("rb") as data:
        message.attach(sending.grant.file.download_name, data.read(), version.content_type)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        mail.retry_if_transient(self, error)
        log.warning("E-reader sending %s to its address refused: %s", sending.pk, error)
        sending.status, sending.error = EReaderSending.FAILED, _refusal(error)
        sending.save(update_fields=["status", "error"])
        give_back_unsent(sending.attempt_id, "Mail to the e-reader refused: no attempt used.")
        return
    sending.status, sending.sent_at = EReaderSending.SENT, timezone.now()
    sending.save(update_fields=["status", "sent_at"])


def _refusal(error):
    """What the buyer is told of a mail server's refusal: its own words."""
    recipients = getattr(error, "recipients", None)
    if recipients:
        code, text = next(iter(recipients.values()))
        return f"{code} {text.decode(errors='replace')}"[:300]
    return str(error)[:300] or type(error).__name__
