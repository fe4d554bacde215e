"""Template tags of the shop's domain. Listings must not cost a query per
product, so the catalogue helpers work on a whole list at once."""

from decimal import Decimal

from cartridge.shop.models import Product
from cartridge.shop.templatetags.shop_tags import _order_totals
from django import template
from django.conf import settings
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from mezzanine.core.templatetags.mezzanine_tags import thumbnail

from shop_ext.catalogue import availability, covers, listings, page_cache
from shop_ext.checkout import handlers
from shop_ext.models import Book, DigitalSupplyConsent, OrderTaxEvidence, TaxClass, VatCheck
from shop_ext.orders import OrderStatus
from shop_ext.orders.numbering import invoice_number_of
from shop_ext.payments.gateways import offered_methods
from shop_ext.taxes import charge

register = template.Library()


@register.simple_tag
def cover_img(product, width, height, loading="lazy"):
    """The cover ``<img>`` of a listed ``product`` at ``width`` x ``height``
    CSS pixels: its WebP versions with ``srcset`` (the browser takes the 2x
    on a sharp screen), as listings.annotate found them stored, or
    Mezzanine's thumbnail of the original when it has none."""
    image = product.image
    urls = covers.version_urls(image, getattr(product, "cover_widths", None)) if image else None
    if urls is None:
        src = f"{settings.MEDIA_URL}{thumbnail(image, width, height)}"
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" loading="{}">', src, width, height, loading
        )
    one, two = (urls[w] for w in covers.COVER_WIDTHS)
    return format_html(
        '<img src="{}" srcset="{} 1x, {} 2x" alt="" width="{}" height="{}" loading="{}">',
        one,
        one,
        two,
        width,
        height,
        loading,
    )


DEFAULT_BYLINE = "Paper & Pixel"


def attach_bylines(products):
    """Set ``product.byline`` (a Book's author, or the shop's name) on each
    product, in one query for the whole list."""
    products = list(products)
    authors = dict(Book.objects.filter(pk__in=[p.pk for p in products]).values_list("pk", "author"))
    for product in products:
        product.byline = authors.get(product.pk) or DEFAULT_BYLINE
        product.is_book = product.pk in authors
    return products


def attach_listing_details(products):
    products = list(products)
    listings.annotate(products)
    return products


@register.simple_tag(takes_context=True)
def new_products(context, limit=8, books_only=False):
    """``{% new_products 8 as products %}``: published, available products,
    newest first, with ``byline`` and ``digital_summary`` set (four queries
    whatever the limit). ``books_only=True`` leaves out gifts and downloads."""
    request = context.get("request")
    user = getattr(request, "user", None)
    products = Product.objects.published(for_user=user).filter(available=True)
    if books_only:
        products = products.filter(content_model=Book.get_content_model_name())
    products = list(products.order_by("-date_added", "-id")[: int(limit)])
    return attach_listing_details(attach_bylines(products))


@register.simple_tag
def with_bylines(products):
    """``{% with_bylines products.object_list as listed %}`` for listings
    built elsewhere (category pages, search results)."""
    return attach_listing_details(attach_bylines(products))


def shipping_estimate(request):
    """The shipping (label, amount) a cart with printed items will pay,
    before checkout sets it; None for a cart of downloads, or once checkout
    has set it."""
    if request.session.get("shipping_type") or not availability.cart_ships(request.cart):
        return None
    return handlers.shipping_for(request)


@register.simple_tag(takes_context=True)
def cart_totals(context):
    """``{% cart_totals as totals %}``: what the cart costs as it stands, the
    same on the cart page and in every checkout summary:
    Cartridge's totals, plus ``estimate`` (label, amount: the shipping until
    checkout sets it) and ``total`` with it."""
    totals = _order_totals(context)
    estimate = shipping_estimate(context["request"])
    total = totals["order_total"] + (Decimal(str(estimate[1])) if estimate else 0)
    return {**totals, "estimate": estimate, "total": total}


@register.simple_tag(takes_context=True)
def cart_after_discount(context):
    """The header's cart total: the items less the applied code's discount
    (on any page, an order's included)."""
    request = context["request"]
    total = request.cart.total_price()
    if not total:
        return total  # an expired cart may outlive its session's discount
    return total - Decimal(str(request.session.get("discount_total") or 0))


@register.simple_tag(takes_context=True)
def tax_by_rate(context):
    """``{% tax_by_rate as rows %}``: the tax at each rate of the order in
    the context (invoice, emails), else of the cart at checkout; each row a
    label ("France, eBook 5.5%"), net and tax (docs/taxes.md)."""
    order = context.get("order")
    if order is not None and getattr(order, "pk", None):
        rows = order.tax_lines.all()
    else:
        request = context.get("request")
        rows = charge.session_rows(request.session) if request is not None else []
    return [
        {
            "label": _("%(country)s, %(tax_class)s %(rate)s%%")
            % {
                "country": countries.name(row.country),
                "tax_class": TaxClass(row.tax_class).label,
                "rate": format(row.rate.normalize(), "f"),
            },
            "net": row.net,
            "tax": row.tax,
        }
        for row in rows
    ]


# Why the checkout charges VAT to a buyer who gave a VAT number, by what VIES said.
VAT_NUMBER_NOTES = {
    VatCheck.INVALID: gettext_lazy(
        "The EU's VIES service does not know this VAT number, so VAT is charged: please check it."
    ),
    VatCheck.UNAVAILABLE: gettext_lazy(
        "The EU's VIES service could not check your VAT number just now, so VAT is charged; "
        "we will check it and refund the VAT if it is valid."
    ),
}


@register.simple_tag(takes_context=True)
def order_tax_notes(context):
    """``{% order_tax_notes as notes %}``: what the totals say beside
    Cartridge's, for the order in the context, else the cart at checkout:
    ``total``, what is charged; ``adjustment``, how far the buyer's rate or
    a reverse charge moved it from the cart's sum (docs/taxes.md, "Price
    modes"); ``reverse_charge``, the business buyer's VAT number when they
    account for the VAT; ``seller_vat_number`` on an order's documents;
    ``vat_number_note`` at checkout, why a VAT number given is charged VAT."""
    return _tax_notes(context, _order_totals(context)["order_total"])


def _tax_notes(context, cartridge_total):
    order = context.get("order")
    if order is not None and getattr(order, "pk", None):
        evidence = OrderTaxEvidence.objects.filter(order=order).first()
        reverse_charge = evidence.vat_number if evidence and evidence.reverse_charge else ""
        total = order.total if order.tax_lines.exists() else cartridge_total
        seller_vat_number = settings.SHOP_TAX_VAT_NUMBER
        vat_number_note = ""
    else:
        request = context.get("request")
        session = request.session if request is not None else {}
        reverse_charge = charge.session_reverse_charge(session)
        rows = charge.session_rows(session)
        total = sum((row.gross for row in rows), Decimal("0.00")) if rows else cartridge_total
        seller_vat_number = ""
        vat_number_note = VAT_NUMBER_NOTES.get(getattr(charge.session_vat_check(session), "status", ""), "")
    adjustment = (total - cartridge_total) if total is not None and cartridge_total is not None else 0
    return {
        "total": total,
        "adjustment": adjustment,
        "reverse_charge": reverse_charge,
        "seller_vat_number": seller_vat_number,
        "vat_number_note": vat_number_note,
    }


def _totals_with_tax(context):
    totals = _order_totals(context)
    notes = _tax_notes(context, totals["order_total"])
    return {**totals, "order_total": notes["total"], "tax_rows": tax_by_rate(context), "tax_notes": notes}


# Loaded after Cartridge's shop_tags, these take the place of its tags of
# the same names: the same totals, the tax at each rate, and what the tax
# changed (order_tax_notes).
@register.inclusion_tag("shop/includes/order_totals.html", takes_context=True)
def order_totals(context):
    return _totals_with_tax(context)


@register.inclusion_tag("shop/includes/order_totals.txt", takes_context=True)
def order_totals_text(context):
    return _totals_with_tax(context)


@register.simple_tag
def line_kinds(lines):
    """SKU -> "download", "both" or "ship" for anything with a ``sku`` (cart
    or order lines, product variations); see shop_ext.catalogue.availability.line_kinds."""
    return availability.line_kinds(availability.variations_for_skus([item.sku for item in lines]).values())


@register.simple_tag
def invoice_number(order):
    """``{% invoice_number order as number %}``: its invoice number, given
    when it is paid; None before."""
    return invoice_number_of(order)


@register.simple_tag
def download_note(order):
    """One sentence for a receipt without download links: the files come
    by email once payment arrives. Empty when there is nothing to download
    (a paid order's receipt lists its links instead), or the order will
    not be paid (cancelled, refunded)."""
    if order.status != OrderStatus.UNPAID:
        return ""
    variations = availability.variations_for_skus(
        order.items.values_list("sku", flat=True), site_id=order.site_id
    )
    if availability.delivering_ids(variations.values()):
        return _("Your files will be ready once payment arrives: we will email you their links.")
    return ""


@register.simple_tag
def consent_note(order):
    """One sentence for the receipt and the invoice (a durable record for
    the buyer): when they asked for their downloads at once and gave up the
    right to withdraw from buying them. Empty for an order without it."""
    try:
        # The accessor: the order recorded at checkout already holds it (no query).
        given = order.digital_supply_consent
    except DigitalSupplyConsent.DoesNotExist:
        return ""
    return _(
        "On %(when)s you asked for the downloads to be delivered at once and acknowledged that "
        "you lose your 14-day right to withdraw from their purchase (wording %(version)s)."
    ) % {"when": date_format(localtime(given.given_at), "DATETIME_FORMAT"), "version": given.wording_version}


@register.simple_tag
def payment_methods():
    """The payment methods the shopper picks from on the last checkout step
    (none when the shop offers one way to pay)."""
    methods = offered_methods()
    return methods if len(methods) > 1 else []


@register.simple_tag
def offered_payment_names():
    """The names of every payment method offered (SHOP_PAYMENT_METHODS), for
    the payment marks (includes/payment_marks.html)."""
    return [name for name, _label in offered_methods()]


class CachedMenusNode(template.Node):
    def __init__(self, name, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        return page_cache.fragment(
            context.get("request"), context.get("page"), self.name, lambda: self.nodelist.render(context)
        )


@register.tag
def cached_menus(parser, token):
    """``{% cached_menus "dropdown" %}{% page_menu ... %}{% endcached_menus %}``:
    the menus between, kept per site, current page and kind of viewer until the
    catalogue changes (shop_ext.catalogue.page_cache.fragment)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("cached_menus takes one name")
    nodelist = parser.parse(("endcached_menus",))
    parser.delete_first_token()
    return CachedMenusNode(bits[1].strip("\"'"), nodelist)
