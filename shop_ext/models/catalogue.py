"""What can be bought: books and the files a product delivers, with every
version of each file."""

import uuid
from functools import cached_property
from pathlib import PurePosixPath

from cartridge.shop.models import Product, ProductImage, ProductVariation, Sale
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from shop_ext.core import files, isbn
from shop_ext.core.isbn import validate_isbn13
from shop_ext.core.storage import get_private_storage


class Book(Product):
    """A title sold in one or more formats (the Format option's variations)."""

    author = models.CharField(_("Author"), max_length=200)
    isbn = models.CharField(_("ISBN"), max_length=17, blank=True)
    publisher = models.CharField(_("Publisher"), max_length=200, blank=True)
    published_year = models.PositiveSmallIntegerField(_("Year published"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("Pages"), null=True, blank=True)

    class Meta:
        verbose_name = _("Book")
        verbose_name_plural = _("Books")


def product_file_path(instance, filename):
    """A random name below the product's folder: a buyer-visible filename is
    kept in ``original_filename``, never used as a path."""
    suffix = PurePosixPath(filename).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 10:
        suffix = ""
    return f"products/{instance.product_id}/{uuid.uuid4().hex}{suffix}"


class ProductFileQuerySet(models.QuerySet):
    def for_variation(self, variation):
        """The one rule for "which files does this variation deliver"."""
        return (
            self.filter(product_id=variation.product_id)
            .filter(Q(for_all_variations=True) | Q(variations=variation))
            .distinct()
        )


class ProductFile(models.Model):
    """A downloadable file of a product, kept in private storage."""

    product = models.ForeignKey(
        Product, related_name="files", on_delete=models.CASCADE, verbose_name=_("Product")
    )
    file = models.FileField(
        _("File"), storage=get_private_storage, upload_to=product_file_path, max_length=255
    )
    title = models.CharField(
        _("Title"),
        max_length=200,
        blank=True,
        help_text=_("Shown to buyers; defaults to the uploaded file's name."),
    )
    for_all_variations = models.BooleanField(
        _("Delivered by every variation"),
        default=False,
        help_text=_("Tick for a file every buyer of this product gets (e.g. a bonus PDF)."),
    )
    variations = models.ManyToManyField(
        ProductVariation,
        blank=True,
        related_name="files",
        verbose_name=_("Delivered by"),
        help_text=_("The variations (e.g. eBook, Paperback + eBook) that deliver this file."),
    )
    original_filename = models.CharField(_("Original filename"), max_length=255, editable=False)
    size = models.PositiveBigIntegerField(_("Size in bytes"), default=0, editable=False)
    content_type = models.CharField(_("Content type"), max_length=100, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)
    # The newest of ``versions`` (whose file ``file`` is), kept here so a
    # download finds it in the query that finds the grant. RESTRICT: it
    # cannot be deleted on its own, only with its product file.
    current_version = models.ForeignKey(
        "ProductFileVersion",
        related_name="+",
        null=True,
        editable=False,
        on_delete=models.RESTRICT,
        verbose_name=_("Current version"),
    )

    objects = ProductFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("Product file")
        verbose_name_plural = _("Product files")
        ordering = ("product_id", "id")

    def __str__(self):
        return self.display_name

    # The note for the version a new upload makes ("fixed typos in chapter 3"),
    # set by the admin form before saving.
    version_note = ""

    def save(self, *args, **kwargs):
        # A new or replaced upload: record what it is before it is stored,
        # and keep it as a new version (old versions stay while grants need them).
        if self.file and not self.file._committed:
            for field, value in files.describe(self.file).items():
                setattr(self, field, value)
        super().save(*args, **kwargs)
        # Also a file stored by other means (a script naming a stored file)
        # becomes a version: every file a grant serves has one.
        if self.file and (self.current_version is None or self.current_version.file.name != self.file.name):
            self.add_version(self.version_note)

    def add_version(self, note=""):
        """The stored file as the newest version (its facts copied, never changed)."""
        latest = self.versions.order_by("-number").values_list("number", flat=True).first() or 0
        self.current_version = ProductFileVersion.objects.create(
            product_file=self,
            number=latest + 1,
            file=self.file.name,
            size=self.size,
            sha256=self.sha256,
            content_type=self.content_type,
            original_filename=self.original_filename,
            note=note,
        )
        ProductFile.objects.filter(pk=self.pk).update(current_version=self.current_version)
        return self.current_version

    def clean(self):
        upload = self.file
        if not upload or upload._committed:
            return
        if upload.size == 0:
            raise ValidationError({"file": _("The file is empty.")})
        limit = settings.SHOP_PRODUCT_FILE_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                {"file": _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // 2**20}}
            )

    @property
    def display_name(self):
        return self.title or self.original_filename

    @cached_property  # order pages show it twice per file
    def download_name(self):
        """The name the buyer's browser saves the file under (name_for_buyer)."""
        return self.name_for_buyer(
            ProductFile.objects.filter(product_id=self.product_id, content_type=self.content_type).count()
        )

    def name_for_buyer(self, files_of_its_type):
        """The one rule for a downloaded file's name: the book's title,
        slugified, and the file's extension ("mending.epub"); when the product
        has several files of this content type (``files_of_its_type``, see
        files_of_its_type below), the file's own label too
        ("mending-large-print.epub"). Letters outside ASCII stay: the
        Content-Disposition header carries an ASCII fallback as well."""
        suffix = PurePosixPath(self.original_filename).suffix.lower()
        stem = slugify(self.product.title, allow_unicode=True)
        if files_of_its_type > 1:
            label = self.title or PurePosixPath(self.original_filename).stem
            if label.lower().endswith(suffix):
                label = label[: len(label) - len(suffix)]
            stem = "-".join(filter(None, (stem, slugify(label, allow_unicode=True))))
        return (stem or "download") + suffix

    @property
    def extension(self):
        return PurePosixPath(self.original_filename).suffix.lstrip(".").upper()


def files_of_its_type(product_file):
    """A subquery for an annotation: how many files the product of the file
    at ``product_file`` (a lookup path, e.g. "file") has of its content type,
    so a download names its file without a query of its own."""
    same_type = ProductFile.objects.filter(
        product_id=OuterRef(f"{product_file}__product_id"),
        content_type=OuterRef(f"{product_file}__content_type"),
    )
    return Subquery(same_type.order_by().values("product_id").annotate(n=Count("pk")).values("n"))


class ProductFileVersion(models.Model):
    """One upload of a product file, never changed: what a buyer bought, and
    what a later correction replaced it with."""

    product_file = models.ForeignKey(
        ProductFile, related_name="versions", on_delete=models.CASCADE, verbose_name=_("Product file")
    )
    number = models.PositiveIntegerField(_("Version"))
    file = models.FileField(_("File"), storage=get_private_storage, max_length=255, editable=False)
    size = models.PositiveBigIntegerField(_("Size in bytes"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    content_type = models.CharField(_("Content type"), max_length=100, editable=False)
    original_filename = models.CharField(_("Original filename"), max_length=255, editable=False)
    uploaded_at = models.DateTimeField(_("Uploaded"), auto_now_add=True)
    note = models.CharField(
        _("What changed"),
        max_length=300,
        blank=True,
        help_text=_('For buyers, e.g. "fixed typos in chapter 3".'),
    )

    class Meta:
        verbose_name = _("File version")
        verbose_name_plural = _("File versions")
        ordering = ("product_file_id", "-number")
        constraints = [
            models.UniqueConstraint(fields=("product_file", "number"), name="one_version_number_per_file")
        ]
        permissions = [("notify_buyers", _("Can email buyers about a new file version"))]

    def __str__(self):
        return f"{self.product_file} v{self.number}"

    @property
    def download_name(self):
        return self.product_file.download_name

    @property
    def extension(self):
        return PurePosixPath(self.original_filename).suffix.lstrip(".").upper()


class VariationIsbn(models.Model):
    """The ISBN of one format of a title (the paperback and the ebook have
    their own), unique across the shop. A table beside Cartridge's
    variations, whose columns come from its migrations."""

    variation = models.OneToOneField(
        ProductVariation,
        primary_key=True,
        related_name="isbn_record",
        on_delete=models.CASCADE,
        verbose_name=_("Variation"),
    )
    isbn = models.CharField(
        _("ISBN"),
        max_length=13,
        unique=True,
        validators=[validate_isbn13],
        help_text=_("ISBN-13, stored without hyphens (an ISBN-10 is converted)."),
    )

    class Meta:
        verbose_name = _("ISBN of a format")
        verbose_name_plural = _("ISBNs of formats")

    def __str__(self):
        return self.hyphenated

    @property
    def hyphenated(self):
        return isbn.hyphenated(self.isbn)


class ProductSample(models.Model):
    """A product's free sample, which anyone may download from its page
    (shop_ext.delivery.samples): a file uploaded for it, or one of the
    product's files given away whole. Only the master file is ever sent,
    never a buyer's stamped copy."""

    product = models.OneToOneField(
        Product, related_name="sample", on_delete=models.CASCADE, verbose_name=_("Product")
    )
    file = models.FileField(
        _("Sample file"),
        storage=get_private_storage,
        upload_to=product_file_path,
        max_length=255,
        blank=True,
        help_text=_("An excerpt uploaded as the sample."),
    )
    product_file = models.ForeignKey(
        ProductFile,
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("Or one of its files"),
        help_text=_("Given away whole, as it is now (its newest version)."),
    )
    original_filename = models.CharField(_("Original filename"), max_length=255, editable=False)
    size = models.PositiveBigIntegerField(_("Size in bytes"), default=0, editable=False)
    content_type = models.CharField(_("Content type"), max_length=100, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("Free sample")
        verbose_name_plural = _("Free samples")

    def __str__(self):
        return f"Sample of {self.product}"

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            for field, value in files.describe(self.file).items():
                setattr(self, field, value)
        super().save(*args, **kwargs)

    def clean(self):
        if bool(self.file) == bool(self.product_file_id):
            raise ValidationError(
                _("Upload a sample file or choose one of the product's files (one of them).")
            )
        if self.product_file_id and self.product_file.product_id != self.product_id:
            raise ValidationError({"product_file": _("Choose one of this product's own files.")})
        if self.file and not self.file._committed and self.file.size == 0:
            raise ValidationError({"file": _("The file is empty.")})

    def sent(self):
        """What a download sends: (stored name, content type, extension)."""
        if self.product_file_id:
            version = self.product_file.current_version
            return version.file.name, version.content_type, PurePosixPath(version.original_filename).suffix
        return self.file.name, self.content_type, PurePosixPath(self.original_filename).suffix


class CoverVersions(models.Model):
    """Which WebP versions (widths in pixels) of a product image were made
    (shop_ext.catalogue.covers): pages render from this row and never ask the
    storage whether a file exists (a HEAD each on S3)."""

    image = models.OneToOneField(
        ProductImage, related_name="webp_versions", on_delete=models.CASCADE, verbose_name=_("Image")
    )
    widths = models.JSONField(_("Widths"), default=list)

    class Meta:
        verbose_name = _("Cover versions")
        verbose_name_plural = _("Cover versions")

    def __str__(self):
        return f"{self.image.file} at {self.widths}"


def catalogue_import_path(instance, filename):
    # A fresh folder per upload: the editor's file name is kept, never reused.
    return f"catalogue-imports/{uuid.uuid4().hex}/{PurePosixPath(filename).name}"


class CatalogueImport(models.Model):
    """One spreadsheet an editor uploaded to import (shop_ext.catalogue.imports):
    the worker checks it (a dry run), the editor confirms, the worker imports
    that same stored file. Confirming moves CHECKED to IMPORTING once."""

    class Status(models.IntegerChoices):
        CHECKING = 1, _("Checking")
        CHECKED = 2, _("Checked: waiting for confirmation")
        IMPORTING = 3, _("Importing")
        IMPORTED = 4, _("Imported")
        REFUSED = 5, _("Refused: nothing was imported")
        FAILED = 6, _("Failed: nothing was imported")

    RUNNING = (Status.CHECKING, Status.IMPORTING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("Uploaded by"), editable=False
    )
    created_at = models.DateTimeField(_("Uploaded"), auto_now_add=True)
    file = models.FileField(
        _("File"),
        storage=get_private_storage,
        upload_to=catalogue_import_path,
        max_length=255,
        editable=False,
    )
    file_format = models.CharField(_("Format"), max_length=4, editable=False)
    status = models.PositiveSmallIntegerField(_("Status"), choices=Status.choices, default=Status.CHECKING)
    rows_total = models.PositiveIntegerField(_("Rows"), default=0)
    rows_done = models.PositiveIntegerField(_("Rows done"), default=0)
    summary = models.CharField(_("Summary"), max_length=200, blank=True)
    report = models.TextField(_("Report, row by row"), blank=True)
    # When the job was last queued, started or finished; its worker's later
    # signs are in the cache (the import's transaction hides its writes):
    # shop_ext.catalogue.imports.is_stopped.
    heartbeat_at = models.DateTimeField(_("Last sign of its worker"), null=True, editable=False)
    # Which run of its step the worker's task is: a restart starts run + 1,
    # and an earlier run, if its worker was not dead after all, writes nothing.
    run = models.PositiveIntegerField(_("Run"), default=1, editable=False)

    class Meta:
        verbose_name = _("Catalogue import")
        verbose_name_plural = _("Catalogue imports")
        permissions = [
            ("view_all_catalogue_imports", _("Can see and confirm other staff's catalogue imports"))
        ]

    def __str__(self):
        return f"{PurePosixPath(self.file.name).name} ({self.get_status_display()})"

    @property
    def is_running(self):
        return self.status in self.RUNNING

    @property
    def report_lines(self):
        return self.report.splitlines()


class SaleExclusion(models.Model):
    """A product an editor took off a sale ("Take selected products off
    their sales"): the sale no longer applies to it, even where one of the
    sale's category pages lists it (shop_ext.patches, Sale.all_products).
    Putting the product on that sale again removes it."""

    sale = models.ForeignKey(
        Sale, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("Sale")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="sale_exclusions", verbose_name=_("Product")
    )

    class Meta:
        verbose_name = _("Product taken off a sale")
        verbose_name_plural = _("Products taken off sales")
        constraints = [
            models.UniqueConstraint(fields=("sale", "product"), name="one_exclusion_per_sale_product")
        ]

    def __str__(self):
        return f"{self.product} ∉ {self.sale}"
