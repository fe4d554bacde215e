"""The response that has a paid file sent, once the app has decided it may
be: never its bytes through a Python worker.

- Local disk: django-sendfile2 (X-Accel-Redirect to the file's path below
  SENDFILE_URL, or X-Sendfile for Apache).
- S3, SHOP_DELIVERY=nginx: X-Accel-Redirect to nginx's internal location
  S3_ACCEL_URL with a pre-signed URL (SHOP_S3_URL_SECONDS) in
  SOURCE_FOR_NGINX; nginx fetches it and streams the object, Range and
  HEAD passed through (deploy/nginx.conf). The buyer never sees the URL.
- S3, SHOP_DELIVERY=redirect: a 302 to the pre-signed URL, S3 naming the
  file (ResponseContentDisposition). For a shop behind a CDN; the URL
  works for anyone who has it until it expires, and nginx cannot report a
  failed download (docs/deploy.md, section 11).
"""

import functools
import logging

from cartridge.shop.models import Order
from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django_sendfile import sendfile

from shop_ext.core.storage import STORAGE_UNAVAILABLE, PrivateS3Storage, private_storage

log = logging.getLogger(__name__)

# nginx's internal location for downloads from object storage.
S3_ACCEL_URL = "/protected-s3/"
# Where the X-Accel-Redirect response puts the pre-signed URL for nginx.
SOURCE_FOR_NGINX = "X-Download-Source"


def nginx_fetches_from_s3():
    """Whether nginx fetches a paid file from the bucket itself (S3 with
    SHOP_DELIVERY=nginx). Its fetch is then the existence check: a missing
    object is a 404 that nginx reports (download_failed), and the attempt
    is given back; a HEAD from the app first would only add a round trip to
    S3 to every download (docs/reliability.md)."""
    return isinstance(private_storage, PrivateS3Storage) and settings.SHOP_DELIVERY == "nginx"


def file_response(request, stored_name, content_type, disposition):
    """Have the file ``stored_name`` of private storage sent as
    ``content_type``, saved as ``disposition`` says."""
    if not isinstance(private_storage, PrivateS3Storage):
        response = sendfile(request, private_storage.path(stored_name), mimetype=content_type)
    elif settings.SHOP_DELIVERY == "redirect":
        response = HttpResponseRedirect(
            private_storage.signed_url(
                stored_name,
                settings.SHOP_S3_URL_SECONDS,
                ResponseContentType=content_type,
                ResponseContentDisposition=disposition,
            )
        )
    else:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = S3_ACCEL_URL
        response[SOURCE_FOR_NGINX] = private_storage.signed_url(
            stored_name, settings.SHOP_S3_URL_SECONDS, request.method, ResponseContentType=content_type
        )
    # sendfile2's own ASCII fallback only drops what is not ASCII: a Russian
    # or Japanese title left "--.epub" or ".epub".
    response["Content-Disposition"] = disposition
    return response


def storage_failures_answered(view):
    """A download view whose private storage cannot answer (a missing
    bucket, a refused key, an unreachable endpoint) answers the buyer with
    the "could not send" page and tells staff, never a 500. Storage is
    asked before an attempt is counted (the attempt's UPDATE comes last),
    so none was used."""

    @functools.wraps(view)
    def answered(request, order_id, *args, **kwargs):
        try:
            return view(request, order_id, *args, **kwargs)
        except STORAGE_UNAVAILABLE as error:
            log.error(
                "Order #%s: private storage did not answer a download (%s: %s); no attempt was used. "
                "Run manage.py check_delivery, which names the fix.",
                order_id,
                type(error).__name__,
                error,
            )
            context = {
                "order": Order.objects.filter(pk=order_id).first(),
                "reason": "We could not send this file. No download attempt was used, and we have been told.",
            }
            return TemplateResponse(request, "shop_ext/download_refused.html", context, status=503)

    return answered
