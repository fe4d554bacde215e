"""The product list's bulk edits: each shows the changes product by product
and makes them only once the editor confirms; staff without
shop.change_product are not offered them and cannot post them."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from mezzanine.core.models import CONTENT_STATUS_DRAFT, CONTENT_STATUS_PUBLISHED

from shop_ext.catalogue.bulk_edits import price_ending_99
from shop_ext.core import permissions
from tests.factories import CategoryFactory, SaleFactory, make_book, staff_with, variation

pytestmark = pytest.mark.django_db

LIST = "/admin/shop/product/"


@pytest.fixture
def books():
    return [make_book(title="Alpha"), make_book(title="Beta", prices={"eBook": "5.00"})]


def act(client, action, products, **data):
    return client.post(LIST, {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in products], **data})


def preview_then_confirm(client, action, products, **values):
    """The action's page (with its value), then the confirmation."""
    response = act(client, action, products, bulk_step="preview", **values)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="bulk-changes"' in page or "Nothing to change" in page
    assert act(client, action, products, bulk_step="confirm", **values).status_code == 302
    return page


@pytest.mark.parametrize(
    ("price", "expected"),
    [("10.39", "9.99"), ("10.60", "10.99"), ("14.289", "13.99"), ("0.10", "0.99"), ("20.00", "19.99")],
)
def test_prices_are_rounded_to_the_nearest_99(price, expected):
    assert price_ending_99(Decimal(price)) == Decimal(expected)


def test_prices_change_by_a_percentage_after_a_preview(admin_client, books):
    alpha, beta = books
    first = act(admin_client, "change_prices", books)
    assert first.status_code == 200
    assert 'name="percent"' in first.content.decode()
    assert variation(alpha, option3="Paperback").unit_price == Decimal("12.99")

    page = preview_then_confirm(admin_client, "change_prices", books, percent="10")
    assert "12.99" in page
    assert "13.99" in page
    assert variation(alpha, option3="Paperback").unit_price == Decimal("13.99")
    assert variation(alpha, option3="eBook").unit_price == Decimal("7.99")  # 6.99 + 10% = 7.69
    assert variation(beta, option3="eBook").unit_price == Decimal("5.99")
    alpha.refresh_from_db()
    assert alpha.unit_price == Decimal("13.99")  # the product's copy of its default format


def test_a_bad_percentage_is_refused_on_the_page(admin_client, books):
    response = act(admin_client, "change_prices", books, bulk_step="confirm", percent="-95")
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to -90" in response.content.decode()
    assert variation(books[0], option3="Paperback").unit_price == Decimal("12.99")


def test_products_go_on_a_sale_and_off_it(admin_client, books):
    alpha, beta = books
    sale = SaleFactory(discount_percent=Decimal("20"))
    page = preview_then_confirm(admin_client, "put_on_sale", [alpha], sale=str(sale.pk))
    assert "10.39" in page  # 12.99 less 20%
    paperback = variation(alpha, option3="Paperback")
    assert paperback.on_sale()
    assert paperback.sale_price == Decimal("10.39")
    assert not variation(beta, option3="eBook").on_sale()

    preview_then_confirm(admin_client, "take_off_sale", [alpha])
    assert not variation(alpha, option3="Paperback").on_sale()
    assert not sale.products.filter(pk=alpha.pk).exists()


def test_taking_products_off_a_category_pages_sale_ends_it_for_them_only(admin_client, books):
    alpha, beta = books
    fiction = CategoryFactory(title="Fiction")
    fiction.products.add(alpha, beta)
    sale = SaleFactory(discount_percent=Decimal("20"))
    sale.categories.add(fiction)
    assert variation(alpha, option3="Paperback").on_sale()

    page = preview_then_confirm(admin_client, "take_off_sale", [alpha])
    assert "10.39" in page  # the price in force, shown before it goes
    for fmt in ("Paperback", "eBook"):
        assert not variation(alpha, option3=fmt).on_sale()
    assert variation(beta, option3="eBook").on_sale()
    # The page still lists it; the sale still covers the page.
    assert fiction.products.filter(pk=alpha.pk).exists()
    assert sale.categories.filter(pk=fiction.pk).exists()

    # Applied again (the sale saved, a new price), it still leaves Alpha out.
    sale.save()
    paperback = variation(alpha, option3="Paperback")
    paperback.unit_price = Decimal("13.99")
    paperback.save()
    assert not variation(alpha, option3="Paperback").on_sale()
    response = admin_client.get(alpha.get_absolute_url())
    assert response.status_code == 200
    assert "13.99" in response.content.decode()
    assert "11.19" not in response.content.decode()

    # Put on the sale again by hand: reduced again.
    preview_then_confirm(admin_client, "put_on_sale", [alpha], sale=str(sale.pk))
    assert variation(alpha, option3="Paperback").sale_price == Decimal("11.19")


def test_products_are_published_and_unpublished(admin_client, books):
    alpha, beta = books
    preview_then_confirm(admin_client, "unpublish", books)
    alpha.refresh_from_db()
    assert alpha.status == CONTENT_STATUS_DRAFT
    assert admin_client.get(alpha.get_absolute_url()).status_code == 200  # staff still see drafts
    assert Client().get(alpha.get_absolute_url()).status_code == 404
    preview_then_confirm(admin_client, "publish", [alpha])
    alpha.refresh_from_db()
    beta.refresh_from_db()
    assert (alpha.status, beta.status) == (CONTENT_STATUS_PUBLISHED, CONTENT_STATUS_DRAFT)


def test_products_move_to_a_category_page(admin_client, books):
    alpha, beta = books
    old, new = CategoryFactory(title="Old shelf"), CategoryFactory(title="New shelf")
    alpha.categories.add(old)
    page = preview_then_confirm(admin_client, "move_to_category", books, category=str(new.pk))
    assert "Old shelf" in page
    assert "New shelf" in page
    assert [c.title for c in alpha.categories.all()] == ["New shelf"]
    assert [c.title for c in beta.categories.all()] == ["New shelf"]


def test_nothing_changes_without_the_confirmation(admin_client, books):
    act(admin_client, "unpublish", books)
    act(admin_client, "unpublish", books, bulk_step="preview")
    books[0].refresh_from_db()
    assert books[0].status == CONTENT_STATUS_PUBLISHED


@pytest.mark.parametrize(
    "action", ["put_on_sale", "take_off_sale", "change_prices", "publish", "unpublish", "move_to_category"]
)
def test_staff_without_the_change_permission_get_no_bulk_edit(books, action):
    viewer = staff_with(permissions.VIEW_PRODUCT)
    client = Client()
    client.force_login(viewer)
    response = client.get(LIST)
    assert response.status_code == 200
    assert f'value="{action}"' not in response.content.decode()
    response = act(client, action, books, bulk_step="confirm", percent="50")
    # Django's list ignores an action it does not offer: the list again.
    assert response.status_code == 200
    assert "bulk_step" not in response.content.decode()
    books[0].refresh_from_db()
    assert books[0].status == CONTENT_STATUS_PUBLISHED
    assert variation(books[0], option3="Paperback").unit_price == Decimal("12.99")


def test_editors_with_the_change_permission_are_offered_the_bulk_edits(books):
    editor = staff_with(permissions.VIEW_PRODUCT, permissions.CHANGE_PRODUCT)
    client = Client()
    client.force_login(editor)
    html = client.get(LIST).content.decode()
    for action in ("put_on_sale", "change_prices", "publish", "move_to_category"):
        assert f'value="{action}"' in html
    preview_then_confirm(client, "change_prices", books, percent="-50")
    assert variation(books[0], option3="Paperback").unit_price == Decimal("6.99")  # 12.99 - 50% = 6.495
