"""The product admin page renders with files on it (private files have no URL)."""

import pytest

from tests.factories import book_with_files


@pytest.mark.django_db
def test_change_page_of_a_product_with_files_renders(admin_client):
    book = book_with_files()
    response = admin_client.get(f"/admin/shop_ext/book/{book.id}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "almanac.epub" in html  # the inline's "Stored file" column
    assert 'name="files-0-file"' in html
