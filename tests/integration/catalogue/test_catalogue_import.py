"""The catalogue as a spreadsheet (manage.py import_catalogue / export_catalogue):
one row per format; the dry run reports every row and field and writes
nothing; an export imports back to the same catalogue and a re-import
changes nothing; bad files and cells are refused by row and column, and
then nothing at all is written."""

import csv
import io
import zipfile
from decimal import Decimal
from unittest.mock import patch

import openpyxl
import pytest
import tablib
from cartridge.shop.models import Product, ProductVariation, Sale
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop_ext.catalogue import format_rows
from shop_ext.models import Book, ProductFile, VariationIsbn
from tests.factories import CategoryFactory, SaleFactory, format_option, make_book, variation

pytestmark = pytest.mark.django_db

HEADER = "title,author,description,categories,format,isbn,price,sale_price,stock,file\n"


@pytest.fixture
def shop():
    """Two titles in three formats, with categories and ISBNs."""
    fiction = CategoryFactory(title="Fiction")
    CategoryFactory(title="Sea")
    almanac = make_book(title="The Almanac", author="Mara Quill", stock={"Paperback": 4})
    almanac.categories.add(fiction)
    VariationIsbn.objects.create(variation=variation(almanac, option3="Paperback"), isbn="9780306406157")
    paper = make_book({"eBook": "5.00"}, title="Paper", author="Tomas Reed")
    VariationIsbn.objects.create(variation=variation(paper, option3="eBook"), isbn="9781402894626")
    return almanac


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def refused(*args):
    with pytest.raises(CommandError) as error:
        run(*args)
    return str(error.value)


def catalogue():
    """Everything an import can set, by SKU."""
    rows = {}
    for v in ProductVariation.objects.select_related("product").order_by("sku"):
        book = Book.objects.filter(pk=v.product_id).first()
        rows[v.sku] = (
            v.product.title,
            book.author if book else "",
            v.product.content,
            sorted(c.title for c in v.product.categories.all()),
            v.option3,
            VariationIsbn.objects.filter(variation=v).values_list("isbn", flat=True).first(),
            v.unit_price,
            v.sale_price,
            v.num_in_stock,
        )
    return rows


def write(tmp_path, text, name="books.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_export_imports_back_to_the_same_catalogue(shop, tmp_path, suffix):
    before = catalogue()
    path = tmp_path / f"catalogue.{suffix}"
    assert "3 format(s) written" in run("export_catalogue", str(path))

    # Into the same shop: nothing changes.
    report = run("import_catalogue", str(path))
    assert "0 created, 0 changed, 3 unchanged, 0 refused" in report
    assert catalogue() == before

    # Into an empty shop: the same catalogue again.
    Product.objects.all().delete()
    assert "3 created, 0 changed, 0 unchanged, 0 refused" in run("import_catalogue", str(path))
    assert catalogue() == before
    assert run("import_catalogue", str(path)).count("unchanged") >= 3


def test_the_dry_run_reports_each_row_and_field_and_writes_nothing(shop, tmp_path):
    format_option("Paperback")
    path = write(
        tmp_path,
        # No description column: descriptions are left as they are.
        "title,author,categories,format,isbn,price,sale_price,stock\n"
        + "The Almanac,Mara Quill,Fiction,Paperback,9780306406157,14.50,,4\n"
        + "Paper,Tomas Reed,,eBook,9781402894626,5.00,,\n"
        + "New Title,Ann Other,Sea,Paperback,,9.99,,2\n",
    )
    before = catalogue()
    report = run("import_catalogue", str(path), "--dry-run")
    lines = report.splitlines()
    assert lines[0].startswith("row 2: changed price (12.99 → 14.50)")
    assert lines[1].startswith("row 3: unchanged")
    assert lines[2].startswith("row 4: created")
    assert "title ( → New Title)" in lines[2]
    assert "categories ( → Sea)" in lines[2]
    assert "1 created, 1 changed, 1 unchanged, 0 refused (dry run: nothing written)" in report
    assert catalogue() == before
    assert not Product.objects.filter(title="New Title").exists()

    run("import_catalogue", str(path))
    assert variation(shop, option3="Paperback").unit_price == Decimal("14.50")
    new = Book.objects.get(title="New Title")
    assert new.status == 1  # a draft until an editor publishes it
    assert new.author == "Ann Other"
    assert [c.title for c in new.categories.all()] == ["Sea"]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ('The Almanac,,,,Paperback,,"12,99",,,', "price", "decimal point"),
        ("The Almanac,,,,Paperback,,cheap,,,", "price", "not a price"),
        ("The Almanac,,,,Paperback,,-1,,,", "price", "not a price"),
        ("The Almanac,,,,Paperback,,9.99,,many,", "stock", "not a number of copies"),
        ("The Almanac,,,,Paperback,978-0-306-40615-8,9.99,,,", "isbn", "not a valid ISBN"),
        ("The Almanac,,,,Paperback,9781402894626,9.99,,,", "isbn", "already the ISBN of Paper"),
        ("The Almanac,,,Nowhere,Paperback,,9.99,,,", "categories", "No category page called Nowhere"),
        ("The Almanac,,,,Hardback,,9.99,,,", "format", "Hardback is not a format"),
        (",,,,Paperback,,9.99,,,", "title", "needs a title"),
        ("The Almanac,,,,Paperback,,9.99,,,../../etc/passwd", "file", "import folder"),
        ("The Almanac,,,,Paperback,,9.99,,,https://example.com/x.epub", "file", "SHOP_IMPORT_FILE_ORIGINS"),
    ],
)
def test_a_bad_cell_is_refused_by_row_and_column_and_nothing_is_written(shop, tmp_path, row, column, message):
    path = write(tmp_path, HEADER + "Good New Title,,,,Paperback,,9.99,,,\n" + row + "\n")
    before = catalogue()
    assert "Nothing was imported" in refused("import_catalogue", str(path))
    report = run_report(path)
    assert "row 2: created" in report
    refusal = next(line for line in report.splitlines() if line.startswith("row 3:"))
    assert refusal.startswith(f"row 3: refused: {column}: ")
    assert message in refusal
    assert catalogue() == before
    assert not Product.objects.filter(title="Good New Title").exists()


def run_report(path):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(path), "--dry-run", stdout=out)
    return out.getvalue()


def test_the_same_isbn_twice_in_one_file_is_refused(shop, tmp_path):
    path = write(
        tmp_path,
        HEADER + "One,,,,Paperback,9780804429573,9.99,,,\nTwo,,,,Paperback,080442957X,9.99,,,\n",
    )
    report = run_report(path)
    assert "row 2: created" in report
    assert "row 3: refused: isbn: ISBN 978-0-8044-2957-3 is already the ISBN of One" in report
    assert not Product.objects.filter(title__in=["One", "Two"]).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,price\nx,1\n", "missing: title, format"),
        (b"title,format,price,colour\nx,eBook,1,red\n", "unknown: colour"),
        ("title,format,price\nCaf\u00e9,eBook,1\n".encode("latin-1"), "not UTF-8"),
        (b"", "missing: title, format, price"),
    ],
)
def test_a_file_that_is_not_a_catalogue_is_refused(shop, tmp_path, data, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    error = refused("import_catalogue", str(path))
    assert message in error
    assert "Nothing was imported" in error


def test_a_file_of_another_kind_or_too_big_is_refused(shop, tmp_path, settings):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert ".csv or .xlsx" in refused("import_catalogue", str(notes))
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    assert "not an Excel workbook" in refused("import_catalogue", str(fake))
    settings.SHOP_IMPORT_MAX_BYTES = 100
    big = write(tmp_path, HEADER + "A long title,,,,Paperback,,9.99,,,\n" * 5)
    assert "larger than SHOP_IMPORT_MAX_BYTES" in refused("import_catalogue", str(big))
    settings.SHOP_IMPORT_MAX_BYTES = 10**6
    settings.SHOP_IMPORT_MAX_ROWS = 2
    assert "more than 2 rows" in refused("import_catalogue", str(big))


def test_formulas_are_escaped_in_the_export_and_restored_by_the_import(shop, tmp_path):
    shop.title = '=HYPERLINK("http://evil.example","click")'
    shop.save()
    path = tmp_path / "catalogue.csv"
    run("export_catalogue", str(path))
    titles = [row["title"] for row in csv.DictReader(path.open(encoding="utf-8"))]
    assert '\'=HYPERLINK("http://evil.example","click")' in titles
    assert not any(title.startswith(("=", "+", "-", "@")) for title in titles)
    before = catalogue()
    assert "0 changed" in run("import_catalogue", str(path))
    assert catalogue() == before

    xlsx = tmp_path / "catalogue.xlsx"
    run("export_catalogue", str(xlsx))
    cells = [cell.value for row in openpyxl.load_workbook(xlsx).active.iter_rows() for cell in row]
    assert not any(isinstance(cell, str) and cell.startswith("=") for cell in cells)


def test_a_file_from_the_import_folder_is_attached_to_its_format(shop, tmp_path, settings):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "almanac.epub").write_bytes(b"PK\x03\x04 an ebook")
    settings.SHOP_IMPORT_FILES_DIR = str(folder)
    path = write(tmp_path, HEADER + "The Almanac,,,Fiction,eBook,,6.99,,,almanac.epub\n")
    assert "file ( → " in run("import_catalogue", str(path), "--dry-run")
    assert not ProductFile.objects.exists()
    run("import_catalogue", str(path))
    product_file = ProductFile.objects.get()
    assert product_file.original_filename == "almanac.epub"
    assert list(product_file.variations.all()) == [variation(shop, option3="eBook")]
    assert "0 changed, 1 unchanged" in run("import_catalogue", str(path))
    assert ProductFile.objects.count() == 1


def workbook_with(tmp_path, extra_members):
    """A real catalogue workbook, with extra parts written into its zip:
    {name: (chunk, times)} streams ``chunk`` ``times`` times, so a part can
    inflate to hundreds of MB while the file stays small."""
    book = openpyxl.Workbook()
    book.active.append(["title", "format", "price"])
    book.active.append(["Bomb", "eBook", "1.00"])
    path = tmp_path / "bomb.xlsx"
    book.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, (chunk, times) in extra_members.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for _ in range(times):
                    part.write(chunk)
    return path


def test_an_xlsx_that_inflates_past_the_limit_is_refused_before_it_is_read(shop, tmp_path, settings):
    mib = b"\0" * 1024**2
    limit_mib = settings.SHOP_IMPORT_MAX_XLSX_UNPACKED_BYTES // 1024**2
    bomb = workbook_with(tmp_path, {"xl/media/padding.bin": (mib, limit_mib + 1)})
    assert bomb.stat().st_size < settings.SHOP_IMPORT_MAX_BYTES
    error = refused("import_catalogue", str(bomb), "--dry-run")
    assert f"more than the {limit_mib} MB a catalogue may" in error
    assert not Book.objects.filter(title="Bomb").exists()


def test_an_xlsx_with_more_parts_than_a_workbook_needs_is_refused(shop, tmp_path, settings):
    count = settings.SHOP_IMPORT_MAX_XLSX_MEMBERS
    many = workbook_with(tmp_path, {f"xl/media/{number}.bin": (b"x", 1) for number in range(count)})
    error = refused("import_catalogue", str(many), "--dry-run")
    assert f"more than the {count} a catalogue may have" in error


def test_an_xlsx_within_the_limits_imports(shop, tmp_path):
    workbook = workbook_with(tmp_path, {"xl/media/small.bin": (b"x" * 1024, 4)})
    assert "1 created" in run("import_catalogue", str(workbook))
    assert Book.objects.filter(title="Bomb").exists()


def new_rows(count):
    """``count`` rows of new titles, each with a category page and an ISBN,
    and one changing a format the shop has."""
    rows = [
        "sku,title,categories,format,isbn,price,stock",
        "SKU-ALMANAC,The Almanac,Fiction,Paperback,,13.50,4",
    ]
    for number in range(count):
        body = f"9781{number:08d}"
        check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
        rows.append(f"NEW-{number},New title {number},Fiction; Sea,Paperback,{body}{check},9.99,2")
    return tablib.Dataset().load("\n".join(rows), format="csv")


def test_the_dry_runs_queries_do_not_grow_with_its_rows(shop):
    """What the rows find in the shop is read per chunk of rows
    (format_rows.LOOKUP_CHUNK_ROWS), not per row."""
    ProductVariation.objects.filter(product=shop, option3="Paperback").update(sku="SKU-ALMANAC")
    counts = []
    for count in (50, 200):
        with CaptureQueriesContext(connection) as queries:
            result = format_rows.import_catalogue(new_rows(count), dry_run=True)
        assert format_rows.summary(result) == f"{count} created, 1 changed, 0 unchanged, 0 refused"
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert not Product.objects.filter(title__startswith="New title").exists()


def test_a_format_a_row_above_gives_its_title_is_refused_in_the_dry_run_too(shop, tmp_path):
    path = write(tmp_path, "sku,title,format,price\nA-1,Twice,Paperback,9.99\nA-2,Twice,Paperback,8.99\n")
    report = run_report(path)
    assert "row 2: created" in report
    assert "row 3: refused: sku: Twice already has the format Paperback, with the SKU A-1." in report
    assert "1 created, 0 changed, 0 unchanged, 1 refused" in refused("import_catalogue", str(path))
    assert not Product.objects.filter(title="Twice").exists()


def test_a_sku_repeated_in_one_file_is_refused_by_the_import_as_by_its_dry_run(shop, tmp_path):
    sku = variation(shop, option3="Paperback").sku
    path = write(
        tmp_path,
        f"sku,title,format,price\n{sku},The Almanac,Paperback,14.00\n{sku},The Almanac,Paperback,15.00\n",
    )
    before = catalogue()

    report = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(path), stdout=report)  # not a dry run

    assert "0 created, 1 changed, 0 unchanged, 1 refused" in str(error.value)
    assert f"row 3: refused: sku: Row 2 of this file already sets the SKU {sku}: one row per format." in (
        report.getvalue()
    )
    assert catalogue() == before


def test_imported_formats_on_a_sales_category_page_get_the_sale_once_the_import_ends(shop, tmp_path):
    """The sales an import's rows bring in are applied once, at its end."""
    SaleFactory(categories=[CategoryFactory(title="Bargains")], discount_percent=Decimal("20"))
    path = write(
        tmp_path,
        "title,categories,format,price\nCheap One,Bargains,Paperback,10.00\nCheap Two,Bargains,eBook,5.00\n",
    )
    with patch.object(Sale, "update_products", autospec=True, side_effect=Sale.update_products) as applied:
        run("import_catalogue", str(path))
    # Once for the file, not once per row (its re-run on commit waits for a
    # commit this test never makes).
    assert applied.call_count == 1
    prices = ProductVariation.objects.filter(product__title__startswith="Cheap").values_list(
        "sale_price", flat=True
    )
    assert sorted(prices) == [Decimal("4.00"), Decimal("8.00")]
