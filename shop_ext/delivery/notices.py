"""Telling past buyers that a file they bought was updated: one email per
buyer's address and version (UpdateNotice), whichever way staff ask (the
file versions' admin action, ``manage.py notify_file_update``) and however
often. Queued by shop_ext.delivery.tasks.notify_buyers."""

from django.conf import settings
from django.utils.translation import gettext as _
from mezzanine.utils.email import send_mail_template

from shop_ext.core.links import absolute_url, site_url
from shop_ext.delivery.access import grant_decision
from shop_ext.delivery.emails import file_url
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, served_version
from shop_ext.delivery.private_links import holder_of, page_url
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
    for grant in grants:
        # The notice goes to the order's address, account or not: as its
        # private link's holder, with that link's downloads (``holder``).
        grant.holder = holder_of(grant.order)
        if served_version(grant) == version and grant_decision(grant.holder, grant):
            yield grant


def send_notice(notice):
    """The email of one UpdateNotice: the note and this buyer's links."""
    version = notice.version
    grants = list(usable_grants(version, email=notice.email))
    for grant in grants:
        grant.absolute_url = absolute_url(file_url(grant, grant.holder))
        grant.order_url = absolute_url(page_url(grant.holder))
    send_mail_template(
        _("An updated file from %(site)s: %(file)s")
        % {"site": settings.SITE_TITLE, "file": version.download_name},
        "email/file_updated",
        settings.SHOP_ORDER_FROM_EMAIL,
        notice.email,
        context={
            "version": version,
            "grants": grants,
            "site_url": site_url(),
        },
        fail_silently=False,
    )
