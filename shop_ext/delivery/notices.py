"""Telling past buyers that a file they bought was updated: one email per
buyer's address and version (UpdateNotice), whichever way staff ask (the
file versions' admin action, ``manage.py notify_file_update``) and however
often. Queued by shop_ext.delivery.tasks.notify_buyers."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from mezzanine.utils.email import send_mail_template

from shop_ext.core.links import absolute_url, site_url
from shop_ext.delivery.access import grant_decision
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, served_version
from shop_ext.models import DownloadGrant


def usable_grants(version, email=None):
    """The grants that now download ``version`` as an update of what their
    order bought and that their buyer may use now (the access rule); only
    those of orders billed to ``email`` when given."""
    grants = (
        DownloadGrant.objects.filter(file_id=version.product_file_id, version__number__lt=version.number)
        .select_related("order__delivery", *SERVED_VERSION_RELATED)
        .order_by("order_id", "pk")
    )
    if email is not None:
        grants = grants.filter(order__billing_detail_email__iexact=email)
    buyers = get_user_model().objects.in_bulk({grant.order.user_id for grant in grants} - {None})
    for grant in grants:
        buyer = buyers.get(grant.order.user_id) or AnonymousUser()
        if served_version(grant) == version and grant_decision(buyer, grant):
            yield grant


def send_notice(notice):
    """The email of one UpdateNotice: the note and this buyer's links."""
    version = notice.version
    grants = list(usable_grants(version, email=notice.email))
    for grant in grants:
        grant.absolute_url = absolute_url(reverse("shop_ext:download_file", args=[grant.order_id, grant.pk]))
    send_mail_template(
        f"An updated file from {settings.SITE_TITLE}: {version.download_name}",
        "email/file_updated",
        settings.SHOP_ORDER_FROM_EMAIL,
        notice.email,
        context={
            "version": version,
            "grants": grants,
            "history_url": absolute_url(reverse("shop_order_history")),
            "site_url": site_url(),
        },
        fail_silently=False,
    )
