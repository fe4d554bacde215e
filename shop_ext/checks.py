"""System checks (manage.py check, run by the deploy guide's `check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.module_loading import import_string
from django_countries import countries

from shop_ext.models import TaxClass, TaxRate
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


# Names of this machine's loopback, one server whichever is written.
LOOPBACK = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


def _redis_server(url):
    """The server a Redis URL names (a socket's path, or host and port),
    whatever its database number."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    host = "loopback" if parts.hostname in LOOPBACK else parts.hostname
    return (host, parts.port or 6379)


@register(Tags.caches, deploy=True)
def cache_has_a_redis_of_its_own(app_configs, **kwargs):
    """The cache must evict when full (allkeys-lru) and the broker must not
    (noeviction): on one server a full cache stops tasks, emails among
    them, from being queued."""
    if not (settings.CACHE_URL and settings.CELERY_BROKER_URL):
        return []
    if _redis_server(settings.CACHE_URL) != _redis_server(settings.CELERY_BROKER_URL):
        return []
    return [
        Warning(
            "CACHE_URL and CELERY_BROKER_URL name the same Redis server: a full cache would stop "
            "order emails from being queued.",
            hint="Give the cache a Redis of its own with maxmemory and maxmemory-policy allkeys-lru "
            "(docs/deploy.md, section 7).",
            id="shop_ext.W001",
        )
    ]


@register(deploy=True)
def client_addresses_come_through_the_proxy(app_configs, **kwargs):
    """Behind nginx every request comes from the proxy: without
    SHOP_TRUSTED_PROXIES, per-client limits (lost links, discount codes,
    sign-in lockout) and the download log's addresses would all name it, and
    any holder of a private link would share one client's free resumes."""
    if settings.SHOP_TRUSTED_PROXIES:
        return []
    return [
        Warning(
            "SHOP_TRUSTED_PROXIES is empty: every client's address will be the proxy's.",
            hint="List the addresses of nginx (or the load balancer), e.g. SHOP_TRUSTED_PROXIES=127.0.0.1 "
            "(docs/deploy.md).",
            id="shop_ext.W002",
        )
    ]


@register("taxes")
def tax_home_country_is_known(app_configs, **kwargs):
    """The home country decides the rates prices include, the OSS threshold
    and reverse charge: an unknown code would silently change all three."""
    home = settings.SHOP_TAX_HOME_COUNTRY
    if not home or home in countries:
        return []
    return [
        Error(
            f"SHOP_TAX_HOME_COUNTRY={home} is no ISO 3166 country code.",
            hint="Set it to the two letters of the country the shop is established in, e.g. FR.",
            id="shop_ext.E003",
        )
    ]


@register("taxes", deploy=True)
def tax_rates_cover_the_countries_sold_to(app_configs, **kwargs):
    """With tax on, a class without a rate in force today for a country the
    shop sells to (every country it holds a rate for, and its home country)
    refuses those lines at checkout: say so before a buyer finds out."""
    if not settings.SHOP_TAX_ENABLED:
        return []
    today = timezone.localdate()
    try:
        in_force = set(
            TaxRate.objects.filter(valid_from__lte=today).values_list("country", "tax_class").distinct()
        )
        sold_to = set(TaxRate.objects.values_list("country", flat=True).distinct())
    except DatabaseError:
        return []  # not migrated yet: `migrate` comes first, the check runs again after
    sold_to.update([settings.SHOP_TAX_HOME_COUNTRY] if settings.SHOP_TAX_HOME_COUNTRY else [])
    needed = [value for value in TaxClass.values if value != TaxClass.ZERO]
    missing = {
        country: [tax_class for tax_class in needed if (country, tax_class) not in in_force]
        for country in sorted(sold_to)
    }
    return [
        Warning(
            f"No tax rate in force today in {country} for {', '.join(classes)}: checkout refuses such lines.",
            hint="Add the rates in the admin (Tax rates) or with manage.py load_tax_rates (docs/taxes.md).",
            id="shop_ext.W003",
        )
        for country, classes in missing.items()
        if classes
    ]
