"""The catalogue as shoppers see it: category pages and their filters,
product pages of the Book type, variations and the product's denormalized
price after an admin save."""

from datetime import timedelta
from decimal import Decimal

import pytest
from cartridge.shop.models import Product
from django.utils import timezone

from shop_ext.models import Book
from tests.factories import (
    COLOUR,
    SIZE,
    CategoryFactory,
    DraftCategoryFactory,
    SaleFactory,
    StaffFactory,
    add_file,
    format_option,
    make_book,
    make_product,
    variation,
)

pytestmark = pytest.mark.django_db


def listed(client, category, **params):
    """Titles of the products a category page lists (all on one page)."""
    response = client.get(category.get_absolute_url(), params)
    assert response.status_code == 200
    titles = {p.title for p in response.context["products"].object_list}
    html = response.content.decode()
    for product in response.context["products"].object_list:
        assert product.get_absolute_url() in html
    return titles


@pytest.fixture
def shelf():
    """Four products to filter:

    - Almanac: Book, Paperback 12.99 / eBook 6.99 (with its file)
    - Static:  Book, Paperback 10.99 only
    - Tote:    T-shirt-like product in sizes, 25.00
    - Fonts:   Download, 4.00 (with its file)
    """
    shelf = {
        "Almanac": make_book(title="Almanac"),
        "Static": make_book({"Paperback": "10.99"}, title="Static"),
        "Tote": make_product({"S": "25.00", "L": "25.00"}, option_type=SIZE, title="Tote"),
        "Fonts": make_product({"Download": "4.00"}, title="Fonts"),
    }
    add_file(shelf["Almanac"], "eBook")
    add_file(shelf["Fonts"], "Download", name="fonts.zip")
    return shelf


# Category pages


def test_products_chosen_by_hand_are_listed_and_others_not(client, shelf):
    category = CategoryFactory(products=[shelf["Almanac"], shelf["Tote"]])

    assert listed(client, category) == {"Almanac", "Tote"}


def test_option_filter_lists_products_with_that_option(client, shelf):
    category = CategoryFactory(options=[format_option("eBook")])

    assert listed(client, category) == {"Almanac"}


def test_option_filter_with_two_values_of_one_type(client, shelf):
    category = CategoryFactory(options=[format_option("eBook"), format_option("Download")])

    assert listed(client, category) == {"Almanac", "Fonts"}


def test_price_range_filter(client, shelf):
    category = CategoryFactory(price_min=Decimal("5.00"), price_max=Decimal("11.00"))

    # Almanac's eBook (6.99) and Static's paperback (10.99) are in range.
    assert listed(client, category) == {"Almanac", "Static"}


def test_price_max_filter(client, shelf):
    category = CategoryFactory(price_max=Decimal("5.00"))

    assert listed(client, category) == {"Fonts"}


def test_price_filter_uses_a_running_sale_price(client, shelf):
    SaleFactory(products=[shelf["Tote"]], discount_percent=Decimal("80"))  # 25.00 -> 5.00
    category = CategoryFactory(price_max=Decimal("5.00"))

    assert listed(client, category) == {"Fonts", "Tote"}


def test_sale_filter_lists_products_in_a_running_sale(client, shelf):
    sale = SaleFactory(products=[shelf["Static"], shelf["Fonts"]])
    category = CategoryFactory(sale=sale)

    assert listed(client, category) == {"Static", "Fonts"}


def test_sale_filter_lists_nothing_once_the_sale_is_over(client, shelf):
    sale = SaleFactory(
        products=[shelf["Static"]],
        valid_from=timezone.now() - timedelta(days=10),
        valid_to=timezone.now() - timedelta(days=1),
    )
    category = CategoryFactory(sale=sale)

    assert listed(client, category) == set()


def test_combined_filters_must_all_match(client, shelf):
    category = CategoryFactory(
        options=[format_option("Paperback")], price_max=Decimal("11.00"), combined=True
    )

    # Paperbacks: Almanac 12.99 (too dear), Static 10.99.
    assert listed(client, category) == {"Static"}


def test_filters_not_combined_match_any(client, shelf):
    category = CategoryFactory(options=[format_option("eBook")], price_max=Decimal("5.00"), combined=False)

    assert listed(client, category) == {"Almanac", "Fonts"}


def test_combined_filters_and_hand_picked_products(client, shelf):
    category = CategoryFactory(
        products=[shelf["Almanac"], shelf["Tote"]],
        options=[format_option("Paperback")],
        combined=True,
    )

    assert listed(client, category) == {"Almanac"}


def test_filters_not_combined_add_hand_picked_products(client, shelf):
    category = CategoryFactory(products=[shelf["Tote"]], options=[format_option("Download")], combined=False)

    assert listed(client, category) == {"Tote", "Fonts"}


def test_category_lists_only_published_products(client, shelf):
    shelf["Static"].status = 1  # draft
    shelf["Static"].save()
    category = CategoryFactory(products=[shelf["Almanac"], shelf["Static"]])

    assert listed(client, category) == {"Almanac"}


def test_draft_category_is_not_found_for_shoppers(client, shelf):
    category = DraftCategoryFactory(products=[shelf["Almanac"]])

    response = client.get(category.get_absolute_url())

    assert response.status_code == 404


def test_draft_category_is_visible_to_staff(client, shelf):
    category = DraftCategoryFactory(products=[shelf["Almanac"]])
    client.force_login(StaffFactory())

    assert listed(client, category) == {"Almanac"}


def test_listing_marks_digital_formats(client, shelf):
    add_file(shelf["Almanac"], "eBook", name="almanac.epub")
    category = CategoryFactory(products=[shelf["Almanac"], shelf["Static"]])

    response = client.get(category.get_absolute_url())

    products = {p.title: p for p in response.context["products"].object_list}
    assert str(products["Almanac"].digital_summary).startswith("eBook · EPUB")
    assert products["Static"].digital_summary is None


@pytest.mark.parametrize("sort", ["title", "-title; DROP TABLE", "variations__sku", "__nope__", ""])
def test_unknown_sort_key_is_ignored(client, shelf, sort):
    category = CategoryFactory(products=list(shelf.values()))

    assert listed(client, category, sort=sort) == set(shelf)


def test_known_sort_key_orders_the_listing(client, shelf):
    category = CategoryFactory(products=list(shelf.values()))

    response = client.get(category.get_absolute_url(), {"sort": "unit_price"})

    titles = [p.title for p in response.context["products"].object_list]
    assert titles == ["Fonts", "Static", "Almanac", "Tote"]


@pytest.mark.parametrize("page", ["abc", "9999", "-1", "0"])
def test_bad_page_numbers_still_show_the_category(client, shelf, page):
    category = CategoryFactory(products=list(shelf.values()))

    response = client.get(category.get_absolute_url(), {"page": page})

    assert response.status_code == 200
    assert response.context["products"].object_list


def test_listing_is_paged(client, settings):
    products = [make_product({"Paperback": "1.00"}, title=f"Card {n:02d}") for n in range(14)]
    category = CategoryFactory(products=products)

    first = client.get(category.get_absolute_url())
    second = client.get(category.get_absolute_url(), {"page": 2})

    assert len(first.context["products"].object_list) == 12  # SHOP_PER_PAGE_CATEGORY
    assert len(second.context["products"].object_list) == 2


# Product page of the Book type


def test_book_page_shows_title_and_default_price(client, book):
    response = client.get(book.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "The Lighthouse Keeper&#x27;s Almanac" in html
    assert "$12.99" in html  # the default (Paperback) variation
    assert "$6.99" in html  # the eBook variation


def test_book_page_has_the_book_details(client):
    """templates/shop/products/book.html is not in this branch yet: check what
    the page is given to render. The product in the context is the Product
    row; its content model is the Book with the bibliographic fields."""
    book = make_book(
        title="The Lighthouse Keeper's Almanac",
        author="Mara Quill",
        isbn="978-1-4028-9462-6",
        publisher="Harbour Press",
        published_year=2021,
        pages=312,
    )
    response = client.get(book.get_absolute_url())

    product = response.context["product"]
    assert product.content_model == "book"
    details = product.get_content_model()
    assert isinstance(details, Book)
    assert (details.author, details.isbn, details.publisher, details.published_year, details.pages) == (
        "Mara Quill",
        "978-1-4028-9462-6",
        "Harbour Press",
        2021,
        312,
    )


def test_book_page_offers_each_format_with_the_default_first(client, book):
    response = client.get(book.get_absolute_url())

    variations = list(response.context["variations"])
    assert [(v.option3, v.default) for v in variations] == [
        ("Paperback", True),
        ("eBook", False),
        ("Paperback + eBook", False),
    ]
    form = response.context["add_product_form"]
    assert set(dict(form.fields["option3"].choices)) == {"Paperback", "eBook", "Paperback + eBook"}
    assert form.initial["option3"] == "Paperback"


def test_book_page_marks_an_ebook_without_file_unavailable(client):
    book = make_book(title="Coming Soon")

    response = client.get(book.get_absolute_url())

    ebook = variation(book, option3="eBook")
    assert response.context["unavailable_skus"] == {ebook.sku: "This format is not available yet."}


def test_unknown_product_is_not_found(client):
    assert client.get("/shop/product/no-such-thing/").status_code == 404


def test_draft_product_is_not_found_for_shoppers(client, book):
    book.status = 1
    book.save()

    assert client.get(book.get_absolute_url()).status_code == 404


# The product's denormalized price follows its default variation


def test_copy_default_variation_copies_price_and_sale(book):
    ebook = variation(book, option3="eBook")
    ebook.default, ebook.sale_price = True, Decimal("4.99")
    ebook.save()
    paperback = variation(book, option3="Paperback")
    paperback.default = False
    paperback.save()

    book.copy_default_variation()

    book = Product.objects.get(pk=book.pk)
    assert (book.unit_price, book.sale_price, book.sku) == (Decimal("6.99"), Decimal("4.99"), ebook.sku)


def admin_change_form_data(response):
    """What the browser posts back from an admin change form, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += formset.forms
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False or name in ("file", "featured_image"):
                continue
            if value is True:
                value = "on"
            if isinstance(value, (list, tuple)):
                value = [str(v) for v in value]
            elif hasattr(value, "isoformat") and hasattr(field, "fields"):
                # Split date/time widgets post two values.
                data[f"{key}_0"] = value.strftime("%Y-%m-%d")
                data[f"{key}_1"] = value.strftime("%H:%M:%S")
                continue
            data[key] = value
    return data


def variation_form_prefix(response, variation):
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if form.instance.pk == variation.pk and form._meta.model.__name__ == "ProductVariation":
                return form.prefix
    raise LookupError(variation)


@pytest.fixture
def admin_client_(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def paper_book():
    """A book with no uploaded file (see test_admin for the admin page of a
    product with files)."""
    return make_book(title="Salt and Static", author="Idris Vale")


def test_admin_save_copies_the_new_default_price_to_the_product(admin_client_, paper_book):
    url = f"/admin/shop_ext/book/{paper_book.pk}/change/"
    page = admin_client_.get(url)
    data = admin_change_form_data(page)
    paperback = variation(paper_book, option3="Paperback")
    data[f"{variation_form_prefix(page, paperback)}-unit_price"] = "14.50"

    response = admin_client_.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    paper_book.refresh_from_db()
    assert paper_book.unit_price == Decimal("14.50")
    assert Book.objects.get(pk=paper_book.pk).author == "Idris Vale"


def test_admin_save_follows_a_change_of_default_variation(admin_client_, paper_book):
    url = f"/admin/shop_ext/book/{paper_book.pk}/change/"
    page = admin_client_.get(url)
    data = admin_change_form_data(page)
    paperback, ebook = variation(paper_book, option3="Paperback"), variation(paper_book, option3="eBook")
    data.pop(f"{variation_form_prefix(page, paperback)}-default")
    data[f"{variation_form_prefix(page, ebook)}-default"] = "on"
    data[f"{variation_form_prefix(page, ebook)}-sale_price"] = "5.49"

    response = admin_client_.post(url, data)

    assert response.status_code == 302
    paper_book.refresh_from_db()
    assert (paper_book.unit_price, paper_book.sale_price, paper_book.sku) == (
        Decimal("6.99"),
        Decimal("5.49"),
        ebook.sku,
    )
    # The shop page now shows the eBook first, at its sale price.
    shop_page = admin_client_.get(paper_book.get_absolute_url())
    assert shop_page.context["variations"][0].pk == ebook.pk


def test_admin_option_checkboxes_create_variations(admin_client_, paper_book):
    format_option("Paperback + eBook")
    url = f"/admin/shop_ext/book/{paper_book.pk}/change/"
    data = admin_change_form_data(admin_client_.get(url))
    data["option3"] = ["Paperback + eBook"]

    response = admin_client_.post(url, data)

    assert response.status_code == 302
    assert sorted(paper_book.variations.values_list("option3", flat=True)) == [
        "Paperback",
        "Paperback + eBook",
        "eBook",
    ]
    assert paper_book.variations.filter(default=True).count() == 1


def test_admin_refuses_two_default_variations(admin_client_, paper_book):
    url = f"/admin/shop_ext/book/{paper_book.pk}/change/"
    page = admin_client_.get(url)
    data = admin_change_form_data(page)
    data[f"{variation_form_prefix(page, variation(paper_book, option3='eBook'))}-default"] = "on"

    response = admin_client_.post(url, data)

    assert response.status_code == 200
    assert "Only one variation can be checked as the default." in response.content.decode()
    assert variation(paper_book, option3="eBook").default is False


def test_unused_colour_option_type_is_not_offered(client, book):
    """Only option types the product's variations use become form fields."""
    response = client.get(book.get_absolute_url())

    fields = response.context["add_product_form"].fields
    assert f"option{COLOUR}" not in fields
    assert f"option{SIZE}" not in fields


def test_deleting_a_sale_keeps_the_category_page(client, shelf):
    sale = SaleFactory(products=[shelf["Static"]])
    category = CategoryFactory(sale=sale, products=[shelf["Almanac"]], combined=False)

    sale.delete()

    assert listed(client, category) == {"Almanac"}


def test_price_filter_card_shows_the_price_that_matched(client):
    """A price range matches the eBook of a dearer paperback: the card
    shows the eBook's price, not the default variation's."""
    book = make_book({"Paperback": "16.00", "eBook": "9.00"}, title="Stars")
    add_file(book, "eBook")
    under_ten = CategoryFactory(title="Under ten", price_max=Decimal("10.00"))
    page = client.get(under_ten.get_absolute_url()).content.decode()
    assert "Stars" in page
    assert "$9.00" in page
    assert "$16.00" not in page
