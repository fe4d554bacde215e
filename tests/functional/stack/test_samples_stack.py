"""A free sample as deployed: nginx sends it (X-Accel-Redirect) to anyone,
no sign-in, no order; the app names it and limits each client."""

import pytest
import requests

from tests.functional.stack.test_delivery_stack import BOOK_SLUG

pytestmark = pytest.mark.stack

MAKE_SAMPLE = """
from shop_ext.models import Book, ProductSample
book = Book.objects.get(slug={slug!r})
epub = book.files.get(content_type="application/epub+zip")
ProductSample.objects.update_or_create(product=book, defaults={{"product_file": epub}})
print(book.pk, epub.current_version.file.name)
"""


def test_a_sample_through_nginx(stack):
    made = stack.manage("shell", "-c", MAKE_SAMPLE.format(slug=BOOK_SLUG))
    book_id, stored_name = made.stdout.strip().splitlines()[-1].split()
    attempts_before = stack.sql("SELECT count(*) FROM shop_ext_downloadattempt")[0][0]
    page = requests.get(f"{stack.url}/shop/product/{BOOK_SLUG}/", timeout=30)
    assert f'href="/samples/{book_id}/"' in page.text
    response = requests.get(f"{stack.url}/samples/{book_id}/", timeout=30)
    assert response.status_code == 200
    assert response.content == (stack.private_root / stored_name).read_bytes()
    assert response.headers["Content-Disposition"] == f'attachment; filename="{BOOK_SLUG}-sample.epub"'
    assert "X-Accel-Redirect" not in response.headers
    assert "X-Download-Disposition" not in response.headers
    # Never counted against an order, never in the download log.
    assert stack.sql("SELECT count(*) FROM shop_ext_downloadattempt")[0][0] == attempts_before
    # A flood from one client is refused, by the app, with no 5xx (the default: 20 an hour).
    statuses = [requests.get(f"{stack.url}/samples/{book_id}/", timeout=30).status_code for _ in range(20)]
    assert 429 in statuses
    assert set(statuses) <= {200, 429}
