"""Bench-only app (bench/settings_stock.py): put Cartridge's own behaviour back
where shop_ext.patches replaced it, so the baseline is stock
Cartridge on our data. Listed after shop_ext, so its ready() runs last."""

from django.apps import AppConfig


def _stock_update_stock(self, quantity):
    """Cartridge 1.3.4's ProductVariation.update_stock, verbatim."""
    if self.num_in_stock is not None:
        self.num_in_stock += quantity
        self.save()
        if self.default:
            self.product.num_in_stock = self.num_in_stock
            self.product.save()


class StockCartridgeConfig(AppConfig):
    name = "bench"
    label = "bench_stock"
    verbose_name = "Stock Cartridge (benchmark baseline)"

    def ready(self):
        from cartridge.shop import checkout
        from cartridge.shop import page_processors as cartridge_processors
        from cartridge.shop.managers import ProductActionManager
        from cartridge.shop.models import Order, ProductVariation
        from mezzanine import conf
        from mezzanine.pages import page_processors

        # Category pages: Cartridge's processor only (ours registered by autodiscover).
        page_processors.autodiscover()
        registered = page_processors.processors["category"]
        registered[:] = [e for e in registered if not e[0].__module__.startswith("shop_ext")]
        if not any(e[0] is cartridge_processors.category_processor for e in registered):
            registered.insert(0, (cartridge_processors.category_processor, True))
        # Checkout: Cartridge's payment handler (settings_stock), complete(),
        # update_stock(), purchase counts and receipt sending.
        Order.complete = getattr(Order.complete, "__wrapped__", Order.complete)
        ProductActionManager.purchased = getattr(
            ProductActionManager.purchased, "__wrapped__", ProductActionManager.purchased
        )
        ProductVariation.update_stock = _stock_update_stock
        # Mezzanine's editable settings: read from the database once per request.
        conf.Settings._load = getattr(conf.Settings._load, "__wrapped__", conf.Settings._load)
        checkout.send_order_email = getattr(
            checkout.send_order_email, "__wrapped__", checkout.send_order_email
        )
