"""The admin as an editor meets it: a book offers only the Format option,
its formats come first on its form, the product lists show price and stock
(editable) and no status drop-down, the dashboard shows the everyday things
first, and new pages start as drafts in no menu."""

import re
from decimal import Decimal

import pytest
from mezzanine.core.models import CONTENT_STATUS_DRAFT

from shop_ext.core import permissions
from tests.admin_forms import admin_form_data
from tests.factories import ProductOptionFactory, format_option, make_book, staff_with, variation

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


def test_the_book_form_shows_its_formats_first_named_by_format(admin_client):
    book = make_book(title="Counted", stock={"Paperback": 4, "eBook": None})
    html = admin_client.get(f"/admin/shop_ext/book/{book.pk}/change/").content.decode()
    formats = html.index('id="variations-group"')
    assert formats < html.index('name="title"')
    rows = re.findall(r'<th scope="row">\s*([^<]+?)\s*<', html[formats:])
    assert rows[:2] == ["Paperback", "eBook"]
    assert re.search(r'name="variations-0-unit_price"[^>]*aria-label="Price, Paperback"', html)


@pytest.mark.parametrize("url", ["/admin/shop/product/", "/admin/shop_ext/book/"])
def test_the_product_lists_show_price_and_stock_but_no_status_drop_down(admin_client, url):
    make_book(title="Counted", stock={"Paperback": 4, "eBook": None})
    html = admin_client.get(url).content.decode()
    assert re.search(r'<input[^>]*name="form-0-unit_price"[^>]*value="12.99"', html)
    assert re.search(r'<input[^>]*name="form-0-num_in_stock"[^>]*value="4"', html)
    assert "Paperback: 12.99 · 4" in html
    assert "eBook: 6.99 · not counted" in html
    assert not re.search(r'<select[^>]*name="form-0-status"', html)


def test_a_bad_price_on_the_book_form_is_told_beside_it_and_in_the_summary(admin_client):
    book = make_book(title="Counted", stock={"Paperback": 4, "eBook": None})
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(admin_client.get(url))
    data["variations-0-unit_price"] = "12,99"
    html = admin_client.post(url, data).content.decode()
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_variations-0-unit_price"' in summary
    assert "Enter a number." in summary
    field = html.index('name="variations-0-unit_price"')
    cell = html[html.rindex("<td", 0, field) : html.index("</td>", field)]
    assert "Enter a number." in cell
    assert variation(book, option3="Paperback").unit_price == Decimal("12.99")


def list_row(product, **changes):
    row = {"unit_price": product.unit_price, "num_in_stock": product.num_in_stock, "available": "on"}
    row.update(changes)
    data = {"form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, f"form-0-{product._meta.pk.name}": product.pk}
    data["_save"] = "Save"
    data.update({f"form-0-{name}": "" if value is None else value for name, value in row.items()})
    return data


def test_price_and_stock_changed_in_the_book_list_are_the_default_formats(admin_client):
    book = make_book(title="Counted", stock={"Paperback": 4, "eBook": None})
    response = admin_client.post("/admin/shop_ext/book/", list_row(book, unit_price="13.49", num_in_stock=9))
    assert response.status_code == 302
    paperback = variation(book, option3="Paperback")
    assert (paperback.unit_price, paperback.num_in_stock) == (Decimal("13.49"), 9)
    assert variation(book, option3="eBook").unit_price == Decimal("6.99")
    book.refresh_from_db()
    assert book.unit_price == Decimal("13.49")
    html = admin_client.get("/admin/shop_ext/book/").content.decode()
    assert "Paperback: 13.49 · 9" in html


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("12,50", "Write the price as a number with a dot, e.g. 12.99."),
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("1" * 12, "Ensure that there are no more than 10 digits in total."),
    ],
)
def test_a_bad_price_in_the_list_is_refused_beside_it(admin_client, price, message):
    book = make_book(title="Counted", stock={"Paperback": 4, "eBook": None})
    response = admin_client.post("/admin/shop_ext/book/", list_row(book, unit_price=price))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert variation(book, option3="Paperback").unit_price == Decimal("12.99")


def test_only_staff_who_may_change_products_change_prices_in_the_list(client):
    book = make_book(title="Counted", stock={"Paperback": 4, "eBook": None})
    client.force_login(staff_with(permissions.VIEW_PRODUCT))
    html = client.get("/admin/shop_ext/book/").content.decode()
    assert 'name="form-0-unit_price"' not in html
    response = client.post("/admin/shop_ext/book/", list_row(book, unit_price="0.01"))
    assert response.status_code == 403
    assert variation(book, option3="Paperback").unit_price == Decimal("12.99")


def test_the_dashboard_shows_what_an_editor_uses_first_and_folds_the_rest(admin_client):
    html = admin_client.get("/admin/").content.decode()
    everyday = html[html.index('class="editor-tasks"') : html.index('id="editor-settings"')]
    links = re.findall(r'class="editor-task-link" href="([^"]+)">([^<]+)<', everyday)
    assert [name for _url, name in links] == [
        "Books",
        "Category pages",
        "Sales",
        "Discount codes",
        "Orders",
        "Import and export books",
        "Pages",
        "Media Library",
    ]
    for url, name in links:
        assert admin_client.get(url, follow=True).status_code == 200, name
    settings = html[html.index('id="editor-settings"') :]
    for name in ("Product options", "Users", "Sites", "Download log"):
        assert f">{name}</a>" in settings


def test_staff_without_product_permissions_get_no_import_link_and_are_refused(client):
    client.force_login(staff_with(permissions.VIEW_ORDER, permissions.CHANGE_ORDER))
    html = client.get("/admin/").content.decode()
    assert "Orders" in html  # the dashboard and the side menu are there
    assert "Import and export books" not in html
    assert "/admin/shop/product/import/" not in html
    assert client.get("/admin/shop/product/import/").status_code == 403

    client.force_login(staff_with(*permissions.IMPORT_CATALOGUE))
    html = client.get("/admin/").content.decode()
    assert html.count('href="/admin/shop/product/import/"') == 2  # dashboard and side menu


@pytest.mark.parametrize("url", ["/admin/shop/category/add/", "/admin/pages/richtextpage/add/"])
def test_new_pages_start_as_drafts_in_no_menu(admin_client, url):
    form = admin_client.get(url).context["adminform"].form
    assert form.initial["status"] == CONTENT_STATUS_DRAFT
    assert form.initial["in_menus"] == []
    html = admin_client.get(url).content.decode()
    assert not re.search(r'name="in_menus"[^>]*checked', html)
