"""Load the demo catalogue from fixtures/demo_catalogue.json, with its media."""

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from cartridge.shop.models import Category, DiscountCode, Product, ProductImage, ProductOption, Sale
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from mezzanine.core.models import SitePermission
from mezzanine.pages.models import RichTextPage

from shop_demo import media
from shop_ext.catalogue import covers
from shop_ext.core.permissions import MANAGE_DOWNLOADS, VIEW_ORDER, VIEW_TAX_REPORT
from shop_ext.models import Book, DownloadPolicy, ProductFile, ProductTaxClass, TaxClass
from shop_ext.taxes import rates_csv

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_catalogue.json"
# Contact, help, refunds, privacy, terms: linked from the footer, kept out of the menus.
TRUST_PAGES = Path(settings.BASE_DIR) / "fixtures" / "demo_pages.json"
DEMO_TAX_RATES = Path(settings.BASE_DIR) / "fixtures" / "demo_tax_rates.csv"
OPTION_FIELDS = {str(label): f"option{type_id}" for type_id, label in settings.SHOP_OPTION_TYPE_CHOICES}
# Each demo group's permissions ("app_label.codename"; docs/security.md, "Staff permissions").
STAFF_GROUPS = {
    # See orders and invoices, manage downloads, read the download log.
    "Support": (
        VIEW_ORDER,
        MANAGE_DOWNLOADS,
        "shop_ext.view_orderdelivery",
        "shop_ext.view_downloadgrant",
        "shop_ext.view_downloadattempt",
    ),
    # See orders, invoices and their card payments with refunds, the
    # payment events, the tax rates and the tax report; change nothing.
    "Accountants": (
        VIEW_ORDER,
        "shop_ext.view_paymentevent",
        "shop_ext.view_taxrate",
        VIEW_TAX_REPORT,
    ),
}
# The demo's staff accounts: username, password (public, in the README), group.
DEMO_STAFF = (("support", "demo-support", "Support"), ("accountant", "demo-accountant", "Accountants"))
OPTION_TYPES = {str(label): type_id for type_id, label in settings.SHOP_OPTION_TYPE_CHOICES}


class Command(BaseCommand):
    help = "Load the demo catalogue, its images and files, the staff groups, and four demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the catalogue with DEBUG off (a trial deployment); no accounts are made.",
        )
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help="With --force: make the demo accounts, whose passwords are public, all the same.",
        )

    def handle(self, *args, force=False, demo_accounts=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a real deployment. To load the demo catalogue "
                "all the same, run load_demo --force (it makes no accounts: use createsuperuser)."
            )
        # The trust pages, groups and accounts come first: a shop loaded
        # before they existed gets them too.
        with transaction.atomic():
            self.add_trust_pages()
            self.add_staff_groups()
            # The demo accounts' passwords are in the README: only on a
            # development machine unless asked for by name.
            if settings.DEBUG or demo_accounts:
                self.add_users()
        if Product.objects.exists():
            self.stdout.write("Demo data is already loaded.")
            return
        data = json.loads(FIXTURE.read_text())
        with transaction.atomic():
            self.load(data)
        self.stdout.write(self.style.SUCCESS(f"Loaded {Product.objects.count()} products."))

    def load(self, data):
        site = Site.objects.get(pk=settings.SITE_ID)
        site.domain, site.name = urlsplit(settings.SHOP_SITE_URL).netloc, settings.SITE_TITLE
        site.save()
        for label, names in data["options"].items():
            for name in names:
                ProductOption.objects.get_or_create(type=OPTION_TYPES[label], name=name)
        sale = Sale.objects.create(
            title=data["sale"]["title"],
            active=True,
            discount_percent=Decimal(data["sale"]["discount_percent"]),
            valid_from=timezone.now() - timedelta(days=1),
            valid_to=timezone.now() + timedelta(days=data["sale"]["days"]),
        )
        categories = {}
        for spec in data["categories"]:
            self.add_category(spec, None, categories, sale)
        for number, spec in enumerate(data["books"]):
            self.add_book(spec, categories, number)
        for spec in data["products"]:
            self.add_product(spec, categories)
        sale.categories.set([categories[slug] for slug in data["sale"]["categories"]])
        sale.update_products()
        # The shipped rates (FR, DE, GB, NO: 0% on books, ...) and the demo's own.
        for path in (rates_csv.SHIPPED, DEMO_TAX_RATES):
            rates_csv.load(path.read_text(encoding="utf-8").splitlines())
        for spec in data["discount_codes"]:
            scope = spec.pop("categories", [])
            code = DiscountCode.objects.create(active=True, **spec)
            code.categories.set([categories[slug] for slug in scope])

    def add_category(self, spec, parent, categories, sale):
        filters = spec.get("filter", {})
        category = Category.objects.create(
            title=spec["title"],
            slug=spec["slug"],
            parent=parent,
            content=spec["content"],
            price_max=Decimal(filters["price_max"]) if "price_max" in filters else None,
            sale=sale if "sale" in filters else None,
        )
        for label, names in filters.get("options", {}).items():
            category.options.add(*ProductOption.objects.filter(type=OPTION_TYPES[label], name__in=names))
        categories[spec["slug"]] = category
        for child in spec.get("children", []):
            self.add_category(child, category, categories, sale)

    def add_book(self, spec, categories, number):
        book = Book.objects.create(
            title=spec["title"],
            author=spec["author"],
            isbn=spec["isbn"],
            publisher=spec["publisher"],
            published_year=spec["published_year"],
            pages=spec["pages"],
            content=f"<p>{spec['content']}</p>",
            available=True,
        )
        # Spread "date added" so the newest-first listing looks like a shop's.
        Product.objects.filter(pk=book.pk).update(date_added=timezone.now() - timedelta(days=number))
        self.finish(book, spec, categories, {"Format": list(spec["prices"])}, spec["author"])
        for variation in book.variations.all():
            variation.unit_price = Decimal(spec["prices"][variation.option3])
            digital_only = variation.option3 in settings.SHOP_DIGITAL_FORMATS
            variation.num_in_stock = None if digital_only else spec["stock"]
            variation.default = variation.option3 == "Paperback"
            variation.save()
        self.add_files(book, spec, spec["author"], formats=("eBook", "Paperback + eBook"))
        book.copy_default_variation()

    def add_product(self, spec, categories):
        product = Product.objects.create(
            title=spec["title"], content=f"<p>{spec['content']}</p>", available=True
        )
        self.finish(product, spec, categories, spec["options"], "Paper & Pixel")
        for variation in product.variations.all():
            variation.unit_price = Decimal(spec["price"])
            variation.num_in_stock = None if spec.get("files") else spec["stock"]
            variation.save()
        self.add_files(product, spec, "Paper & Pixel", formats=("Download",))
        if spec.get("files"):
            # A font pack or a recording is no ebook: standard rated.
            ProductTaxClass.objects.create(product=product, tax_class=TaxClass.STANDARD)
        product.copy_default_variation()

    def finish(self, product, spec, categories, options, byline):
        product.categories.set([categories[slug] for slug in spec["categories"]])
        name = f"product/{slugify(spec['title'])}.png"
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(media.cover_png(spec["title"], byline, spec["colour"])))
        image = ProductImage.objects.create(product=product, file=name, description=spec["title"])
        # Made now, so the demo's pages have them before any worker runs (the
        # task the save queued makes them again, harmlessly).
        covers.make_for_image(image)
        fields = {OPTION_FIELDS[label]: names for label, names in options.items() if names}
        product.variations.create_from_options(fields)
        product.variations.manage_empty()
        product.variations.set_default_images([])

    def add_files(self, product, spec, byline, formats):
        makers = {
            "epub": ("epub", lambda content: media.epub_bytes(spec["title"], byline, content)),
            "pdf": ("pdf", lambda content: media.pdf_bytes(spec["title"], byline, content)),
            "font": ("zip", lambda content: media.font_pack_bytes(spec["title"].split(" (")[0])),
            "audio": ("wav", lambda content: media.rain_wav_bytes()),
        }
        variations = product.variations.filter(option3__in=formats)
        for kind in spec.get("files", []):
            extension, make = makers[kind]
            product_file = ProductFile(product=product)
            product_file.file = ContentFile(
                make(spec["content"]), name=f"{slugify(spec['title'])}.{extension}"
            )
            product_file.save()
            product_file.variations.set(variations)
            if spec.get("update_note"):
                # A second version, as an editor replacing the file would make it.
                second = make(f"{spec['content']} Second edition.")
                product_file.file = ContentFile(second, name=f"{slugify(spec['title'])}.{extension}")
                product_file.version_note = spec["update_note"]
                product_file.save()
        if spec.get("stamp"):
            DownloadPolicy.objects.create(product=product, stamp_copies=True)

    def add_trust_pages(self):
        for spec in json.loads(TRUST_PAGES.read_text()):
            if not RichTextPage.objects.filter(slug=spec["slug"]).exists():
                RichTextPage.objects.create(in_menus=[], **spec)

    def add_staff_groups(self):
        """Support staff read orders and invoices and manage downloads;
        accountants read orders, invoices, payments and refunds and the tax
        report. Neither can change an order's status (mark paid releases
        files) or download buyers' files (docs/security.md, "Staff permissions")."""
        for name, permissions in STAFF_GROUPS.items():
            group, _created = Group.objects.get_or_create(name=name)
            wanted = Q(pk__in=[])
            for permission in permissions:
                app_label, codename = permission.split(".")
                wanted |= Q(content_type__app_label=app_label, codename=codename)
            group.permissions.set(Permission.objects.filter(wanted))

    def add_users(self):
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", "demo-admin")
        for username, password, group in DEMO_STAFF:
            if User.objects.filter(username=username).exists():
                continue
            member = User.objects.create_user(username, f"{username}@example.com", password, is_staff=True)
            member.groups.add(Group.objects.get(name=group))
            # Mezzanine's admin also wants staff to be given the site.
            SitePermission.objects.create(user=member).sites.add(settings.SITE_ID)
        if not User.objects.filter(username="demo-buyer").exists():
            User.objects.create_user(
                "demo-buyer", "buyer@example.com", "demo-buyer", first_name="Dana", last_name="Reader"
            )
