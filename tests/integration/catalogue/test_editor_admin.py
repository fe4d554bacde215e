"""The admin as an editor meets it: a book offers only the Format option,
the product lists show price and stock and no status drop-down, and new
pages start as drafts in no menu."""

import re

import pytest
from mezzanine.core.models import CONTENT_STATUS_DRAFT

from tests.factories import ProductOptionFactory, format_option, make_book

pytestmark = pytest.mark.django_db


def test_the_book_form_offers_formats_only(admin_client):
    format_option("Paperback")
    ProductOptionFactory(type=1, name="XL")
    ProductOptionFactory(type=2, name="Red")
    html = admin_client.get("/admin/shop_ext/book/add/").content.decode()
    assert 'name="option3"' in html
    assert 'name="option1"' not in html  # Size
    assert 'name="option2"' not in html  # Colour
    # Other product types keep every option.
    assert 'name="option1"' in admin_client.get("/admin/shop/product/add/").content.decode()


@pytest.mark.parametrize("url", ["/admin/shop/product/", "/admin/shop_ext/book/"])
def test_the_product_lists_show_price_and_stock_but_no_status_drop_down(admin_client, url):
    make_book(title="Counted", stock={"Paperback": 4, "eBook": None})
    html = admin_client.get(url).content.decode()
    assert "column-price" in html
    assert "column-stock" in html
    assert "12.99" in html
    assert "4 (+ formats not counted)" in html
    assert not re.search(r'<select[^>]*name="form-0-status"', html)


@pytest.mark.parametrize("url", ["/admin/shop/category/add/", "/admin/pages/richtextpage/add/"])
def test_new_pages_start_as_drafts_in_no_menu(admin_client, url):
    form = admin_client.get(url).context["adminform"].form
    assert form.initial["status"] == CONTENT_STATUS_DRAFT
    assert form.initial["in_menus"] == []
    html = admin_client.get(url).content.decode()
    assert not re.search(r'name="in_menus"[^>]*checked', html)
