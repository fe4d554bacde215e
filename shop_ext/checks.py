"""System checks (manage.py check, run by the deploy guide's `check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string


@register
def payment_gateway_is_importable(app_configs, **kwargs):
    """A gateway that cannot be imported would fail every checkout."""
    try:
        import_string(settings.SHOP_PAYMENT_GATEWAY)
    except ImportError as error:
        return [
            Error(
                f"SHOP_PAYMENT_GATEWAY={settings.SHOP_PAYMENT_GATEWAY} cannot be imported: {error}",
                hint="Set it to a dotted path such as shop_ext.payments.gateways.pay_on_account.",
                id="shop_ext.E001",
            )
        ]
    return []
