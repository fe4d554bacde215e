"""The product page's format cards: one per format a title is sold in, with
its price, what the buyer gets, and whether it can be bought now.

The cards replace Cartridge's format drop-down for products whose
variations differ by format only; they are the radio inputs of the same
add-to-cart form, so the variation posted and checked is unchanged
(shop_ext.catalogue.forms). Which format is chosen first: the one the
shopper came for (``?format=ebook``, carried by listing links), else the
default variation's, else the first that can be bought.
"""

from dataclasses import dataclass, field

from cartridge.shop.models import ProductVariation
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shop_ext.catalogue import isbns
from shop_ext.catalogue.availability import delivers, format_field
from shop_ext.models import VariationIsbn

FORMAT_PARAMETER = "format"
# A printed format with this many copies or fewer says how many are left.
LOW_STOCK = 5


def format_slug(value):
    """ "Paperback + eBook" -> "paperback-ebook": the value of ``?format=``."""
    return slugify(value)


def known_format_slugs():
    """The ``?format=`` values the settings name: the only ones a cached
    page is stored for (a bounded set, whatever the request asks)."""
    formats = (*settings.SHOP_PRINT_FORMATS, *settings.SHOP_DIGITAL_FORMATS, *settings.SHOP_BUNDLE_FORMATS)
    return {format_slug(value) for value in formats}


@dataclass
class FormatCard:
    value: str  # the option value the add-to-cart form posts
    variation: ProductVariation
    kind: str  # "download", "both" or "ship" (availability.line_kinds)
    unavailable: str | None
    files: list = field(default_factory=list)
    selected: bool = False
    isbn: VariationIsbn | None = None

    @property
    def slug(self):
        return format_slug(self.value)

    @property
    def files_text(self):
        """ "EPUB + PDF" and "2.1 MB / 3.4 MB", in the same order."""
        return (
            " + ".join(f.extension or _("file") for f in self.files),
            " / ".join(filesizeformat(f.size) for f in self.files),
        )

    @property
    def details(self):
        """What the buyer gets, in one line."""
        if self.unavailable:
            return self.unavailable
        days = settings.SHOP_PRINT_DISPATCH_DAYS
        ships = ngettext("ships in %(days)s day", "ships in %(days)s days", days) % {"days": days}
        if self.kind == "ship":
            stock = self.variation.num_in_stock
            if stock is not None and stock <= LOW_STOCK:
                left = ngettext("Only %(count)s copy left", "Only %(count)s copies left", stock) % {
                    "count": stock
                }
                return f"{left}, {ships}"
            return ships.capitalize()
        kinds, sizes = self.files_text
        download = _("%(kinds)s, DRM-free, instant download, %(sizes)s") % {"kinds": kinds, "sizes": sizes}
        if self.kind == "both":
            return _("Print copy %(ships)s; %(download)s") % {"ships": ships, "download": download}
        return download


def sells_by_format(variations):
    """True when the variations differ by format only (books): the page
    shows cards; a T-shirt's sizes and colours keep their drop-downs."""
    fmt = format_field()
    others = [f.name for f in ProductVariation.option_fields() if f.name != fmt]
    return bool(variations) and all(
        getattr(v, fmt) and not any(getattr(v, name) for name in others) for v in variations
    )


def format_cards(variations, kinds, reasons, files, requested=None, posted=None):
    """One card per format of ``variations`` (a product's),
    or [] when the product is not sold by format, in the order the formats
    were added, the default first. ``kinds`` and ``reasons``
    are the product view's (availability.line_kinds, unavailable_reasons),
    ``files`` the product's (availability.files_of_products), ``isbn_record``
    prefetched on ``variations`` (else a query per format);
    ``requested``: the ``?format=`` slug; ``posted``: the format value of a
    form sent back with an error, which stays chosen."""
    # Cartridge orders a product's variations by "default" only: the others
    # come in the database's row order, which PostgreSQL changes as rows are
    # updated.
    variations = sorted(variations, key=lambda variation: (not variation.default, variation.id))
    if not sells_by_format(variations):
        return []
    fmt = format_field()
    cards = []
    for variation in variations:
        delivered = [f for f in files if delivers(f, variation)]
        cards.append(
            FormatCard(
                value=getattr(variation, fmt),
                variation=variation,
                kind=kinds.get(variation.sku, "ship"),
                unavailable=reasons.get(variation.sku),
                files=sorted(delivered, key=lambda f: f.extension),
                isbn=isbns.record_of(variation),
            )
        )
    buyable = [card for card in cards if not card.unavailable]
    chosen = (
        [card for card in cards if card.value == posted]
        or [card for card in buyable if card.slug == requested]
        or [card for card in buyable if card.variation.default]
        or buyable
    )
    if chosen:
        chosen[0].selected = True
    return cards
