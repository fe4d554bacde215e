"""An editor without a mouse (issue 34): signs in, adds a book in two
formats (a paperback with price and stock, an ebook with its file) with
Tab, Space, Enter, arrows and typing, saves it, and finds it in the shop."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop_demo.media import epub_bytes
from shop_ext.models import Book, ProductFile
from tests.factories import variation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Tidal Clocks"
EPUB = epub_bytes(TITLE, "Maren Holt", "Clocks that keep the tide.")
# More than any editor page has focus stops before the one wanted.
MAX_TABS = 300


def tab_to(page, selector):
    """Press Tab until the element matching ``selector`` has the focus, as a
    keyboard user moves through the page."""
    for _ in range(MAX_TABS):
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never took the focus with Tab")


def press_to_navigate(page, key="Enter"):
    with page.expect_navigation():
        page.keyboard.press(key)


def format_row(page, name):
    """The index of the format's row in the book form's formats table."""
    rows = page.evaluate(
        "() => [...document.querySelectorAll('#variations-group tr.format-row')]"
        ".map((row) => [row.querySelector('th').textContent.trim(), row.id])"
    )
    row_id = dict(rows).get(name)
    assert row_id, f"no row for {name}: {rows}"
    return int(row_id.rsplit("-", 1)[1])


def test_editor_adds_a_book_in_two_formats_with_the_keyboard_only(live_server, demo, page, shoot):
    page.goto(live_server.url + "/admin/")
    tab_to(page, "#id_username")
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-admin")
    press_to_navigate(page)

    # The dashboard's "Add" beside Books.
    tab_to(page, ".editor-task-add[href$='/shop_ext/book/add/']")
    press_to_navigate(page)
    tab_to(page, "#id_title")
    page.keyboard.type(TITLE)
    tab_to(page, "#id_author")
    page.keyboard.type("Maren Holt")
    tab_to(page, "#id_available")
    page.keyboard.press("Space")
    for fmt in ("Paperback", "eBook"):
        tab_to(page, f"input[name=option3][value='{fmt}']")
        page.keyboard.press("Space")
    tab_to(page, "input[name=_continue]")
    press_to_navigate(page)
    expect(page.locator("body")).to_contain_text("was added successfully")

    # Each format has its row, at the top of the form: price and stock.
    for fmt, price, stock in (("Paperback", "11.50", "20"), ("eBook", "5.99", None)):
        row = format_row(page, fmt)
        tab_to(page, f"#id_variations-{row}-unit_price")
        page.keyboard.press("Control+A")
        page.keyboard.type(price)
        if stock:
            tab_to(page, f"#id_variations-{row}-num_in_stock")
            page.keyboard.type(stock)

    # The ebook's file: "Add another", the chooser opened from the focused
    # input (the file itself is handed over as the system dialog would).
    tab_to(page, "#files-group .add-row a")
    page.keyboard.press("Enter")
    tab_to(page, "#id_files-0-file")
    page.locator("#id_files-0-file").set_input_files(
        files=[{"name": "tidal-clocks.epub", "mimeType": "application/epub+zip", "buffer": EPUB}]
    )
    tab_to(page, "#id_files-0-title")
    page.keyboard.type(f"{TITLE} (EPUB)")
    tab_to(page, "#id_files-0-variations")
    labels = page.locator("#id_files-0-variations option").all_inner_texts()
    ebook = next(i for i, label in enumerate(labels) if label.endswith("eBook"))
    for _ in range(ebook + 1):  # the first press selects the first option
        page.keyboard.press("ArrowDown")
    tab_to(page, "input[name=_continue]")
    press_to_navigate(page)
    expect(page.locator(".errornote, .errorlist")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("was changed successfully")

    book = Book.objects.get(title=TITLE)
    paperback, ebook_format = variation(book, option3="Paperback"), variation(book, option3="eBook")
    assert (paperback.unit_price, paperback.num_in_stock) == (Decimal("11.50"), 20)
    assert (ebook_format.unit_price, ebook_format.num_in_stock) == (Decimal("5.99"), None)
    product_file = ProductFile.objects.get(product=book)
    assert product_file.original_filename == "tidal-clocks.epub"
    assert list(product_file.variations.all()) == [ebook_format]
    expect(page.locator("#files-group")).to_contain_text("tidal-clocks.epub")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "admin-keyboard-book", phone=False, full_page=False)

    # In the shop, both formats with their prices.
    page.goto(live_server.url + book.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("body")).to_contain_text("$11.50")
    expect(page.locator("body")).to_contain_text("$5.99")
