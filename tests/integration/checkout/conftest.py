import pytest

from tests.factories import make_product


@pytest.fixture
def tote(db):
    """A physical product with one option: Tote bag, 8.00, 10 in stock."""
    return make_product({"Paperback": "8.00"}, title="Tote bag", stock=10)
