"""The baseline: the same project and database with Cartridge's own parts
switched back in, for side-by-side benchmarks. Never used outside bench/.

- Cartridge's templates come first: its shop/ and pages/category.html win over
  theme/templates and templates/shop (the site's base.html stays ours: Cartridge
  ships none).
- Cartridge's URLs, views and forms (bench/urls_stock.py): no product, cart or
  checkout wrappers of ours.
- Cartridge's default checkout handlers (billing/shipping, tax, payment, order).
- bench.stock_app undoes our run-time replacements in Cartridge (category page
  processor, stock taken before payment, atomic stock update, safe receipt).

Data model, migrations and middleware stay the project's (with the page
cache off), so both sides read the same database; but Mezzanine looks the
site up by host on every request (no SiteFromHostMiddleware) and reads its
editable settings once per request (bench.stock_app).
"""

from pathlib import Path

import cartridge

from bench.settings_ours import *  # noqa: F401,F403
from bench.settings_ours import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

_CARTRIDGE_TEMPLATES = str(Path(cartridge.__file__).parent / "shop" / "templates")
TEMPLATES = [{**TEMPLATES[0], "DIRS": [_CARTRIDGE_TEMPLATES, *TEMPLATES[0]["DIRS"]]}]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.stock_app.StockCartridgeConfig"]
ROOT_URLCONF = "bench.urls_stock"
MIDDLEWARE = [name for name in MIDDLEWARE if name != "shop_ext.core.middleware.SiteFromHostMiddleware"]

SHOP_HANDLER_BILLING_SHIPPING = "cartridge.shop.checkout.default_billship_handler"
SHOP_HANDLER_TAX = "cartridge.shop.checkout.default_tax_handler"
SHOP_HANDLER_PAYMENT = "cartridge.shop.checkout.default_payment_handler"
SHOP_HANDLER_ORDER = "cartridge.shop.checkout.default_order_handler"

# Stock Cartridge has no page cache: every page is built (and the menus with it).
SHOP_PAGE_CACHE_SECONDS = 0
