"""Django finds the admin here; each feature registers its own pages."""

from shop_ext.catalogue import admin as catalogue_admin  # noqa: F401
from shop_ext.delivery import admin as delivery_admin  # noqa: F401
from shop_ext.orders import admin as orders_admin  # noqa: F401
from shop_ext.payments import admin as payments_admin  # noqa: F401  (after orders: extends its OrderAdmin)
from shop_ext.taxes import admin as taxes_admin  # noqa: F401
