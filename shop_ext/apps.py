from django.apps import AppConfig


class ShopExtConfig(AppConfig):
    name = "shop_ext"
    verbose_name = "Digital goods"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from shop_ext import patches
        from shop_ext.delivery import receivers  # noqa: F401  (connects them)

        patches.apply()
