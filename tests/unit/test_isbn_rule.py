"""The ISBN rule: ISBN-13 or ISBN-10 in, the 13 digits out, anything else refused."""

import pytest
from django.core.exceptions import ValidationError

from shop_ext.core.isbn import hyphenated, normalise_isbn, validate_isbn13


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("978-0-306-40615-7", "9780306406157"),
        ("9780306406157", "9780306406157"),
        ("0-306-40615-2", "9780306406157"),  # ISBN-10 of the same book
        (" 0306406152 ", "9780306406157"),
        ("080442957X", "9780804429573"),
    ],
)
def test_valid_isbns_are_stored_as_13_digits(typed, stored):
    assert normalise_isbn(typed) == stored


@pytest.mark.parametrize(
    "typed", ["978-0-306-40615-8", "0-306-40615-3", "12345", "not an isbn", "97803064061570"]
)
def test_invalid_isbns_are_refused_with_the_value_named(typed):
    with pytest.raises(ValidationError) as error:
        normalise_isbn(typed)
    assert typed in error.value.messages[0]


def test_the_stored_form_is_13_digits_without_hyphens():
    validate_isbn13("9780306406157")
    with pytest.raises(ValidationError):
        validate_isbn13("978-0-306-40615-7")


def test_isbns_are_shown_hyphenated():
    assert hyphenated("9780306406157") == "978-0-306-40615-7"
