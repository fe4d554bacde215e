"""System checks (manage.py check, run by the deploy guide's `check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from shop_ext.payments.gateways import METHODS

SHOPPERS_CHOICE = "shop_ext.payments.gateways.pay_by_shoppers_choice"


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


@register
def payment_methods_are_known(app_configs, **kwargs):
    """The shopper's-choice gateway needs at least one method, each one we have."""
    if settings.SHOP_PAYMENT_GATEWAY != SHOPPERS_CHOICE:
        return []
    unknown = [name for name in settings.SHOP_PAYMENT_METHODS if name not in METHODS]
    if settings.SHOP_PAYMENT_METHODS and not unknown:
        return []
    return [
        Error(
            f"SHOP_PAYMENT_METHODS={','.join(settings.SHOP_PAYMENT_METHODS)} "
            + (f"names unknown methods: {', '.join(unknown)}" if unknown else "is empty"),
            hint=f"List the methods the shopper picks from, first is the default: {', '.join(METHODS)}.",
            id="shop_ext.E002",
        )
    ]
