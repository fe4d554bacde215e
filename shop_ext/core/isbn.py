"""The ISBN rule of the shop: ISBN-13 or ISBN-10 accepted, checked by
python-stdnum, kept as the 13 digits without hyphens (one spelling, so the
database's unique constraint sees every duplicate)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError as StdnumError


def normalise_isbn(value):
    """The ISBN-13 of ``value`` (digits only), or ValidationError saying why not."""
    try:
        compact = stdnum_isbn.validate(value)
    except StdnumError as error:
        raise ValidationError(
            _("%(value)s is not a valid ISBN: %(reason)s") % {"value": value, "reason": error.message},
            code="invalid_isbn",
        ) from None
    return stdnum_isbn.to_isbn13(compact)


def hyphenated(isbn13):
    """The ISBN as it is printed (978-0-14-103614-4)."""
    return stdnum_isbn.format(isbn13)


def validate_isbn13(value):
    """The stored form: a valid ISBN-13, digits only (forms and imports
    pass what editors type through ``normalise_isbn`` first)."""
    if normalise_isbn(value) != value:
        raise ValidationError(
            _("Store the ISBN as its 13 digits, without hyphens."), code="isbn_not_normalised"
        )
