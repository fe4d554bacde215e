from django.apps import AppConfig


class ShopExtConfig(AppConfig):
    name = "shop_ext"
    verbose_name = "Digital goods"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import cartridge_patches, signals  # noqa: F401

        cartridge_patches.apply()
