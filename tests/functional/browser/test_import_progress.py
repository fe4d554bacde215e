"""A running catalogue import's page (theme/js/import_progress.js): the
progress bar, its label and the status line change in place as the worker
reads, with no reload (a reload has a screen reader read the whole page
again); once the worker is done, the page loads once more with the report."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from playwright.sync_api import expect

from shop_ext.catalogue import tasks
from shop_ext.models import CatalogueImport
from tests.functional.browser.axe import axe_violations, describe
from tests.functional.browser.test_journeys import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Status = CatalogueImport.Status


def test_the_progress_updates_without_a_reload(live_server, demo, page):
    job = CatalogueImport.objects.create(
        created_by=User.objects.get(username="admin"),
        file="catalogue-imports/books.csv",
        file_format="CSV",
        rows_total=5000,
    )
    cache.set(tasks.progress_key(job.pk), 100)
    admin_sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/shop_ext/book/import/{job.pk}/")
    progress = page.get_by_label("Rows read: 100 of 5000 rows")
    expect(progress).to_have_js_property("value", 100)
    assert not axe_violations(page), describe(axe_violations(page))
    page.evaluate("window.sameDocument = true")

    cache.set(tasks.progress_key(job.pk), 2500)
    progress = page.get_by_label("Rows read: 2500 of 5000 rows")
    expect(progress).to_have_js_property("value", 2500)
    expect(page.get_by_role("status")).to_have_text("Checking")
    CatalogueImport.objects.filter(pk=job.pk).update(status=Status.IMPORTING)
    expect(page.get_by_role("status")).to_have_text("Importing")
    assert page.evaluate("window.sameDocument") is True

    CatalogueImport.objects.filter(pk=job.pk).update(
        status=Status.IMPORTED, rows_done=5000, summary="5000 created", report="Row 2: created"
    )
    expect(page.get_by_role("heading", name="What was imported")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Imported: 5000 created")
    assert page.evaluate("window.sameDocument") is None
