import pytest

from tests.factories import CategoryFactory, make_book


@pytest.fixture
def harbour(db):
    """The Harbour: a Book sold only as a Paperback, 10.00, 3 in stock, on
    the Fiction category page (``category``)."""
    book = make_book({"Paperback": "10.00"}, stock=3, title="The Harbour")
    book.categories.add(CategoryFactory(title="Fiction"))
    return book


@pytest.fixture
def category(harbour):
    """The Fiction category page."""
    return harbour.categories.get()
