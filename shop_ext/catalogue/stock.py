"""Can the lines of a cart still be bought, and taking their stock atomically.

Cartridge checks availability and stock only when an item is added to the
cart, and decrements stock with a read-modify-save after payment. Here:

* ``cart_problems`` says, line by line, what can no longer be bought
  (checked again on every checkout step and on cart update);
* ``take_stock`` decrements the stock of every line in one transaction with
  conditional UPDATEs (``num_in_stock >= quantity``), so two buyers of the
  last unit cannot both get it, and stock never goes negative. The
  checkout's payment handler runs it once the gateway answered, and
  ``give_back_stock`` undoes it if a hosted payment fails later.
"""

import logging
from dataclasses import dataclass

from cartridge.shop.models import Product, ProductVariation
from django.db import transaction
from django.db.models import F, Subquery
from django.utils.translation import gettext as _
from mezzanine.utils.sites import current_site_id

from shop_ext.catalogue import availability, page_cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineProblem:
    sku: str
    description: str
    reason: str

    def __str__(self):
        return _("%(line)s: %(reason)s") % {"line": self.description, "reason": self.reason}


class OutOfStock(Exception):
    """Raised by take_stock; nothing was taken."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(" ".join(str(p) for p in problems))


def line_reason(variation, quantity, published_ids=None):
    """Why a cart line of ``quantity`` of ``variation`` cannot be bought now."""
    if variation is None:
        return _("This item is no longer sold. Please remove it from your cart.")
    if published_ids is not None and variation.product_id not in published_ids:
        return _("This product is no longer available. Please remove it from your cart.")
    reason = availability.unavailable_reason(variation, quantity, in_cart=True)
    return _("%(reason)s Please change or remove this line.") % {"reason": reason} if reason else None


def cart_problems(cart, site_id=None):
    """One LineProblem per cart line that cannot be bought as it stands."""
    items = list(cart)
    if not items:
        return []
    variations = availability.cart_variations(cart, site_id)
    # Mezzanine's rule for one product, on the product the variations brought.
    published_ids = {v.product_id for v in variations.values() if v.product.published()}
    problems = []
    for item in items:
        reason = line_reason(variations.get(item.sku), item.quantity, published_ids)
        if reason:
            problems.append(LineProblem(item.sku, item.description, reason))
    return problems


def _sync_product(variation_id, product_id):
    """Keep the product's denormalised num_in_stock equal to its default
    variation's (Cartridge's update_stock does this for the default)."""
    Product.objects.filter(pk=product_id).update(
        num_in_stock=Subquery(ProductVariation.objects.filter(pk=variation_id).values("num_in_stock")[:1])
    )


def decrement(variation_id, quantity):
    """Conditional UPDATE: True if ``quantity`` was taken (or stock is not
    tracked), False if not enough was left. Never goes negative."""
    row = (
        ProductVariation.objects.filter(pk=variation_id)
        .values("num_in_stock", "default", "product_id")
        .first()
    )
    if row is None or row["num_in_stock"] is None:
        return True
    taken = ProductVariation.objects.filter(
        pk=variation_id, num_in_stock__isnull=False, num_in_stock__gte=quantity
    ).update(num_in_stock=F("num_in_stock") - quantity)
    if taken:
        page_cache.stock_changed({row["product_id"]})
    if taken and row["default"]:
        _sync_product(variation_id, row["product_id"])
    return bool(taken)


def increment(variation_id, quantity):
    row = ProductVariation.objects.filter(pk=variation_id).values("default", "product_id").first()
    if row is None:
        return
    ProductVariation.objects.filter(pk=variation_id, num_in_stock__isnull=False).update(
        num_in_stock=F("num_in_stock") + quantity
    )
    page_cache.stock_changed({row["product_id"]})
    if row["default"]:
        _sync_product(variation_id, row["product_id"])


def lines_to_take(cart, site_id):
    """(variation_id, quantity, description) for tracked lines, in id order so
    concurrent checkouts lock rows in the same order (no deadlock): what
    take_lines takes. The checkout reads them while it has the cart and takes
    them once its order is written (shop_ext.core.contended)."""
    items = list(cart)
    variations = availability.cart_variations(cart, site_id)
    quantities = {}
    for item in items:
        variation = variations.get(item.sku)
        # An untracked line (an ebook) has nothing to take: no query for it.
        if variation is not None and variation.num_in_stock is not None:
            vid, qty, desc = quantities.get(variation.id, (variation.id, 0, item.description))
            quantities[variation.id] = (vid, qty + item.quantity, desc)
    return [quantities[k] for k in sorted(quantities)]


def take_stock(cart, site_id=None):
    """Take the stock of every cart line, all or nothing. Returns what was
    taken (for give_back_stock); raises OutOfStock if a line falls short."""
    return take_lines(lines_to_take(cart, site_id or current_site_id()))


def take_lines(lines):
    """take_stock's work on lines_to_take's answer."""
    # Its callers' transactions end with OutOfStock (no savepoint needed to
    # go on after it): the whole block rolls back, giving back the lines taken so far.
    with transaction.atomic(savepoint=False):
        for variation_id, quantity, description in lines:
            if not decrement(variation_id, quantity):
                problem = LineProblem(
                    "",
                    description,
                    _(
                        "sold out while you were checking out. "
                        "Please remove it from your cart or lower the quantity."
                    ),
                )
                raise OutOfStock([problem])
    return [(variation_id, quantity) for variation_id, quantity, _d in lines]


def lines_of(items, site_id):
    """What take_stock took for these lines (a cart, or an order's items):
    for giving it back when the order's payment fails later."""
    return [(variation_id, quantity) for variation_id, quantity, _d in lines_to_take(items, site_id)]


def give_back_stock(taken):
    with transaction.atomic():
        for variation_id, quantity in taken:
            increment(variation_id, quantity)
