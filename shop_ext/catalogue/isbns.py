"""ISBNs of formats: which variation holds an ISBN, and recording one
(the product admin and the catalogue import both write through here)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shop_ext.core.isbn import normalise_isbn
from shop_ext.models import VariationIsbn


def clean_isbn(value, variation_id=None):
    """The ISBN-13 of ``value`` ("" for none), refused when it is invalid or
    another format already has it."""
    value = (value or "").strip()
    if not value:
        return ""
    isbn13 = normalise_isbn(value)
    holder = (
        VariationIsbn.objects.filter(isbn=isbn13)
        .exclude(variation_id=variation_id)
        .select_related("variation__product")
        .first()
    )
    if holder:
        raise ValidationError(
            _("ISBN %(isbn)s is already the ISBN of %(format)s.")
            % {"isbn": holder.hyphenated, "format": holder.variation},
            code="isbn_taken",
        )
    return isbn13


def set_isbn(variation, isbn13):
    """Give the variation this (cleaned) ISBN, or none for ""."""
    if isbn13:
        VariationIsbn.objects.update_or_create(variation=variation, defaults={"isbn": isbn13})
    else:
        VariationIsbn.objects.filter(variation=variation).delete()


def isbn_of(variation):
    """The variation's ISBN-13, or ""."""
    try:
        return variation.isbn_record.isbn
    except VariationIsbn.DoesNotExist:
        return ""
