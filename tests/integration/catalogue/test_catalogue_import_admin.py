"""The product list's Import and Export: the dry run page by row and field,
then the confirmation that writes; bad files are a message on the form,
never a 500; only staff allowed to add and change products may import."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shop_ext.core import permissions
from shop_ext.models import Book
from tests.factories import make_book, staff_with

pytestmark = pytest.mark.django_db

IMPORT = "/admin/shop_ext/book/import/"
CSV_FORMAT = "0"  # the first of the admin's formats: CSV, then XLSX


def upload(client, data, name="books.csv"):
    return client.post(IMPORT, {"format": CSV_FORMAT, "import_file": SimpleUploadedFile(name, data)})


def test_the_dry_run_shows_each_row_then_the_confirmation_writes(admin_client):
    make_book(title="The Almanac")
    data = b"title,format,price\nThe Almanac,Paperback,14.00\nFresh Title,eBook,3.99\n"
    response = upload(admin_client, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fresh Title" in html
    assert not Book.objects.filter(title="Fresh Title").exists()
    confirm = response.context["confirm_form"]
    fields = {name: confirm[name].value() for name in confirm.fields}
    response = admin_client.post("/admin/shop_ext/book/process_import/", fields)
    assert response.status_code == 302
    assert Book.objects.filter(title="Fresh Title").exists()
    assert (
        str(Book.objects.get(title="The Almanac").variations.get(option3="Paperback").unit_price) == "14.00"
    )


def test_a_refused_row_is_named_with_its_field_and_cannot_be_confirmed(admin_client):
    response = upload(admin_client, b'title,format,price\nFresh Title,eBook,"3,99"\n')
    assert response.status_code == 200
    html = response.content.decode()
    assert "decimal point" in html
    assert response.context.get("confirm_form") is None
    assert not Book.objects.filter(title="Fresh Title").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("title,format,price\nCaf\u00e9,eBook,1\n".encode("latin-1"), "not UTF-8"),
        (b"name,cost\nx,1\n", "missing: title, format, price"),
    ],
)
def test_a_bad_file_is_a_message_on_the_form(admin_client, data, message):
    response = upload(admin_client, data)
    assert response.status_code == 200
    assert message in re.sub(
        r"&#x27;|&quot;|&ldquo;|&rdquo;", "", response.content.decode()
    ) or message in str(response.context["form"].errors)


def test_a_file_over_the_limit_is_refused_before_it_is_read(admin_client, settings):
    settings.SHOP_IMPORT_MAX_BYTES = 50
    response = upload(admin_client, b"title,format,price\n" + b"A title,eBook,1.00\n" * 10)
    assert response.status_code == 200
    assert "can be imported at once" in str(response.context["form"].errors)


def test_the_export_is_a_spreadsheet_of_formats(admin_client):
    make_book(title="=cmd|' /C calc'!A0")
    response = admin_client.post("/admin/shop_ext/book/export/", {"format": CSV_FORMAT})
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("sku,title,author")
    assert "'=cmd" in text


def test_only_staff_who_may_add_and_change_products_may_import():
    editor = staff_with(permissions.VIEW_PRODUCT, permissions.CHANGE_PRODUCT)
    client = Client()
    client.force_login(editor)
    assert client.get(IMPORT).status_code == 403
    assert client.post("/admin/shop/product/process_import/", {}).status_code == 403
    importer = staff_with(permissions.ADD_PRODUCT, permissions.CHANGE_PRODUCT, permissions.VIEW_PRODUCT)
    client.force_login(importer)
    assert client.get("/admin/shop/product/import/").status_code == 200


def test_the_product_list_links_import_and_export_beside_its_add_menu(admin_client):
    html = admin_client.get("/admin/shop/product/").content.decode()
    assert "href='/admin/shop/product/import/'" in html
    assert 'href="/admin/shop/product/export/' in html
    assert "/admin/shop_ext/book/add/" in html
