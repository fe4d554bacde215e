"""The catalogue as a spreadsheet, one row per format (variation): what the
admin's import/export and ``manage.py import_catalogue`` / ``export_catalogue``
read and write (docs/catalogue-import.md).

Rows are found by SKU, else by title and format; a new title becomes a draft
Book. Every cell is checked before anything is written, each error names its
row and column; django-import-export runs the whole file in one transaction
and rolls it back when any row is refused, and a dry run always rolls back.
A row whose values are those in the shop already is skipped, so importing an
export changes nothing.
"""

import csv
import io
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import tablib
from cartridge.shop.models import Category, ProductOption, ProductVariation
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.formats import base_formats
from mezzanine.core.models import CONTENT_STATUS_DRAFT

from shop_ext.catalogue import isbns, remote_files, sale_prices
from shop_ext.core import archives
from shop_ext.core.isbn import normalise_isbn
from shop_ext.models import Book, ProductFile, VariationIsbn

COLUMNS = (
    "sku",
    "title",
    "author",
    "description",
    "categories",
    "format",
    "isbn",
    "price",
    "sale_price",
    "stock",
    "file",
)
REQUIRED_COLUMNS = ("title", "format", "price")
CATEGORY_SEPARATOR = ";"
# A spreadsheet runs a cell starting with one of these as a formula: an
# exported title "=HYPERLINK(...)" must reach the editor's screen as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"
FORMATS = ("csv", "xlsx")
# How often an import says how far it has got (the admin's progress bar,
# the command's output): often enough to move, rarely enough to cost nothing.
PROGRESS_EVERY_ROWS = 200
# What the rows find in the shop is read for this many rows per query, before
# the first row is checked: a dry run's queries grow with the chunks, not the rows.
LOOKUP_CHUNK_ROWS = 500


class BadSheet(ValueError):
    """The file cannot be read as a catalogue; the message says why."""


def escape_formula(text):
    return FORMULA_ESCAPE + text if text.startswith(FORMULA_STARTS) else text


def unescape_formula(text):
    if text.startswith(FORMULA_ESCAPE) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape_formula(str(value).strip())


def read_sheet(data, file_format):
    """A tablib Dataset of the rows of a CSV (UTF-8) or XLSX file's bytes,
    its columns checked; BadSheet for anything else."""
    if file_format not in FORMATS:
        raise BadSheet(_("Choose a .csv or .xlsx file."))
    if len(data) > settings.SHOP_IMPORT_MAX_BYTES:
        raise BadSheet(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported at once: split it.")
            % {"size": len(data) // 1024**2, "limit": settings.SHOP_IMPORT_MAX_BYTES // 1024**2}
        )
    rows = _csv_rows(data) if file_format == "csv" else _xlsx_rows(data)
    header = [_cell_text(name).lower() for name in next(rows, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise BadSheet(
            _(
                "The first row must name the columns (%(columns)s); "
                "missing: %(missing)s; unknown: %(unknown)s."
            )
            % {
                "columns": ", ".join(COLUMNS),
                "missing": ", ".join(missing) or "-",
                "unknown": ", ".join(unknown) or "-",
            }
        )
    dataset = tablib.Dataset(headers=header)
    for row in rows:
        cells = [_cell_text(value) for value in row][: len(header)]
        if not any(cells):
            continue
        if len(dataset) == settings.SHOP_IMPORT_MAX_ROWS:
            raise BadSheet(
                _("The file has more than %(count)s rows: split it.")
                % {"count": settings.SHOP_IMPORT_MAX_ROWS}
            )
        dataset.append(cells + [""] * (len(header) - len(cells)))
    return dataset


def _csv_rows(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadSheet(
            _("The file is not UTF-8 text (byte %(position)s): save it as “CSV UTF-8”.")
            % {"position": error.start}
        ) from None
    return csv.reader(io.StringIO(text, newline=""))


def check_xlsx_size(source):
    """Refuse a workbook by its zip directory, before openpyxl inflates
    anything: a few KB can declare gigabytes. zipfile never inflates a part
    past the size its directory declares, so the declared sizes bound what
    reading it costs."""
    try:
        archives.check_central_directory(source)
        members = zipfile.ZipFile(source).infolist()
    except (zipfile.BadZipFile, archives.UnsafeArchive):
        raise BadSheet(_("The file is not an Excel workbook (.xlsx).")) from None
    if len(members) > settings.SHOP_IMPORT_MAX_XLSX_MEMBERS:
        raise BadSheet(
            _("The workbook has %(count)s parts, more than the %(limit)s a catalogue may have.")
            % {"count": len(members), "limit": settings.SHOP_IMPORT_MAX_XLSX_MEMBERS}
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.SHOP_IMPORT_MAX_XLSX_UNPACKED_BYTES:
        raise BadSheet(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB a catalogue may: "
                "save it again with only the catalogue's sheet, or as CSV."
            )
            % {
                "size": unpacked // 1024**2,
                "limit": settings.SHOP_IMPORT_MAX_XLSX_UNPACKED_BYTES // 1024**2,
            }
        )
    source.seek(0)


def _xlsx_rows(data):
    source = io.BytesIO(data)
    check_xlsx_size(source)
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a damaged file)
        raise BadSheet(_("The file is not an Excel workbook (.xlsx).")) from None
    return book.active.iter_rows(values_only=True)


def write_sheet(dataset, file_format):
    """The dataset as CSV text or XLSX bytes, its cells escaped against formulas."""
    escaped = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        escaped.append([escape_formula(str(value)) if value is not None else "" for value in row])
    return escaped.export(file_format)


def _price(text, column):
    if not text:
        return None
    if "," in text:
        raise ValidationError(
            _("%(value)s: write prices with a decimal point and no thousands separator, e.g. 1299.50.")
            % {"value": text},
            code=column,
        )
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("%(value)s is not a price.") % {"value": text}) from None
    if (
        not price.is_finite()
        or price < 0
        or price >= Decimal("1e8")
        or price != price.quantize(Decimal("0.01"))
    ):
        raise ValidationError(_("%(value)s is not a price.") % {"value": text})
    return price


def _stock(text):
    if not text:
        return None
    if not text.isdigit() or int(text) > 10**9:
        raise ValidationError(_("%(value)s is not a number of copies.") % {"value": text})
    return int(text)


def _category_titles(text):
    return [title.strip() for title in text.split(CATEGORY_SEPARATOR) if title.strip()]


def _import_file(text):
    """The file to attach: a path inside SHOP_IMPORT_FILES_DIR, or an address
    of an allowed origin (remote_files). Either has the ``name`` it is
    recognised by and ``open("rb")``."""
    if not text:
        return None
    if remote_files.is_address(text):
        return remote_files.remote_file(text)
    if not settings.SHOP_IMPORT_FILES_DIR:
        raise ValidationError(_("The shop has no import folder (SHOP_IMPORT_FILES_DIR): leave “file” empty."))
    root = Path(settings.SHOP_IMPORT_FILES_DIR).resolve()
    path = (root / text).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValidationError(_("%(value)s is not a file in the import folder.") % {"value": text})
    return path


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), LOOKUP_CHUNK_ROWS):
        yield values[start : start + LOOKUP_CHUNK_ROWS]


def _isbn13_or_none(text):
    try:
        return normalise_isbn(text)
    except ValidationError:
        return None


class CatalogueLookups:
    """What one file's rows find in the shop (formats, category pages,
    formats by SKU and by title and format, ISBN holders), read for a chunk
    of rows per query before the first row is checked; and what the rows
    above a row have taken. A dry run writes nothing, so a title's format
    or an ISBN taken a few rows up is found here, as the import finds it in
    the database."""

    def __init__(self, queryset, dataset):
        rows = dataset.dict
        self.formats = list(
            ProductOption.objects.filter(type=settings.SHOP_FORMAT_OPTION_TYPE).values_list("name", flat=True)
        )
        self.categories = {}
        wanted_titles = {title for row in rows for title in _category_titles(row.get("categories", ""))}
        for titles in _chunks(wanted_titles):
            self.categories.update({page.title: page for page in Category.objects.filter(title__in=titles)})
        loaded = {}
        self.by_sku = {}
        for skus in _chunks({row["sku"] for row in rows if row.get("sku")}):
            for variation in queryset.filter(sku__in=skus):
                self.by_sku[variation.sku] = loaded.setdefault(variation.pk, variation)
        self.by_title_format = {}
        for titles in _chunks({row.get("title", "") for row in rows}):
            for variation in queryset.filter(product__title__in=titles):
                key = (variation.product.title, variation.option3)
                self.by_title_format.setdefault(key, loaded.setdefault(variation.pk, variation))
        self.isbn_holders = {}
        wanted_isbns = {_isbn13_or_none(row["isbn"]) for row in rows if row.get("isbn")} - {None}
        for chunk in _chunks(wanted_isbns):
            holders = VariationIsbn.objects.filter(isbn__in=chunk).select_related("variation__product")
            self.isbn_holders.update({holder.isbn: holder for holder in holders})
        # ISBN-13 -> (the format a row above gave it, what names that row)
        self.isbn_claims = {}
        # Formats a row above gave another ISBN (or none): theirs is free.
        self.isbns_given_up = set()
        # id(format) -> (the format, the row of this file that set it)
        self.rows_setting = {}

    def instance(self, row):
        if row.get("sku"):
            return self.by_sku.get(row["sku"])
        return self.by_title_format.get((row.get("title", ""), row.get("format", "")))

    def twin(self, instance, title, format_name):
        """The format ``title`` has already in ``format_name``, other than ``instance``."""
        found = self.by_title_format.get((title, format_name))
        return found if found is not None and found is not instance else None

    def category_list(self, text):
        titles = _category_titles(text)
        unknown = [title for title in titles if title not in self.categories]
        if unknown:
            raise ValidationError(_("No category page called %(titles)s.") % {"titles": ", ".join(unknown)})
        return [self.categories[title] for title in titles]

    def isbn(self, text, instance):
        """The row's ISBN-13 ("" for none), refused when it is invalid or
        another format, in the shop or in a row above, has it."""
        text = (text or "").strip()
        if not text:
            return ""
        isbn13 = normalise_isbn(text)
        claimant, name = self.isbn_claims.get(isbn13, (None, None))
        if claimant is not None and claimant is not instance:
            raise isbns.taken(isbn13, name)
        holder = self.isbn_holders.get(isbn13)
        if (
            claimant is None
            and holder is not None
            and holder.variation_id != instance.pk
            and holder.variation_id not in self.isbns_given_up
        ):
            raise isbns.taken(isbn13, holder.variation)
        return isbn13

    def row_setting(self, instance):
        """The row above that set ``instance`` (the format a row names), or None."""
        setting = self.rows_setting.get(id(instance))
        return setting[1] if setting is not None and setting[0] is instance else None

    def taken(self, instance, wanted, row_number):
        """Note what an accepted row takes, for the rows below it."""
        self.rows_setting[id(instance)] = (instance, row_number)
        if instance.sku:
            self.by_sku[instance.sku] = instance
        title, format_name = wanted.get("title"), wanted.get("format", instance.option3)
        if title and format_name:
            self.by_title_format.setdefault((title, format_name), instance)
        if "isbn" in wanted:
            if instance.pk:
                self.isbns_given_up.add(instance.pk)
            if wanted["isbn"]:
                name = _("%(title)s (%(format)s), row %(row)s of this file") % {
                    "title": title,
                    "format": format_name,
                    "row": row_number,
                }
                self.isbn_claims[wanted["isbn"]] = (instance, name)


class FormatRowResource(resources.ModelResource):
    """One row per format: the title's fields, then the format's."""

    sku = fields.Field(attribute="sku", column_name="sku")
    title = fields.Field(column_name="title")
    author = fields.Field(column_name="author")
    description = fields.Field(column_name="description")
    categories = fields.Field(column_name="categories")
    format = fields.Field(attribute="option3", column_name="format")
    isbn = fields.Field(column_name="isbn")
    price = fields.Field(column_name="price")
    sale_price = fields.Field(column_name="sale_price")
    stock = fields.Field(column_name="stock")
    file = fields.Field(column_name="file")

    class Meta:
        model = ProductVariation
        fields = COLUMNS
        export_order = COLUMNS
        # Rows are found by get_instance (SKU, else title and format).
        import_id_fields = []
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False
        use_transactions = True
        store_instance = True
        # The report is built from each row's changes (changes_of); the
        # upstream preview's diff would read every row twice more.
        skip_diff = True

    def __init__(self, progress=None, **kwargs):
        super().__init__(**kwargs)
        self.progress = progress
        self.rows_done = 0
        self.lookups = None

    # ---- export
    def get_queryset(self):
        return (
            ProductVariation.objects.filter(product__site_id=settings.SITE_ID)
            .select_related("product", "product__book", "isbn_record")
            .prefetch_related("product__categories", "files")
            .order_by("product__title", "product_id", "id")
        )

    def dehydrate_title(self, variation):
        return variation.product.title if variation.product_id else ""

    def dehydrate_author(self, variation):
        book = getattr(variation.product, "book", None) if variation.product_id else None
        return book.author if book else ""

    def dehydrate_description(self, variation):
        return variation.product.content if variation.product_id else ""

    def dehydrate_categories(self, variation):
        if not variation.product_id:
            return ""
        return f"{CATEGORY_SEPARATOR} ".join(sorted(c.title for c in variation.product.categories.all()))

    def dehydrate_isbn(self, variation):
        return isbns.isbn_of(variation) if variation.pk else ""

    def dehydrate_price(self, variation):
        return "" if variation.unit_price is None else str(variation.unit_price)

    def dehydrate_sale_price(self, variation):
        return "" if variation.sale_price is None else str(variation.sale_price)

    def dehydrate_stock(self, variation):
        return "" if variation.num_in_stock is None else str(variation.num_in_stock)

    def dehydrate_file(self, variation):
        # Files are attached by an import, never exported: their bytes are private.
        return ""

    # ---- import
    def before_import(self, dataset, **kwargs):
        self.lookups = CatalogueLookups(self.get_queryset(), dataset)

    def get_instance(self, instance_loader, row):
        return self.lookups.instance(row)

    def init_instance(self, row=None):
        # A SKU the shop does not know yet is kept: an export imported into
        # an empty shop keeps its SKUs.
        return ProductVariation(sku=(row or {}).get("sku") or None)

    def import_instance(self, instance, row, **kwargs):
        """Checks every cell and keeps what the row asks for on the instance
        (written by ``save_instance``); errors are by column."""
        self._refuse_a_repeat(instance, row)
        errors = {}
        wanted = {}

        def check(column, clean):
            if column not in row:
                return
            try:
                wanted[column] = clean(row[column])
            except ValidationError as error:
                errors[column] = error

        check("title", self._title)
        check("author", str)
        check("description", str)
        check("categories", self.lookups.category_list)
        check("format", self._format)
        check("isbn", lambda text: self.lookups.isbn(text, instance))
        check("price", lambda text: _price(text, "price"))
        check("sale_price", lambda text: _price(text, "sale_price"))
        check("stock", _stock)
        check("file", _import_file)
        if instance.pk and wanted.get("format", instance.option3) != instance.option3:
            errors["format"] = ValidationError(_("The format of an existing SKU cannot change."))
        twin = self._existing_format(instance, wanted)
        if twin:
            errors["sku"] = ValidationError(
                _("%(title)s already has the format %(format)s, with the SKU %(sku)s.")
                % {"title": wanted["title"], "format": wanted["format"], "sku": twin.sku}
            )
        if wanted.get("price") is None and "price" in wanted:
            errors["price"] = ValidationError(_("Every format needs a price."))
        if errors:
            raise ValidationError(errors)
        instance.wanted = wanted
        instance.row_number = kwargs["row_number"] + 1
        instance.changes = (
            changes_of(instance, wanted)
            if instance.pk
            else {column: ("", value) for column, value in wanted.items() if value not in ("", None, [])}
        )

    def _refuse_a_repeat(self, instance, row):
        """A row naming a format that a row above set is refused, naming that
        row: which row's values should win is a guess, and a dry run (which
        writes nothing) would call both rows "created"."""
        first = self.lookups.row_setting(instance)
        if first is None:
            return
        if row.get("sku"):
            column = "sku"
            message = _("Row %(row)s of this file already sets the SKU %(sku)s: one row per format.")
            names = {"row": first, "sku": row["sku"]}
        else:
            column = "format"
            message = _("Row %(row)s of this file already sets %(title)s (%(format)s): one row per format.")
            names = {"row": first, "title": row.get("title", ""), "format": row.get("format", "")}
        raise ValidationError({column: ValidationError(message % names)})

    def _existing_format(self, instance, wanted):
        """For a new SKU: the format the title already has under another SKU."""
        if instance.pk or not wanted.get("title") or not wanted.get("format"):
            return None
        return self.lookups.twin(instance, wanted["title"], wanted["format"])

    def _title(self, text):
        if not text:
            raise ValidationError(_("Every row needs a title."))
        if len(text) > 500:
            raise ValidationError(_("Titles are at most 500 characters."))
        return text

    def _format(self, text):
        names = self.lookups.formats
        if text not in names:
            raise ValidationError(
                _("%(value)s is not a format of the shop (%(names)s).")
                % {"value": text or "-", "names": ", ".join(names)}
            )
        return text

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or not instance.pk or instance.changes:
            return False
        # Unchanged, so not saved: still the row that sets its format.
        self.lookups.taken(instance, instance.wanted, instance.row_number)
        return True

    def save_instance(self, instance, is_create, row, **kwargs):
        # A dry run checks the rows only: what a row takes is noted for the
        # rows below it, nothing is written.
        if not kwargs["dry_run"]:
            write_format(instance, instance.wanted)
        self.lookups.taken(instance, instance.wanted, instance.row_number)

    def after_import_row(self, row, row_result, **kwargs):
        self.rows_done += 1
        if self.progress and self.rows_done % PROGRESS_EVERY_ROWS == 0:
            self.progress(self.rows_done)

    def import_data(self, dataset, dry_run=False, **kwargs):
        if dry_run:
            # Nothing is written, so no transaction and no savepoint per row
            # (upstream would open both for a dry run).
            return self.import_data_inner(
                dataset,
                dry_run=True,
                raise_errors=False,
                using_transactions=False,
                collect_failed_rows=False,
                **kwargs,
            )
        # One transaction for the file, rolled back when any row is refused:
        # nothing half-written.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=False, **kwargs)

    def import_data_inner(self, dataset, dry_run, *args, **kwargs):
        if dry_run:
            return super().import_data_inner(dataset, dry_run, *args, **kwargs)
        # Inside the file's transaction: the sales its rows bring in are
        # re-applied once, not once per row.
        with sale_prices.sales_reapplied_once():
            return super().import_data_inner(dataset, dry_run, *args, **kwargs)


PRODUCT_FIELDS = {"title": "title", "description": "content"}
VARIATION_FIELDS = {
    "format": "option3",
    "price": "unit_price",
    "sale_price": "sale_price",
    "stock": "num_in_stock",
}


def changes_of(variation, wanted):
    """{column: (now, wanted)} of what a row would change on an existing format."""
    product = variation.product
    now = {column: getattr(product, name) for column, name in PRODUCT_FIELDS.items()}
    now.update({column: getattr(variation, name) for column, name in VARIATION_FIELDS.items()})
    book = getattr(product, "book", None)
    now["author"] = book.author if book else ""
    now["categories"] = sorted(c.title for c in product.categories.all())
    now["isbn"] = isbns.isbn_of(variation)
    wanted = dict(wanted)
    if "categories" in wanted:
        wanted["categories"] = sorted(c.title for c in wanted["categories"])
    changes = {
        column: (now[column], value)
        for column, value in wanted.items()
        if column in now and now[column] != value
    }
    if wanted.get("file") and not _has_file(variation, wanted["file"]):
        changes["file"] = ("", wanted["file"].name)
    return changes


def _has_file(variation, import_file):
    # The same name is the same file (for an address, the last part of its
    # path): a re-import neither fetches nor attaches it again.
    return ProductFile.objects.for_variation(variation).filter(original_filename=import_file.name).exists()


def write_format(variation, wanted):
    """Write a checked row: the title (a new draft Book for a new title),
    the format, its ISBN, categories and file."""
    if variation.pk:
        product = variation.product
    else:
        product = Book.objects.filter(title=wanted["title"], site_id=settings.SITE_ID).first()
        if product is None:
            product = Book(
                title=wanted["title"], author=wanted.get("author", ""), status=CONTENT_STATUS_DRAFT
            )
            product.save()
    # Save through the Book (when it is one), whose save also writes the product's columns.
    product = Book.objects.filter(pk=product.pk).first() or product
    for column, name in PRODUCT_FIELDS.items():
        if column in wanted:
            setattr(product, name, wanted[column])
    if isinstance(product, Book) and "author" in wanted:
        product.author = wanted["author"]
    product.save()
    if "categories" in wanted:
        product.categories.set(wanted["categories"])
    variation.product = product
    for column, name in VARIATION_FIELDS.items():
        if column in wanted:
            setattr(variation, name, wanted[column])
    variation.default = (
        variation.default or not product.variations.exclude(pk=variation.pk).filter(default=True).exists()
    )
    variation.save()
    if "isbn" in wanted:
        try:
            isbns.set_isbn(variation, wanted["isbn"])
        except isbns.IsbnTaken as taken:
            # Taken by a save at the same instant: the row is refused like
            # one whose ISBN was taken before (the import rolls back).
            raise ValidationError({"isbn": taken.messages}) from None
    if wanted.get("file") and not _has_file(variation, wanted["file"]):
        with wanted["file"].open("rb") as handle:
            product_file = ProductFile(product=product, file=File(handle, name=wanted["file"].name))
            product_file.clean()
            product_file.save()
        product_file.variations.add(variation)
    product.copy_default_variation()


class CatalogueCSV(base_formats.CSV):
    """CSV for the admin's import and export, read and written the one way
    above (UTF-8 checked, columns checked, formulas escaped)."""

    # The bytes reach read_sheet, which names a bad encoding.
    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        return read_sheet(in_stream, "csv")

    def export_data(self, dataset, **kwargs):
        return write_sheet(dataset, "csv")


class CatalogueXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        return read_sheet(in_stream, "xlsx")

    def export_data(self, dataset, **kwargs):
        return write_sheet(dataset, "xlsx")


def import_catalogue(dataset, dry_run, progress=None):
    """django-import-export's Result of importing the rows; written only
    when not a dry run and no row is refused. ``progress(rows_done)`` is
    called every PROGRESS_EVERY_ROWS rows."""
    return FormatRowResource(progress=progress).import_data(dataset, dry_run=dry_run)


def is_refused(result):
    return result.has_validation_errors() or result.has_errors()


def summary(result):
    totals = result.totals
    return _("%(new)s created, %(update)s changed, %(skip)s unchanged, %(refused)s refused") % {
        "new": totals["new"],
        "update": totals["update"],
        "skip": totals["skip"],
        "refused": totals["invalid"] + totals["error"],
    }


def export_catalogue():
    return FormatRowResource().export()


def report_lines(result):
    """What an import did (or a dry run would do), row by row and field by
    field; rows numbered as the spreadsheet shows them (the header is row 1)."""
    refused = {row.number + 1: row for row in result.invalid_rows}
    for number, row_result in enumerate(result.rows, 2):
        if number in refused:
            for column, messages in refused[number].error_dict.items():
                for message in messages:
                    yield _("row %(row)s: refused: %(column)s: %(message)s") % {
                        "row": number,
                        "column": column,
                        "message": message,
                    }
            continue
        changes = getattr(row_result.instance, "changes", {})
        action = {
            "new": _("created"),
            "update": _("changed"),
            "skip": _("unchanged"),
        }.get(row_result.import_type, row_result.import_type)
        fields_changed = ", ".join(
            f"{column} ({_display(before)} → {_display(after)})"
            for column, (before, after) in changes.items()
        )
        yield _("row %(row)s: %(action)s %(fields)s") % {
            "row": number,
            "action": action,
            "fields": fields_changed,
        }
    for error in result.base_errors:
        yield _("the file: %(error)s") % {"error": error.error}
    for number, errors in result.row_errors():
        for error in errors:
            yield _("row %(row)s: not imported: %(error)s") % {"row": number + 1, "error": error.error}


def _display(value):
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)
