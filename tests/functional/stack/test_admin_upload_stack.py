"""Real-size files uploaded through the admin reach nginx.

Django spools an upload above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary
file and renames it into place. A private file must still end up in group
www-data (the private root's, by its setgid bit), or nginx's worker cannot
open it. Here the app runs as root outside group www-data and without
CAP_CHOWN (deploy/local_stack.py), nginx's workers as www-data, so a file
reaches nginx only through the group and modes a deployment gives it
(docs/deploy.md).
"""

import grp
import hashlib
import io
import os
import re
import stat

import pytest
import requests
from PIL import Image

from deploy.local_stack import CAP_CHOWN
from tests.functional.stack.forms import (
    csrf_token,
    form_fields,
    place_order,
    post_form,
    save_admin_form,
    with_inline_row,
)
from tests.functional.stack.journeys import staff_session
from tests.shopper import DOWNLOAD_ONLY_DETAILS, private_link

pytestmark = pytest.mark.stack

PRODUCT_SLUG = "the-cartographers-daughter"  # demo book whose ebook is "coming soon"
STAFF = {"username": "upload-editor", "password": "Upload-editor-pw-5517"}
GUEST = "big-ebook-buyer@example.com"
BOOK_BYTES = 6 * 1024 * 1024
IMAGE_SIDE = 1024  # random RGB pixels: a PNG of about 3 MB


def a_big_pdf():
    """6 MB that sniff as a PDF, random enough that nothing compresses them."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(BOOK_BYTES) + b"\n%%EOF\n"


def a_big_png():
    image = Image.frombytes("RGB", (IMAGE_SIDE, IMAGE_SIDE), os.urandom(IMAGE_SIDE * IMAGE_SIDE * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def process_status(pid):
    with open(f"/proc/{pid}/status") as status:
        return dict(line.rstrip("\n").split(":", 1) for line in status)


@pytest.fixture(scope="module")
def editor(stack):
    """A signed-in staff session, once the stack is checked to have the
    deployment's shape (or these tests prove nothing): the app outside
    nginx's group and unable to give a file to it; the size limit above
    which Django spools an upload to a temporary file."""
    www_data = grp.getgrnam("www-data")
    app = process_status(stack.gunicorn.worker_pids[0])
    assert www_data.gr_gid not in {int(gid) for gid in app["Gid"].split() + app["Groups"].split()}
    assert not www_data.gr_mem
    assert not int(app["CapEff"], 16) & 1 << CAP_CHOWN
    spooled_above = stack.django(
        "from django.conf import settings; print(settings.FILE_UPLOAD_MAX_MEMORY_SIZE)"
    )
    return staff_session(stack, STAFF), spooled_above


def test_an_ebook_uploaded_in_the_admin_downloads_through_nginx(stack, editor):
    editor, spooled_above = editor
    book = a_big_pdf()
    assert len(book) > spooled_above
    [(product_id,)] = stack.sql("SELECT id FROM shop_product WHERE slug = %s", PRODUCT_SLUG)
    digital = [
        str(variation_id)
        for (variation_id,) in stack.sql(
            "SELECT id FROM shop_productvariation WHERE product_id = %s AND option3 LIKE %s",
            product_id,
            "%eBook",
        )
    ]
    assert len(digital) == 2  # eBook, Paperback + eBook

    change_url = f"{stack.url}/admin/shop_ext/book/{product_id}/change/"
    page = editor.get(change_url)
    assert page.status_code == 200
    fields = form_fields(page.text, "book_form")
    # "Add another Product file", as the admin's script does.
    data = with_inline_row(fields, "files", {"title": "PDF edition", "variations": digital})
    saved = save_admin_form(
        editor,
        change_url,
        data,
        files={
            f"files-{dict(fields)['files-TOTAL_FORMS']}-file": (
                "cartographers-daughter.pdf",
                book,
                "application/pdf",
            )
        },
    )
    assert saved.status_code == 302, re.findall(r'<ul class="errorlist[^"]*">.*?</ul>', saved.text)[:5]
    [(stored, size, sha256)] = stack.sql(
        "SELECT file, size, sha256 FROM shop_ext_productfile WHERE product_id = %s", product_id
    )
    assert (size, sha256) == (len(book), hashlib.sha256(book).hexdigest())

    guest = requests.Session()
    added = post_form(guest, f"{stack.url}/shop/product/{PRODUCT_SLUG}/", {"option3": "eBook", "quantity": 1})
    assert added.status_code == 302
    placed = place_order(guest, stack.url, {**DOWNLOAD_ONLY_DETAILS, "billing_detail_email": GUEST})
    assert placed.status_code == 302
    [(order_id,)] = stack.sql("SELECT id FROM shop_order WHERE billing_detail_email = %s", GUEST)
    stack.mark_paid(order_id)
    text = stack.smtp.wait_for_message("Your files from", to=GUEST).get_body(("plain",)).get_content()
    [(grant_id,)] = stack.sql("SELECT id FROM shop_ext_downloadgrant WHERE order_id = %s", order_id)

    download = requests.get(f"{stack.url}{private_link(text, order_id)}files/{grant_id}/", timeout=60)

    assert download.status_code == 200, download.text[:2000]
    assert download.headers["Server"].startswith("nginx")
    assert download.headers["Content-Type"] == "application/pdf"
    assert (len(download.content), hashlib.sha256(download.content).hexdigest()) == (size, sha256)
    # nginx reads it as group www-data, nobody else can.
    info = (stack.private_root / stored).stat()
    assert (stat.S_IMODE(info.st_mode), grp.getgrgid(info.st_gid).gr_name) == (0o640, "www-data")


def test_an_image_above_the_spooling_size_uploaded_to_the_media_library_is_served(stack, editor):
    """Public media keep Django's rename (and the app's group): nginx reads
    them as "others" (FILE_UPLOAD_PERMISSIONS 0644) inside the 2750 root."""
    editor, spooled_above = editor
    image = a_big_png()
    assert len(image) > spooled_above
    # What the media library's uploader sends (the admin's "Upload" page, its form's token).
    upload_page = editor.get(f"{stack.url}/admin/media-library/upload/")
    uploaded = editor.post(
        f"{stack.url}/admin/media-library/upload_file/",
        data={"folder": "", "csrfmiddlewaretoken": csrf_token(editor, upload_page)},
        files={"Filedata": ("big-cover.png", image, "image/png")},
        allow_redirects=False,
    )
    assert (uploaded.status_code, uploaded.text) == (200, "True")

    served = requests.get(f"{stack.url}/media/uploads/big-cover.png", timeout=60)

    assert served.status_code == 200
    assert served.headers["Server"].startswith("nginx")
    assert hashlib.sha256(served.content).digest() == hashlib.sha256(image).digest()
