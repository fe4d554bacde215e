from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopExtConfig(AppConfig):
    name = "shop_ext"
    verbose_name = _("Digital goods")
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        # Importing the receivers connects them; the patches apply once.
        from shop_ext import checks, patches  # noqa: F401, PLC0415 (need the app registry)
        from shop_ext.catalogue import receivers as catalogue_receivers  # noqa: F401, PLC0415
        from shop_ext.checkout import receivers as checkout_receivers  # noqa: F401, PLC0415
        from shop_ext.core import sites  # noqa: F401, PLC0415
        from shop_ext.delivery import receivers as delivery_receivers  # noqa: F401, PLC0415
        from shop_ext.payments import receivers as payments_receivers  # noqa: F401, PLC0415

        patches.apply()
