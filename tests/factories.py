"""Test data, built the way the shop's editors build it in the admin.

Start with ``make_product`` / ``make_book``: they create a product, tick
option check-boxes to generate its variations (as Cartridge's admin does),
price them, pick the default one and copy its price onto the product.

The factories below are the building blocks; each sets only what a row
needs to be valid and visible to shoppers (published, available, priced).
"""

from datetime import timedelta
from decimal import Decimal

import factory
from cartridge.shop.models import (
    Category,
    DiscountCode,
    Product,
    ProductOption,
    ProductVariation,
    Sale,
)
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from mezzanine.core.models import CONTENT_STATUS_DRAFT, CONTENT_STATUS_PUBLISHED, SitePermission

from shop_ext.models import Book, ProductFile, TaxRate

# Option types, as configured in SHOP_OPTION_TYPE_CHOICES.
SIZE, COLOUR, FORMAT = 1, 2, 3
PASSWORD = "correct horse battery staple"


def many_to_many(name):
    """A post-generation hook: ``SomeFactory(name=[...])`` sets that relation."""

    def set_related(obj, create, extracted, **kwargs):
        if create and extracted:
            getattr(obj, name).set(extracted)

    return factory.PostGeneration(set_related)


class UserFactory(factory.django.DjangoModelFactory):
    """A shopper account; log in with ``PASSWORD``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Robin"
    last_name = "Reader"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    """A superuser for the admin."""

    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    is_superuser = True


def staff_with(*permissions, username=None):
    """A staff account (not a superuser) holding exactly these permissions,
    each named "app_label.codename", and Mezzanine's site permission (its
    admin turns staff without one away); log in with ``PASSWORD``."""
    user = UserFactory(username=username or f"staff-{'-'.join(permissions) or 'none'}", is_staff=True)
    SitePermission.objects.create(user=user).sites.add(settings.SITE_ID)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


class ProductOptionFactory(factory.django.DjangoModelFactory):
    """One check-box in the admin's "Create new variations" box."""

    class Meta:
        model = ProductOption
        django_get_or_create = ("type", "name")

    type = FORMAT
    name = "Paperback"


class ProductFactory(factory.django.DjangoModelFactory):
    """A published, available product with no variations yet.

    Prefer ``make_product`` in tests: a product needs variations to be sold.
    """

    class Meta:
        model = Product

    title = factory.Sequence(lambda n: f"Product number {n:04d}")
    content = factory.LazyAttribute(lambda p: f"<p>About {p.title}.</p>")
    status = CONTENT_STATUS_PUBLISHED
    available = True


class BookFactory(ProductFactory):
    """Our custom product type: a title with bibliographic details."""

    class Meta:
        model = Book

    title = factory.Sequence(lambda n: f"Book title {n:04d}")
    author = factory.Sequence(lambda n: f"Author {n:04d}")
    isbn = "978-0-306-40615-7"
    publisher = "Harbour Press"
    published_year = 2021
    pages = 312


class ProductVariationFactory(factory.django.DjangoModelFactory):
    """A single variation; its SKU defaults to its id (Cartridge's rule).

    Option values go in ``option1`` (size), ``option2`` (colour) and
    ``option3`` (format).
    """

    class Meta:
        model = ProductVariation

    product = factory.SubFactory(ProductFactory)
    unit_price = Decimal("10.00")
    default = False


class CategoryFactory(factory.django.DjangoModelFactory):
    """A "Product category" page in the page tree, published.

    Filters: ``products`` (chosen by hand), ``options`` (ProductOptions),
    ``sale``, ``price_min`` / ``price_max``, ``combined`` (AND if true, OR
    if false).
    """

    class Meta:
        model = Category
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Category {n:04d}")
    content = "<p>A shelf of the shop.</p>"
    status = CONTENT_STATUS_PUBLISHED
    combined = True

    products = many_to_many("products")
    options = many_to_many("options")


class DraftCategoryFactory(CategoryFactory):
    status = CONTENT_STATUS_DRAFT


class SaleFactory(factory.django.DjangoModelFactory):
    """An active sale running from yesterday to next week: 20% off.

    Cartridge applies a sale to products when it is saved; the products
    and categories are set afterwards, so this factory applies it once more
    at the end, as the second save of an admin edit would.
    """

    class Meta:
        model = Sale
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Sale {n}")
    active = True
    discount_percent = Decimal("20")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    valid_to = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    products = many_to_many("products")
    categories = many_to_many("categories")

    @factory.post_generation
    def apply(obj, create, extracted, **kwargs):
        if create:
            obj.update_products()


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    """An active code with no reduction set: pick one of ``discount_deduct``,
    ``discount_percent``, ``discount_exact`` or ``free_shipping``."""

    class Meta:
        model = DiscountCode
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Discount {n}")
    code = factory.Sequence(lambda n: f"CODE{n:04d}")
    active = True

    products = many_to_many("products")


class TaxRateFactory(factory.django.DjangoModelFactory):
    """A rate row as staff enter it; France's ebook rate unless told."""

    class Meta:
        model = TaxRate

    country = "FR"
    tax_class = "ebook"
    rate = Decimal("5.5")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))


def make_product(
    prices,
    default=None,
    option_type=FORMAT,
    factory_class=ProductFactory,
    stock=None,
    **product_fields,
):
    """A product with one variation per option value, as the admin makes it.

    ``prices`` maps an option value to its unit price, e.g.
    ``{"Paperback": "12.99", "eBook": "6.99"}``; ``default`` names the
    default variation (the first value otherwise). ``stock`` (a number, or
    a dict per option value) sets ``num_in_stock``; None tracks no stock.
    """
    product = factory_class(**product_fields)
    field = f"option{option_type}"
    for name in prices:
        ProductOptionFactory(type=option_type, name=name)
    # What ProductAdmin.save_formset does with the ticked check-boxes.
    product.variations.create_from_options({field: list(prices)})
    product.variations.manage_empty()
    default = default or next(iter(prices))
    for variation in product.variations.all():
        name = getattr(variation, field)
        variation.unit_price = Decimal(prices[name])
        variation.default = name == default
        variation.num_in_stock = stock.get(name) if isinstance(stock, dict) else stock
        variation.save()
    product.copy_default_variation()
    product.refresh_from_db()
    return product


def make_book(prices=None, **fields):
    """A Book sold as Paperback and eBook (defaults), Paperback by default."""
    prices = prices or {"Paperback": "12.99", "eBook": "6.99"}
    fields.setdefault("default", "Paperback" if "Paperback" in prices else None)
    return make_product(prices, factory_class=BookFactory, **fields)


def variation(product, **options):
    """The product's variation with these options, e.g. ``option3="eBook"``."""
    return product.variations.get(**options)


def add_file(product, *formats, name="book.epub", content=b"PK\x03\x04 an ebook"):
    """Upload a ProductFile delivered by the variations of these formats."""
    product_file = ProductFile(product=product, file=ContentFile(content, name=name))
    product_file.save()
    product_file.variations.set(product.variations.filter(option3__in=formats))
    return product_file


def format_option(name):
    """The Format option of this name (e.g. for a category's option filter)."""
    return ProductOptionFactory(type=FORMAT, name=name)


# A three-format book whose eBook and Paperback + eBook deliver two files.
EPUB = b"PK\x03\x04" + b"demo epub bytes " * 64
PDF = b"%PDF-1.4\n" + b"demo pdf bytes " * 128
THREE_FORMATS = {"Paperback": "12.99", "eBook": "6.99", "Paperback + eBook": "15.99"}


def book_with_files(
    title="The Lighthouse Keeper's Almanac", files=(("almanac.epub", EPUB), ("almanac.pdf", PDF))
):
    """A Book in three formats; its files are delivered by the eBook and
    Paperback + eBook variations."""
    book = make_book(THREE_FORMATS, title=title, stock={"Paperback": 10, "Paperback + eBook": 10})
    for name, data in files:
        add_file(book, "eBook", "Paperback + eBook", name=name, content=data)
    return book
