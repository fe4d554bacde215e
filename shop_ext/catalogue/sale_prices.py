"""Re-applying sales to the products they cover, when a save brings a
product under a sale or out of one (the receivers), or once for a whole
catalogue import (sales_reapplied_once)."""

from contextlib import contextmanager
from contextvars import ContextVar

from cartridge.shop.models import Sale
from django.db import transaction

from shop_ext.catalogue import page_cache

# The sales to re-apply once at the end of a catalogue import
# (sales_reapplied_once), else None: re-applying a sale rewrites every
# product it covers, and an import's rows would do it once each.
_deferred_sales = ContextVar("shop_ext_deferred_sales", default=None)


@contextmanager
def sales_reapplied_once():
    """Within this block the sales that saves bring in are collected, and
    re-applied once as it ends without an error."""
    collected = set()
    token = _deferred_sales.set(collected)
    try:
        yield
    finally:
        _deferred_sales.reset(token)
    reapply(collected)


def reapply(sales):
    """Re-apply each sale now and once more after the transaction commits:
    the admin saves a product's variations (with the sale fields it showed)
    after its categories, which would undo an update made only now."""
    ids = {s.pk if isinstance(s, Sale) else s for s in sales}
    ids.discard(None)
    if not ids:
        return
    deferred = _deferred_sales.get()
    if deferred is not None:
        deferred.update(ids)
        return

    def run():
        for sale in Sale.objects.filter(pk__in=ids):
            sale.update_products()
        # Its prices are written by UPDATE, which sends no signal.
        page_cache.catalogue_changed()

    run()
    transaction.on_commit(run)
