"""A buyer's library: one entry per book they own, whatever the orders and
formats it came with (a book bought twice is there once), each file with
the newest version they may have, an "updated" badge, and the download
link of the order pages (the same rule, limits and counting:
shop_ext.delivery.access, attempts). Refunded, cancelled or unpaid orders
and revoked grants give it nothing.

The page and the OPDS feed (shop_ext.delivery.library_feed) show it a page
of books at a time, in two queries whatever the number of books."""

from dataclasses import dataclass

from cartridge.shop.models import Product
from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from mezzanine.utils.sites import current_site_id

from shop_ext.delivery import stamping
from shop_ext.delivery.access import grant_decision
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, is_update, served_version
from shop_ext.models import DownloadGrant, files_of_its_type
from shop_ext.orders import PAID_STATUSES


@dataclass
class LibraryBook:
    """A book as the library shows it: its product (``book``: its Book
    row, None for another product) and one grant per file (``files``),
    each with ``decision``, ``served``, ``updated``, ``personalised``,
    ``download_name`` and ``url`` set."""

    product: Product
    files: list

    @property
    def book(self):
        return getattr(self.product, "book", None)

    @property
    def updated(self):
        return any(grant.updated for grant in self.files)

    @property
    def last_changed(self):
        return max(grant.served.uploaded_at for grant in self.files)


def owned_grants(user_id):
    """The grants that put a book in user ``user_id``'s library: of their
    paid orders on this site, not revoked."""
    return _paid_grants().filter(order__user_id=user_id)


def guest_grants(email):
    """The grants that put a book in the guest library of ``email``: of the
    paid guest orders placed with it on this site, not revoked."""
    return _paid_grants().filter(order__user_id__isnull=True, order__billing_detail_email__iexact=email)


def _paid_grants():
    return DownloadGrant.objects.filter(
        order__site_id=current_site_id(),
        order__status__in=PAID_STATUSES,
        order__delivery__isnull=False,
        revoked_at__isnull=True,
    )


def library_page(who, page_number, link_for, per_page=None):
    """Page ``page_number`` (anything a query string holds: a bad one is
    the first or last page) of the library of ``who`` (the signed-in user,
    or the SignedBuyer a feed token names), its books (LibraryBook) as
    ``page.object_list``. ``link_for(grant)`` makes each file's download
    address."""
    return books_page(owned_grants(who.id), page_number, lambda grant: who, link_for, per_page)


def books_page(grants, page_number, who_for, link_for, per_page=None):
    """library_page for any ``grants``, each decided for ``who_for(grant)``
    (the account's user, or the private link's holder of its order)."""
    owned = grants.values("file__product_id")
    products = Product.objects.filter(pk__in=owned).order_by(Lower("title"), "pk")
    page = Paginator(products, per_page or settings.SHOP_LIBRARY_PAGE_SIZE).get_page(page_number)
    page.object_list = _books(who_for, grants, list(page.object_list), link_for)
    return page


def _books(who_for, grants, products, link_for):
    rows = (
        grants.filter(file__product__in=products)
        .select_related("order__delivery", "file__product__book", *SERVED_VERSION_RELATED)
        .annotate(files_of_its_type=files_of_its_type("file"))
        .order_by("file_id", "-order_id")
    )
    chosen = {}
    for grant in rows:
        grant.decision = grant_decision(who_for(grant), grant)
        best = chosen.get(grant.file_id)
        # Of a file bought more than once: the newest order that may download it now.
        if best is None or (grant.decision and not best.decision):
            chosen[grant.file_id] = grant
    files_by_product = {}
    for grant in chosen.values():
        grant.served = served_version(grant)
        grant.updated = is_update(grant, grant.served)
        grant.personalised = stamping.applies(grant.file.product, grant.served)
        grant.download_name = grant.file.name_for_buyer(grant.files_of_its_type)
        grant.url = link_for(grant)
        files_by_product.setdefault(grant.file.product_id, []).append(grant)
    shown = [p for p in products if p.pk in files_by_product]
    # The product as read with the grants: its Book row joined.
    return [LibraryBook(files_by_product[p.pk][0].file.product, files_by_product[p.pk]) for p in shown]


# A guest's library (no account): its address, emailed only to the address
# the orders were placed with (the lost-links email), signed with it.
GUEST_SALT = "shop_ext.delivery.library.guest"
GUEST_LINK_DAYS = 7


def guest_library_key(email):
    return signing.dumps(email.strip().lower(), salt=GUEST_SALT)


def guest_email(key):
    """The address ``key`` (guest_library_key's) was made for; None when it
    is forged or older than GUEST_LINK_DAYS."""
    try:
        return signing.loads(key, salt=GUEST_SALT, max_age=GUEST_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
