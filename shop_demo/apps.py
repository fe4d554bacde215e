from django.apps import AppConfig


class ShopDemoConfig(AppConfig):
    """The demo catalogue and its loader (``manage.py load_demo``): installed
    in development and tests; in production only with SHOP_DEMO=true."""

    name = "shop_demo"
    verbose_name = "Demo catalogue"
