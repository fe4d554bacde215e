"""Generated catalogue for bench/catalogue.py (runs inside Django via bench.task).

``grow(total)`` adds products until the catalogue has ``total`` of them, with
bulk_create (5,000 products take seconds). The mix: every product has a
Paperback; every 3rd also an eBook with a file (digital); every 10th has the
Size option too (6 variations), every 20th three sizes (9 variations). The
first product is all of these: the product page probe.
"""

from datetime import timedelta
from decimal import Decimal

from cartridge.shop.models import Category, Product, ProductOption, ProductVariation
from django.db import transaction
from django.utils import timezone

from shop_ext.catalogue import page_cache
from shop_ext.models import ProductFile

FORMATS = ["Paperback", "eBook", "Paperback + eBook"]
SIZES = ["Pocket", "Standard", "Large print"]


def setup_categories():
    for name in FORMATS:
        ProductOption.objects.get_or_create(type=3, name=name)
    for name in SIZES:
        ProductOption.objects.get_or_create(type=1, name=name)
    chosen = Category.objects.create(title="All titles", slug="all-titles", content="<p>Everything.</p>")
    ebooks = Category.objects.create(title="Ebooks", slug="ebooks", content="<p>Read now.</p>")
    ebooks.options.add(*ProductOption.objects.filter(type=3, name="eBook"))
    return {"chosen": chosen.get_absolute_url(), "filtered": ebooks.get_absolute_url()}


def _variants(i):
    digital = i % 3 == 0
    formats = FORMATS if digital else ["Paperback"]
    if i % 20 == 0:
        sizes = SIZES
    elif i % 10 == 0:
        sizes = SIZES[:2]
        formats = FORMATS
    else:
        sizes = [None]
    return [(size, fmt) for fmt in formats for size in sizes], digital


@transaction.atomic
def grow(total):
    if not Category.objects.filter(slug="all-titles").exists():
        urls = setup_categories()
    else:
        urls = {"chosen": "/all-titles/", "filtered": "/ebooks/"}
    chosen = Category.objects.get(slug="all-titles")
    start = Product.objects.count()
    now = timezone.now()
    products = []
    for i in range(start, total):
        price = Decimal(5 + i % 30) + Decimal("0.99")
        products.append(
            Product(
                title=f"Generated title {i:05d}",
                slug=f"generated-title-{i:05d}",
                site_id=1,
                status=2,
                publish_date=now - timedelta(days=1),
                content=f"<p>Generated book number {i}.</p>",
                description=f"Generated book number {i}.",
                gen_description=False,
                content_model="product",
                available=True,
                unit_price=price,
                num_in_stock=1000,
                sku=f"G{i:05d}",
            )
        )
    Product.objects.bulk_create(products, batch_size=1000)
    created = list(Product.objects.filter(slug__startswith="generated-title-").order_by("id")[start:])
    variations, files, file_links = [], [], []
    for product in created:
        i = int(product.slug.rsplit("-", 1)[1])
        combos, digital = _variants(i)
        for n, (size, fmt) in enumerate(combos):
            variations.append(
                ProductVariation(
                    product=product,
                    option1=size,
                    option3=fmt,
                    unit_price=product.unit_price,
                    sku=f"G{i:05d}-{n}",
                    num_in_stock=None if fmt == "eBook" else 1000,
                    default=n == 0,
                )
            )
        if digital:
            files.append(
                ProductFile(
                    product=product,
                    file=f"products/{product.pk}/generated.epub",
                    original_filename=f"title-{i:05d}.epub",
                    size=2_000_000 + i,
                    content_type="application/epub+zip",
                    sha256="0" * 64,
                )
            )
    ProductVariation.objects.bulk_create(variations, batch_size=2000)
    ProductFile.objects.bulk_create(files, batch_size=1000)
    file_of = {f.product_id: f.pk for f in ProductFile.objects.filter(product__in=created)}
    for v in ProductVariation.objects.filter(product__in=created, option3__in=["eBook", "Paperback + eBook"]):
        if v.product_id in file_of:
            file_links.append(
                ProductFile.variations.through(productfile_id=file_of[v.product_id], productvariation_id=v.pk)
            )
    ProductFile.variations.through.objects.bulk_create(file_links, batch_size=2000)
    Product.categories.through.objects.bulk_create(
        [Product.categories.through(product_id=p.pk, category_id=chosen.pk) for p in created], batch_size=2000
    )
    # Written in bulk, which sends no signal: cached pages must learn of it.
    page_cache.catalogue_changed()
    probe = Product.objects.get(slug="generated-title-00000")
    return {
        **urls,
        "product": probe.get_absolute_url(),
        "products": Product.objects.count(),
        "variations": ProductVariation.objects.count(),
        "probe_variations": probe.variations.count(),
        "digital_products": ProductFile.objects.values("product").distinct().count(),
    }
