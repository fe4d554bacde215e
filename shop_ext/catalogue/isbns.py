"""ISBNs of formats: which variation holds an ISBN, and recording one
(the product admin and the catalogue import both write through here).

clean_isbn checks that no other format holds an ISBN, but two saves at the
same instant both pass that check; the unique index then decides, and
set_isbn turns the loser's IntegrityError into IsbnTaken, naming the
winner, as clean_isbn would have."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop_ext.core.isbn import hyphenated, normalise_isbn
from shop_ext.models import VariationIsbn


class IsbnTaken(ValidationError):
    """Another format holds this ISBN; the message names it."""


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
        raise taken(holder.isbn, holder.variation)
    return isbn13


def taken(isbn13, holder):
    """The IsbnTaken to raise for an ISBN ``holder`` (a format, or what
    names it) has already."""
    message = _("ISBN %(isbn)s is already the ISBN of %(format)s.")
    return IsbnTaken(message % {"isbn": hyphenated(isbn13), "format": holder}, code="isbn_taken")


def set_isbn(variation, isbn13):
    """Give the variation this (cleaned) ISBN, or none for "". IsbnTaken
    when another save took it since it was cleaned."""
    if isbn13:
        try:
            with transaction.atomic():
                VariationIsbn.objects.update_or_create(variation=variation, defaults={"isbn": isbn13})
        except IntegrityError:
            clean_isbn(isbn13, variation.pk)  # raises IsbnTaken: the winner has committed
            raise
    else:
        VariationIsbn.objects.filter(variation=variation).delete()


def record_of(variation):
    """The variation's VariationIsbn, or None."""
    try:
        return variation.isbn_record
    except VariationIsbn.DoesNotExist:
        return None


def isbn_of(variation):
    """The variation's ISBN-13, or ""."""
    record = record_of(variation)
    return record.isbn if record else ""
