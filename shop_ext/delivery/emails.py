"""The download lines every page and email about an order's files shows,
and what the "your files are ready" email says."""

from django.urls import reverse

from shop_ext.core.links import absolute_url, site_url
from shop_ext.delivery import signed_links, stamping
from shop_ext.delivery.access import LinkHolder, grant_decision
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, is_update, served_version
from shop_ext.delivery.private_links import holder_of, page_url
from shop_ext.delivery.zips import in_zip
from shop_ext.models import OrderDelivery, StampedCopy, files_of_its_type


def file_url(grant, who, signed_for=None):
    """Where ``who`` downloads ``grant``'s file: under the private link for
    its holder, else the account's address, with a key for the browser of
    request ``signed_for`` when given (shop_ext.delivery.signed_links)."""
    if isinstance(who, LinkHolder):
        return reverse("private:download_file", args=[grant.order_id, who.token, grant.pk])
    return _for_browser(reverse("shop_ext:download_file", args=[grant.order_id, grant.pk]), signed_for)


def zip_url(order, who, lines, signed_for=None):
    """Where ``who`` downloads the order's zip (as file_url); None when it
    would hold nothing of the order's ``lines`` (download_lines)."""
    if not any(grant.in_zip for line in lines for grant in line["grants"]):
        return None
    if isinstance(who, LinkHolder):
        return reverse("private:download_zip", args=[order.pk, who.token])
    return _for_browser(reverse("shop_ext:download_zip", args=[order.pk]), signed_for)


def _for_browser(path, request):
    return signed_links.signed(request, path) if request is not None else path


def download_lines(order, who, signed_for=None):
    """The order's lines that deliver files, each with its grants and, per
    grant, whether ``who`` (a user or a LinkHolder) may download it now and
    why not, the version it serves (``served``), whether that is an
    update of what was bought, and the size and SHA-256 of the bytes the
    buyer gets (``sent_size``, ``sent_sha256``): for a stamped file
    (``personalised``) its buyer's copy's, None until that is made. Links
    as file_url makes them."""
    lines = []
    grants = order.download_grants.select_related("order_item", "order__delivery", *SERVED_VERSION_RELATED)
    grants = grants.annotate(files_of_its_type=files_of_its_type("file"))
    copies = None
    for grant in grants:
        if not lines or lines[-1]["item"].pk != grant.order_item_id:
            lines.append({"item": grant.order_item, "grants": []})
        grant.decision = grant_decision(who, grant)
        grant.served = served_version(grant)
        grant.updated = is_update(grant, grant.served)
        grant.personalised = stamping.applies(grant.file.product, grant.served)
        sent = grant.served
        if grant.personalised:
            if copies is None:
                copies = _ready_copies(order)
            sent = copies.get((grant.pk, grant.served.pk))
        grant.sent_size = sent.size if sent else None
        grant.sent_sha256 = (sent.sha256 or None) if sent else None
        grant.in_zip = in_zip(grant, grant.served)
        # Named from the annotation: no COUNT per file (ProductFile.download_name).
        grant.file.download_name = grant.file.name_for_buyer(grant.files_of_its_type)
        grant.url = file_url(grant, who, signed_for)
        grant.absolute_url = absolute_url(grant.url)
        lines[-1]["grants"].append(grant)
    return lines


def _ready_copies(order):
    """The order's stamped copies that are made, by (grant, version)."""
    ready = StampedCopy.objects.filter(grant__order=order, status=StampedCopy.READY)
    return {(copy.grant_id, copy.version_id): copy for copy in ready}


def _absolute_or_none(path):
    return absolute_url(path) if path else None


def files_email_context(order):
    """What an email about the order's files shows: its private links, which
    work on any device without an account (sent by shop_ext.orders.emails)."""
    holder = holder_of(order)
    lines = download_lines(order, holder)
    return {
        "order": order,
        "delivery": OrderDelivery.objects.filter(order=order).first(),
        "lines": lines,
        "zip_url": _absolute_or_none(zip_url(order, holder, lines)),
        "order_url": absolute_url(page_url(holder)),
        "site_url": site_url(),
    }
