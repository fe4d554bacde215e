"""Editors' rich text carries no form controls (issue 28, item 1): a form in
a description would be sent by a signed-in visitor's browser as them. What
is already stored is cleaned on every render; what staff save is cleaned then."""

import pytest
from bs4 import BeautifulSoup
from cartridge.shop.models import Category, Product
from mezzanine.core.models import CONTENT_STATUS_PUBLISHED
from mezzanine.pages.models import RichTextPage

from tests.admin_forms import admin_form_data
from tests.factories import make_book, staff_with

pytestmark = pytest.mark.django_db

FORM_CONTROLS = [
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "option",
    "optgroup",
    "label",
    "fieldset",
    "legend",
]
ATTACK = (
    "<p>Our best seller.</p>"
    '<form method="post" action="/admin/auth/user/1/password/" data-shop-csrf>'
    '<input type="hidden" name="csrfmiddlewaretoken" value="">'
    '<input type="hidden" name="password1" value="X"><input type="hidden" name="password2" value="X">'
    '<fieldset><legend>Pick</legend><label for="s">Size</label>'
    '<select id="s"><optgroup label="g"><option>A</option></optgroup></select></fieldset>'
    "<textarea>note</textarea><button>Read a free sample</button></form>"
    '<p data-shop-csrf data-token="x">Signed copies.</p>'
)


def stored_as_is(model, **fields):
    """A row whose content never went through a form (old content, an
    import, the shell): ``create`` does not clean fields."""
    return model.objects.create(status=CONTENT_STATUS_PUBLISHED, content=ATTACK, **fields)


def rich_text_in(response, selector):
    assert response.status_code == 200
    block = BeautifulSoup(response.content.decode(), "html.parser").select_one(selector)
    assert block is not None, selector
    return block


def assert_no_form_controls(block):
    assert "Our best seller." in block.get_text()
    assert block.find_all(FORM_CONTROLS) == []
    assert not [tag for tag in block.find_all(True) if any(name.startswith("data-") for name in tag.attrs)]
    assert "/admin/auth/user/" not in str(block)


def test_a_form_stored_in_a_product_description_is_not_rendered(client):
    product = stored_as_is(Product, title="Stored form", available=True)
    product.variations.create(default=True, unit_price=5)
    product.copy_default_variation()

    assert_no_form_controls(rich_text_in(client.get(product.get_absolute_url()), ".product-description"))


def test_a_form_stored_in_a_category_intro_is_not_rendered(client):
    category = stored_as_is(Category, title="Shelf")

    assert_no_form_controls(rich_text_in(client.get(category.get_absolute_url()), ".category-intro"))


def test_a_form_stored_in_a_rich_text_page_is_not_rendered(client):
    page = stored_as_is(RichTextPage, title="About us")

    assert_no_form_controls(rich_text_in(client.get(page.get_absolute_url()), "#main"))


def test_saving_a_description_in_the_admin_strips_form_controls(client):
    """A staff member who may only edit products saves the attack."""
    book = make_book(title="Copy only")
    client.force_login(staff_with("shop_ext.view_book", "shop_ext.change_book"))
    url = f"/admin/shop_ext/book/{book.pk}/change/"
    data = admin_form_data(client.get(url))
    data["content"] = ATTACK

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    book.refresh_from_db()
    stored = BeautifulSoup(book.content, "html.parser")
    assert_no_form_controls(stored)


def test_the_rich_text_allow_list_has_no_form_controls():
    from mezzanine.conf import settings

    assert not set(FORM_CONTROLS + ["datalist", "output"]) & set(settings.RICHTEXT_ALLOWED_TAGS)
    assert not {"action", "formaction", "method"} & set(settings.RICHTEXT_ALLOWED_ATTRIBUTES)
    assert not [name for name in settings.RICHTEXT_ALLOWED_ATTRIBUTES if name.startswith("data")]
