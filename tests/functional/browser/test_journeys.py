"""The three journeys of SPEC.md §1, end to end in Debian's Chromium.

Each test loads the demo shop into an empty database and drives the live
server the way a person would: by links, labels and buttons.
"""

import hashlib
import io
import re
import zipfile
from decimal import Decimal

import pytest
from cartridge.shop.models import Order, Product
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from playwright.sync_api import expect

from shop_ext.models import Book, DownloadGrant, ProductFile
from tests.functional.browser.checkout_form import consent_to_immediate_delivery
from tests.shopper import add_to_cart, checkout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOOK = "The Lighthouse Keeper's Almanac"


def money(value):
    return f"${Decimal(value):,.2f}"


def sign_in(page, username, password):
    page.get_by_label(re.compile("^Username")).fill(username)
    page.get_by_label(re.compile("^Password")).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_shopper_buys_an_ebook_and_a_tote_bag(live_server, demo, page, shoot, check_a11y):
    book = Product.objects.get(title=BOOK)
    ebook = book.variations.get(option3="eBook")
    tote = Product.objects.get(title="Canvas Tote Bag")

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_a11y(page)
    shoot(page, "home")

    page.get_by_role("navigation", name="Shop sections").get_by_role("link", name="Books", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Books")
    page.get_by_role("link", name="Fiction", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fiction")
    check_a11y(page)
    shoot(page, "category")

    page.get_by_role("link", name=re.compile(re.escape(BOOK))).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BOOK)
    page.get_by_role("radio", name=re.compile("^eBook")).check()
    chosen = page.locator(".format-card", has=page.locator("input:checked"))
    expect(chosen).to_contain_text(money(ebook.price()))
    check_a11y(page)
    shoot(page, "product")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/shop/cart/$"))
    expect(page.locator(".cart-table")).to_contain_text("eBook")

    page.goto(live_server.url + tote.get_absolute_url())
    page.get_by_label("Colour").select_option("Rust")
    # theme/js/product_options.js (no jQuery) shows the chosen colour's line alone.
    shown = page.locator("#variations > li:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text("Rust")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/shop/cart/$"))
    expect(page.locator(".cart-line")).to_have_count(2)

    subtotal = ebook.price() + tote.price()
    discount = (subtotal * Decimal("0.10")).quantize(Decimal("0.01"))
    page.get_by_label("Discount code").fill("WELCOME10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".code-chip")).to_contain_text("WELCOME10 applied")
    expect(page.locator(".site-header .cart-total")).to_contain_text(money(subtotal - discount))
    totals = page.locator(".cart-summary-box")
    expect(totals).to_contain_text(re.compile(r"Discount\s*−" + re.escape(money(discount))))
    expect(totals).to_contain_text(money(subtotal - discount))
    check_a11y(page)
    shoot(page, "cart")

    # No account is needed; this shopper has one and signs in from checkout.
    page.get_by_role("link", name="Go to checkout").click()
    expect(page).to_have_url(re.compile("/shop/checkout/$"))
    page.locator(".lead-text").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    check_a11y(page)
    sign_in(page, "demo-buyer", "demo-buyer")

    expect(page).to_have_url(re.compile("/shop/checkout/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checkout")
    for name, value in {
        "first_name": "Dana",
        "last_name": "Reader",
        "street": "1 Paper Lane",
        "city": "Bookham",
        "postcode": "BK1 2AB",
        "phone": "0123456789",
        "email": "buyer@example.com",
    }.items():
        page.locator(f"[name=billing_detail_{name}]").fill(value)
    # A list of countries (tax is charged by it: docs/taxes.md).
    page.locator("[name=billing_detail_country]").select_option("United Kingdom")
    expect(page.get_by_label("My delivery details are the same as my billing details")).to_be_checked()
    # The shipping the cart showed is in the summary from the first step on.
    expect(page.locator(".checkout-aside")).to_contain_text(money(subtotal - discount + Decimal("4.50")))
    check_a11y(page)
    page.get_by_role("button", name="Next").click()

    # Confirmation: shipping is charged for the tote bag only, once.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmation")
    aside = page.locator(".checkout-aside")
    expect(aside).to_contain_text(money("4.50"))
    expect(aside).to_contain_text(money(subtotal - discount + Decimal("4.50")))
    check_a11y(page)
    consent_to_immediate_delivery(page)
    page.get_by_role("button", name="Place order").click()

    expect(page).to_have_url(re.compile("/shop/checkout/complete/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    order = Order.objects.get()
    expect(page.locator(".complete-box")).to_contain_text(f"Your order number is {order.id}")
    expect(page.locator(".complete-box")).to_contain_text(money(order.total))
    check_a11y(page)
    assert order.total == subtotal - discount + Decimal("4.50")
    assert order.shipping_total == Decimal("4.50")
    assert order.discount_code == "WELCOME10"
    assert order.user_id == get_user_model().objects.get(username="demo-buyer").id


def test_guest_buys_an_ebook_and_downloads_it_on_another_device(
    live_server, demo, page, new_page, shoot, check_a11y, mailoutbox, settings
):
    settings.SHOP_PAYMENT_GATEWAY = "shop_ext.payments.gateways.pay_instantly_for_demo"
    book = Product.objects.get(title=BOOK)
    ebook = book.variations.get(option3="eBook")

    page.goto(live_server.url + book.get_absolute_url())
    page.get_by_role("radio", name=re.compile("^eBook")).check()
    expect(page.get_by_label("Quantity")).to_be_hidden()  # one copy of a download
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/shop/cart/$"))
    expect(page.locator(".cart-line .one-copy")).to_have_text("1")

    # No sign-in, and only what a download needs.
    page.get_by_role("link", name="Go to checkout").click()
    expect(page).to_have_url(re.compile("/shop/checkout/$"))
    expect(page.locator("[name=billing_detail_street]")).to_be_hidden()
    expect(page.locator("[name=billing_detail_phone]")).to_be_hidden()
    page.get_by_label(re.compile("^First name")).fill("Robin")
    page.get_by_label(re.compile("^Last name")).fill("Guest")
    page.get_by_label(re.compile("^Email")).fill("robin@example.com")
    page.get_by_label(re.compile("^Country")).select_option("Ireland")
    check_a11y(page)
    # One page: no confirmation step for a cart of downloads.
    consent_to_immediate_delivery(page)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    order = Order.objects.get()
    assert order.user_id is None
    expect(page.locator(".complete-box")).to_contain_text("Download all files (zip)")
    check_a11y(page)

    # One email: the receipt, with the private links.
    (receipt,) = [m for m in mailoutbox if m.to == ["robin@example.com"]]
    link = re.search(r"https?://\S+?(/orders/\d+/[0-9a-f]{64}/)", receipt.body).group(1)

    # Another device: no cookies, no account.
    phone = new_page()
    phone.goto(live_server.url + link)
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Order {order.id}")
    expect(phone.locator(".download-limits")).to_contain_text("download attempts left")
    check_a11y(phone)
    epub = ProductFile.objects.filter(grants__order=order, original_filename__endswith=".epub").get()
    with phone.expect_download() as info:
        phone.get_by_role("link", name=re.compile("^Download EPUB")).click()
    assert info.value.suggested_filename == epub.download_name
    assert hashlib.sha256(info.value.path().read_bytes()).hexdigest() == epub.sha256
    assert ebook.sku in order.items.values_list("sku", flat=True)

    # Lost the email later: the sign-in page leads to the lost-links page.
    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_role("link", name=re.compile("lost your download links")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Get your download links again")
    check_a11y(phone)
    shoot(phone, "lost-links")
    phone.get_by_label(re.compile("email address you ordered with")).fill("robin@example.com")
    phone.get_by_role("button", name="Email me my links").click()
    expect(phone.get_by_role("status")).to_contain_text("we have emailed it their links")
    check_a11y(phone)
    assert sum(m.to == ["robin@example.com"] for m in mailoutbox) == 2


def place_ebook_order(client, title=BOOK):
    """demo-buyer buys an ebook (server side: journey 2 covers the clicks)."""
    buyer = get_user_model().objects.get(username="demo-buyer")
    client.force_login(buyer)
    add_to_cart(client, Product.objects.get(title=title), option3="eBook")
    response = checkout(client, billing_detail_email=buyer.email)
    assert response.status_code == 302
    client.logout()
    return Order.objects.get(user_id=buyer.id)


def test_buyer_downloads_after_staff_mark_the_order_paid(
    live_server, demo, client, new_page, shoot, check_a11y, mailoutbox
):
    order = place_ebook_order(client)
    assert order.status == 1  # unpaid: the test settings take no payment

    # Staff mark it paid in the order admin (bank transfer).
    staff = new_page()
    admin_sign_in(staff, live_server)
    staff.goto(live_server.url + "/admin/shop/order/")
    staff.locator(f"input[name=_selected_action][value='{order.id}']").check()
    # Grappelli dresses the action <select> up as a "Chosen" drop-down,
    # which runs the action as soon as one is picked.
    actions = staff.locator(".changelist-actions .chzn-container")
    actions.locator(".chzn-single").click()
    actions.locator("li", has_text="Mark selected orders paid").click()
    # A page listing the orders asks first: marking paid releases the files.
    expect(staff.locator("#orders-to-change")).to_contain_text(f"#{order.id}")
    staff.get_by_role("button", name="Yes, mark them paid").click()
    expect(staff.locator("body")).to_contain_text("1 order(s) marked paid.")
    order.refresh_from_db()
    assert order.get_status_display() == "Complete"  # paid, and nothing to post
    staff.goto(live_server.url + f"/admin/shop/order/{order.id}/change/")
    expect(staff.locator("body")).to_contain_text(re.compile("Digital delivery", re.I))

    files = list(ProductFile.objects.filter(grants__order=order).order_by("id"))
    assert len(files) == 2  # the almanac's EPUB and PDF
    # The "your files are ready" email went out once, after the commit.
    files_emails = [m for m in mailoutbox if files[0].download_name in m.body]
    assert len(files_emails) == 1
    assert files_emails[0].to == ["buyer@example.com"]

    buyer = new_page()
    buyer.goto(live_server.url + "/account/orders/")
    expect(buyer).to_have_url(re.compile(r"/accounts/login/\?next=/account/orders/"))
    sign_in(buyer, "demo-buyer", "demo-buyer")
    expect(buyer.get_by_role("heading", level=1)).to_have_text("My orders")
    row = buyer.locator(f"#order-{order.id}")
    expect(row.locator(".order-status")).to_have_text("Complete")
    limits = row.locator(".download-limits")
    expect(limits).to_contain_text("10 of 10 download attempts left")
    for product_file in files:
        expect(row).to_contain_text(product_file.download_name)  # in its technical details
        size = filesizeformat(product_file.size).replace("\xa0", " ")
        button = row.get_by_role("link", name=re.compile(f"^Download {product_file.extension}"))
        expect(button).to_contain_text(size)
    check_a11y(buyer)
    shoot(buyer, "order-history")

    # One file: the browser gets exactly the stored bytes.
    epub = files[0]
    with buyer.expect_download() as info:
        row.get_by_role("link", name=re.compile("^Download EPUB")).click()
    download = info.value
    assert download.suggested_filename == epub.download_name
    data = download.path().read_bytes()
    assert hashlib.sha256(data).hexdigest() == epub.sha256
    with epub.file.open("rb") as stored:
        assert data == stored.read()

    # All files as one zip.
    with buyer.expect_download() as info:
        row.get_by_role("link", name="Download all files (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(info.value.path().read_bytes()))
    assert sorted(archive.namelist()) == sorted(f.download_name for f in files)
    for product_file in files:
        assert hashlib.sha256(archive.read(product_file.download_name)).hexdigest() == product_file.sha256

    buyer.reload()
    expect(buyer.locator(f"#order-{order.id} .download-limits")).to_contain_text(
        "8 of 10 download attempts left"
    )
    assert DownloadGrant.objects.filter(order=order).count() == 2


def admin_sign_in(page, live_server):
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("demo-admin")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    expect(page.locator("#user-tools")).to_contain_text("Log out")


def fill_richtext(page, field, html_text):
    """Type into Mezzanine's TinyMCE editor (it syncs the textarea on save)."""
    page.frame_locator(f"#id_{field}_ifr").locator("body").fill(html_text)


def choose(page, field, label):
    """Pick ``label`` in Django's two-box filter_horizontal widget."""
    page.locator(f"#id_{field}_from").select_option(label=label)
    page.locator(f"#id_{field}_add").click()
    expect(page.locator(f"#id_{field}_to")).to_contain_text(label)


def save_and_continue(page, message="was changed successfully"):
    with page.expect_navigation():
        page.locator("input[name=_continue]").click()
    expect(page.locator(".errornote, .errorlist")).to_have_count(0)
    expect(page.locator("body")).to_contain_text(message)


def cover_png(path, title):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 600), "#1d5c63")
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 375, 575), outline="#f3ead7", width=4)
    draw.text((60, 260), title, fill="#f3ead7")
    image.save(path, "PNG")
    return path


def test_editor_builds_a_category_and_adds_a_book(
    live_server, demo, page, new_page, shoot, check_a11y, tmp_path
):
    admin_sign_in(page, live_server)

    # A "Product category" page in the page tree: ebooks up to $9.
    page.goto(live_server.url + "/admin/pages/page/")
    page.locator("#addlist-primary select.addlist").select_option(label="Product category")
    expect(page).to_have_url(re.compile(r"/admin/shop/category/add/$"))
    page.locator("#id_title").fill("Ebooks under $9")
    page.locator("#id_status_1").check()  # Published
    # New pages start in no menu: this one goes in the top navigation bar.
    page.locator("input[name=in_menus][value='1']").check()
    fill_richtext(page, "content", "Cheap reads for tonight, straight to your device.")
    page.get_by_text("Product filters", exact=True).click()  # a collapsed fieldset
    choose(page, "options", "Format: eBook")
    page.locator("#id_price_max").fill("9.00")
    expect(page.locator("#id_combined")).to_be_checked()  # options AND price
    page.locator("input[name=_save]").click()
    expect(page.locator("body")).to_contain_text("was added successfully")

    # A Book with a cover, two formats, prices and an EPUB.
    page.goto(live_server.url + "/admin/shop_ext/book/add/")
    page.locator("#id_title").fill("Night Trains of Europe")
    page.locator("#id_author").fill("Ines Marlow")
    page.locator("#id_isbn").fill("978-3-16-148410-0")
    page.locator("#id_available").check()
    fill_richtext(page, "content", "Sleeper routes from Lisbon to Lapland, one berth at a time.")
    choose(page, "categories", "Books / Non-fiction")
    cover = cover_png(tmp_path / "night-trains.png", "Night Trains of Europe")
    with page.expect_popup() as popup_info:
        page.locator("#images-group .fb_show").first.click()
    # Mezzanine's media library opens in a pop-up: upload, then select.
    library = popup_info.value
    library.get_by_role("link", name="Upload", exact=True).click()
    library.locator("input[name=Filedata]").set_input_files(cover)
    # Queued once the library has checked the name is free.
    expect(library.locator(".file-input-result.selected .status")).to_have_text("night-trains.png")
    library.locator("input[type=submit][name=_save]").click()
    with library.expect_event("close"):
        library.locator("tr", has_text="night-trains.png").locator(".fb_selectlink").click()
    expect(page.locator("#id_images-0-file")).to_have_value(re.compile(r"product/night-trains\.png$"))
    page.locator("#id_images-0-description").fill("Night Trains of Europe, front cover")
    page.locator("input[name=option3][value=Paperback]").check()
    page.locator("input[name=option3][value=eBook]").check()
    save_and_continue(page, "was added successfully")

    # The check-boxes made one variation per format; now price them, and
    # make the eBook the default (the price shown in listings).
    book = Book.objects.get(title="Night Trains of Europe")
    variations = {v.option3: v for v in book.variations.all()}
    assert sorted(variations) == ["Paperback", "eBook"]
    assert book.images.get().file.name.endswith("product/night-trains.png")
    prices = {"Paperback": "8.99", "eBook": "4.99"}
    rows = page.locator("#variations-group .format-row")
    expect(rows).to_have_count(2)
    for index in range(2):
        variation_id = int(page.locator(f"#id_variations-{index}-id").input_value())
        fmt = next(name for name, v in variations.items() if v.id == variation_id)
        page.locator(f"#id_variations-{index}-unit_price").fill(prices[fmt])
        if fmt == "Paperback":
            page.locator(f"#id_variations-{index}-num_in_stock").fill("20")
        page.locator(f"#id_variations-{index}-default").set_checked(fmt == "eBook")
    save_and_continue(page)
    book.refresh_from_db()
    assert book.unit_price == Decimal("4.99")

    # The EPUB, delivered by the eBook variation only.
    from shop_demo.media import epub_bytes

    epub = epub_bytes("Night Trains of Europe", "Ines Marlow", "Sleeper routes.")
    page.locator("#files-group").get_by_text("Add another Product file").click()
    page.locator("#id_files-0-file").set_input_files(
        files=[{"name": "night-trains.epub", "mimeType": "application/epub+zip", "buffer": epub}]
    )
    page.locator("#id_files-0-title").fill("Night Trains of Europe (EPUB)")
    page.locator("#id_files-0-variations").select_option(label=str(variations["eBook"]))
    save_and_continue(page)
    product_file = ProductFile.objects.get(product=book)
    assert product_file.sha256 == hashlib.sha256(epub).hexdigest()
    assert product_file.size == len(epub)
    assert product_file.original_filename == "night-trains.epub"
    assert list(product_file.variations.all()) == [variations["eBook"]]
    files_inline = page.locator("#files-group")
    expect(files_inline).to_contain_text("night-trains.epub")
    expect(files_inline).to_contain_text(filesizeformat(len(epub)).replace("\xa0", " "))
    page.evaluate(  # the variations and files inlines in view
        "window.scrollTo(0, document.querySelector('#variations-group').getBoundingClientRect().top"
        " + window.scrollY - 60)"
    )
    shoot(page, "admin-product", phone=False, full_page=False)

    # The public category page lists the book at its eBook price.
    page = new_page()  # a visitor, not signed in
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Shop sections").get_by_role("link", name="Ebooks under $9").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ebooks under $9")
    card = page.locator(".product-card, li", has_text="Night Trains of Europe").last
    expect(card).to_contain_text("$4.99")
    cover_img = card.locator("img")
    cover_img.scroll_into_view_if_needed()  # covers load lazily
    expect(cover_img).to_have_js_property("complete", True)
    assert cover_img.evaluate("img => img.naturalWidth") == 240
    check_a11y(page)
    shoot(page, "editor-category")
    card.get_by_role("link", name=re.compile("Night Trains of Europe")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Night Trains of Europe")
    # The listing's link opens the page on the format it priced.
    expect(page.locator(".format-card", has=page.locator("input:checked"))).to_contain_text("$4.99")
    expect(page.get_by_role("button", name="Add to cart")).to_be_enabled()
