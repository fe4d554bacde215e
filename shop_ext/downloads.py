"""Serving a paid file or an order's zip: access, limits, logging, delivery.

Django only decides; the bytes are sent by the web server through
django-sendfile2 (X-Accel-Redirect with nginx), so the cost of a download
in Django does not grow with the file's size.
"""
import logging
from datetime import timedelta

from cartridge.shop.models import Order
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_sendfile import sendfile

from .access import checks_as_staff, grant_decision, order_decision, owns
from .models import DownloadAttempt, OrderDelivery
from .net import client_ip
from .zips import order_zip

log = logging.getLogger(__name__)


def record(request, order, grant, outcome, reason=""):
    DownloadAttempt.objects.create(
        order=order,
        grant=grant,
        user=request.user if request.user.is_authenticated else None,
        ip_address=client_ip(request),
        # No NUL: PostgreSQL text cannot hold one (a 500 for a hostile header).
        user_agent=request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:300],
        outcome=outcome,
        reason=reason[:200],
    )


def use_attempt(delivery):
    """Count one attempt, atomically: a conditional UPDATE, so concurrent
    requests can never use more attempts than the order has."""
    has_attempts_left = Q(max_attempts__isnull=True) | Q(attempts_used__lt=F("max_attempts"))
    updated = OrderDelivery.objects.filter(has_attempts_left, pk=delivery.pk).update(
        attempts_used=F("attempts_used") + 1
    )
    return updated == 1


def is_resume(request, order, grant):
    """A Range request continuing a download served to the same person a
    short while ago does not use a new attempt."""
    if "HTTP_RANGE" not in request.META:
        return False
    since = timezone.now() - timedelta(minutes=settings.SHOP_DOWNLOAD_RESUME_MINUTES)
    return DownloadAttempt.objects.filter(
        order=order, grant=grant, user=request.user, outcome=DownloadAttempt.SERVED,
        created_at__gte=since,
    ).exists()


def _owned_order(request, order_id):
    order = Order.objects.select_related("delivery").filter(pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    if not owns(request.user, order):
        record(request, order, None, DownloadAttempt.DENIED, "not the buyer")
        raise Http404("No such order.")
    return order


def _refuse(request, order, grant, outcome, reason, status):
    record(request, order, grant, outcome, reason)
    context = {"order": order, "reason": reason}
    return TemplateResponse(request, "shop_ext/download_refused.html", context, status=status)


def _deliver(request, order, grant, files, decision, path_of, filename, content_type):
    if not decision:
        return _refuse(request, order, grant, DownloadAttempt.DENIED, decision.reason, decision.http_status)
    missing = [f for f in files if not f.file.storage.exists(f.file.name)]
    if missing:
        log.error(
            "Order #%s: file(s) missing from private storage: %s",
            order.pk, ", ".join(f"{f.pk} {f.file.name}" for f in missing),
        )
        reason = "This file is temporarily unavailable. We have been told and will fix it; no attempt was used."
        return _refuse(request, order, grant, DownloadAttempt.FAILED, reason, 404)
    resumed = is_resume(request, order, grant)
    if not (checks_as_staff(request.user, order) or resumed) and not use_attempt(order.delivery):
        reason = "All download attempts for this order have been used."
        return _refuse(request, order, grant, DownloadAttempt.DENIED, reason, 403)
    response = sendfile(
        request, path_of(), attachment=True, attachment_filename=filename, mimetype=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if response.has_header("X-Accel-Redirect"):
        # The body comes from nginx, which sets its own length; ours is empty.
        del response["Content-Length"]
    record(request, order, grant, DownloadAttempt.RESUMED if resumed else DownloadAttempt.SERVED)
    return response


@never_cache
@login_required
def download_file(request, order_id, grant_id):
    order = _owned_order(request, order_id)
    grant = get_object_or_404(order.download_grants.select_related("file"), pk=grant_id)
    grant.order = order
    product_file = grant.file
    return _deliver(
        request, order, grant, [product_file], grant_decision(request.user, grant),
        path_of=lambda: product_file.file.path,
        filename=product_file.download_name,
        content_type=product_file.content_type,
    )


@never_cache
@login_required
def download_zip(request, order_id):
    order = _owned_order(request, order_id)
    grants = order.download_grants.filter(revoked_at__isnull=True).select_related("file")
    files = [grant.file for grant in grants]
    if not files:
        raise Http404("This order has no files.")
    return _deliver(
        request, order, None, files, order_decision(request.user, order),
        path_of=lambda: order_zip(order, files),
        filename=f"order-{order.pk}-files.zip",
        content_type="application/zip",
    )
