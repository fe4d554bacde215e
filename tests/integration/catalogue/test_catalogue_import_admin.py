"""The product list's Import and Export. An upload is kept as a
CatalogueImport and checked by the worker (Celery runs eagerly in the
tests, once the request's transaction commits); its page shows the progress,
then the dry run by row and field; confirming has the worker import that
same file, once. Bad files are a message, never a 500; only staff allowed
to add and change products may import, and each sees only their own
imports unless allowed to see everyone's."""

import re
from datetime import timedelta
from functools import partial

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shop_ext.catalogue import imports, tasks
from shop_ext.core import permissions
from shop_ext.models import Book, CatalogueImport
from tests.concurrency import run_at_once
from tests.factories import make_book, staff_with

pytestmark = pytest.mark.django_db

IMPORT = "/admin/shop_ext/book/import/"
CSV_FORMAT = "0"  # the first of the admin's formats: CSV, then XLSX
Status = CatalogueImport.Status


@pytest.fixture(autouse=True)
def almanac():
    """A title in the shop's formats (make_book creates the Format options)."""
    return make_book(title="The Almanac")


def upload(client, data, name="books.csv"):
    return client.post(IMPORT, {"format": CSV_FORMAT, "import_file": SimpleUploadedFile(name, data)})


def checked(client, data, capture, name="books.csv"):
    """Upload, let the worker check it; the job's page."""
    with capture(execute=True):
        response = upload(client, data, name)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def confirm(client, job, **kwargs):
    return client.post(f"{IMPORT}{job.pk}/confirm/", **kwargs)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_worker_checks_the_file_then_imports_it_once_confirmed(
    admin_client, django_capture_on_commit_callbacks
):
    data = b"title,format,price\nThe Almanac,Paperback,14.00\nFresh Title,eBook,3.99\n"
    page = checked(admin_client, data, django_capture_on_commit_callbacks)
    job = page.context["job"]
    assert job.status == Status.CHECKED
    html = text(page)
    assert "row 2: changed price (12.99 → 14.00)" in html
    assert "row 3: created" in html
    assert "Fresh Title" in html
    assert "1 created, 1 changed, 0 unchanged, 0 refused" in html
    assert "Confirm import" in html
    assert not Book.objects.filter(title="Fresh Title").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin_client, job, follow=True)
    assert "The import has started" in text(response)
    job.refresh_from_db()
    assert job.status == Status.IMPORTED
    assert job.rows_done == job.rows_total == 2
    assert Book.objects.filter(title="Fresh Title").exists()
    assert (
        str(Book.objects.get(title="The Almanac").variations.get(option3="Paperback").unit_price) == "14.00"
    )
    # The stored upload goes once imported.
    assert not job.file.storage.exists(job.file.name)

    # Single use: a second confirmation imports nothing more.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = confirm(admin_client, job, follow=True)
    assert "not waiting for confirmation" in text(response)
    assert queued == []


def test_a_refused_row_is_named_with_its_field_and_cannot_be_confirmed(
    admin_client, django_capture_on_commit_callbacks
):
    page = checked(
        admin_client, b'title,format,price\nFresh Title,eBook,"3,99"\n', django_capture_on_commit_callbacks
    )
    html = text(page)
    assert "row 2: refused: price:" in html
    assert "decimal point" in html
    assert "Confirm import" not in html
    job = page.context["job"]
    assert job.status == Status.REFUSED
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert confirm(admin_client, job).status_code == 302
    assert queued == []
    assert not Book.objects.filter(title="Fresh Title").exists()


@pytest.mark.parametrize(
    ("rows", "summary", "refusal"),
    [
        (
            "NEW-1,Fresh Title,eBook,3.99\nNEW-1,Fresh Title,eBook,4.99\n",
            "1 created, 0 changed, 0 unchanged, 1 refused",
            "row 3: refused: sku: Row 2 of this file already sets the SKU NEW-1: one row per format.",
        ),
        (
            "{sku},The Almanac,Paperback,14.00\n{sku},The Almanac,Paperback,15.00\n",
            "0 created, 1 changed, 0 unchanged, 1 refused",
            "row 3: refused: sku: Row 2 of this file already sets the SKU {sku}: one row per format.",
        ),
        (
            "{sku},The Almanac,Paperback,12.99\n{sku},The Almanac,Paperback,15.00\n",
            "0 created, 0 changed, 1 unchanged, 1 refused",
            "row 3: refused: sku: Row 2 of this file already sets the SKU {sku}: one row per format.",
        ),
        (
            ",Fresh Title,eBook,3.99\n,Fresh Title,eBook,4.99\n",
            "1 created, 0 changed, 0 unchanged, 1 refused",
            "row 3: refused: format: Row 2 of this file already sets Fresh Title (eBook): "
            "one row per format.",
        ),
    ],
    ids=["new SKU", "SKU in the shop", "SKU unchanged first", "title and format"],
)
def test_a_format_repeated_in_one_file_is_refused_naming_its_first_row(
    admin_client, almanac, django_capture_on_commit_callbacks, rows, summary, refusal
):
    """The dry run called both rows "created" (it writes nothing), where
    the import would call the second "changed": whose values win is a guess."""
    sku = almanac.variations.get(option3="Paperback").sku
    data = ("sku,title,format,price\n" + rows.format(sku=sku)).encode()

    html = text(checked(admin_client, data, django_capture_on_commit_callbacks))

    assert "row 2: " in html
    assert "row 2: refused" not in html
    assert refusal.format(sku=sku) in html
    assert summary in html
    assert "Confirm import" not in html
    assert CatalogueImport.objects.get().status == Status.REFUSED
    assert not Book.objects.filter(title="Fresh Title").exists()
    assert str(almanac.variations.get(option3="Paperback").unit_price) == "12.99"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("title,format,price\nCaf\u00e9,eBook,1\n".encode("latin-1"), "not UTF-8"),
        (b"name,cost\nx,1\n", "missing: title, format, price"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(
    admin_client, django_capture_on_commit_callbacks, data, message
):
    page = checked(admin_client, data, django_capture_on_commit_callbacks)
    assert page.context["job"].status == Status.REFUSED
    assert message in re.sub(r"&#x27;|&quot;|&ldquo;|&rdquo;|“|”", "", text(page))


def test_a_file_over_the_limit_is_refused_before_it_is_kept(admin_client, settings):
    settings.SHOP_IMPORT_MAX_BYTES = 50
    response = upload(admin_client, b"title,format,price\n" + b"A title,eBook,1.00\n" * 10)
    assert response.status_code == 200
    assert "can be imported at once" in str(response.context["form"].errors)
    assert not CatalogueImport.objects.exists()


def test_the_page_shows_the_progress_while_the_worker_reads(admin_client):
    # Not run yet: the worker has not been given the job (no commit).
    response = upload(admin_client, b"title,format,price\nA title,eBook,1.00\n")
    job = CatalogueImport.objects.get()
    page = admin_client.get(response["Location"])
    html = text(page)
    assert job.get_status_display() in html
    # Its script polls the status instead of reloading; without it, a link.
    assert "http-equiv" not in html
    assert f'data-status-url="{IMPORT}{job.pk}/status/"' in html
    assert re.search(r'<noscript><p><a href="">Refresh', html)
    assert '<p id="import-status" role="status">' in html
    assert '<label for="import-progress" id="import-rows">' in html
    assert '<progress id="import-progress"' in html
    # What the worker publishes as it goes (tasks.run's progress callback).
    CatalogueImport.objects.filter(pk=job.pk).update(rows_total=5000)
    cache.set(tasks.progress_key(job.pk), 1200)
    html = text(admin_client.get(response["Location"]))
    assert "Rows read: 1200 of 5000 rows" in html
    assert 'max="5000" value="1200"' in html
    status = admin_client.get(f"{IMPORT}{job.pk}/status/")
    assert status["Content-Type"] == "application/json"
    assert status.json() == {
        "running": True,
        "stopped": False,
        "status": job.get_status_display(),
        "done": 1200,
        "total": 5000,
        "rows": "Rows read: 1200 of 5000 rows",
    }


def test_only_staff_who_may_add_and_change_products_may_import(django_capture_on_commit_callbacks):
    editor = staff_with(permissions.VIEW_PRODUCT, permissions.CHANGE_PRODUCT)
    client = Client()
    client.force_login(editor)
    assert client.get(IMPORT).status_code == 403
    importer = staff_with(permissions.ADD_PRODUCT, permissions.CHANGE_PRODUCT, permissions.VIEW_PRODUCT)
    client.force_login(importer)
    assert client.get("/admin/shop/product/import/").status_code == 200
    # django-import-export's in-request import is not routed.
    assert client.post("/admin/shop/product/process_import/", {}).status_code == 404


def test_other_staffs_imports_are_not_found_unless_allowed_to_see_all(django_capture_on_commit_callbacks):
    owner, other, lead = (
        staff_with(
            permissions.ADD_PRODUCT,
            permissions.CHANGE_PRODUCT,
            permissions.VIEW_PRODUCT,
            *extra,
            username=name,
        )
        for name, extra in (("owner", ()), ("other", ()), ("lead", (permissions.VIEW_ALL_CATALOGUE_IMPORTS,)))
    )
    client = Client()
    client.force_login(owner)
    page = checked(
        client, b"title,format,price\nFresh Title,eBook,3.99\n", django_capture_on_commit_callbacks
    )
    job = page.context["job"]
    client.force_login(other)
    assert client.get(f"{IMPORT}{job.pk}/").status_code == 404
    assert client.get(f"{IMPORT}{job.pk}/status/").status_code == 404
    assert confirm(client, job).status_code == 404
    assert client.get(f"{IMPORT}{job.pk + 1000}/").status_code == 404
    client.force_login(lead)
    assert client.get(f"{IMPORT}{job.pk}/").status_code == 200
    assert client.get(f"{IMPORT}{job.pk}/status/").json()["running"] is False
    assert CatalogueImport.objects.get().status == Status.CHECKED


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_import_the_file_once(admin_user):
    first = Client()
    first.force_login(admin_user)
    response = upload(first, b"title,format,price\nFresh Title,eBook,3.99\n")
    job = CatalogueImport.objects.get()
    assert job.status == Status.CHECKED, response
    second = Client()
    second.force_login(admin_user)

    results = run_at_once(*(partial(confirm, client, job, follow=True) for client in (first, second)))

    for result in results:
        assert not isinstance(result, BaseException), result
        assert result.status_code == 200
    pages = [text(result) for result in results]
    assert sum("The import has started" in page for page in pages) == 1
    assert sum("not waiting for confirmation" in page for page in pages) == 1
    job.refresh_from_db()
    assert job.status == Status.IMPORTED
    assert "row 2: created" in job.report
    assert Book.objects.filter(title="Fresh Title").count() == 1


def test_the_export_is_a_spreadsheet_of_formats(admin_client):
    make_book(title="=cmd|' /C calc'!A0")
    response = admin_client.post("/admin/shop_ext/book/export/", {"format": CSV_FORMAT})
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("sku,title,author")
    assert "'=cmd" in text


def test_the_product_list_links_import_and_export_beside_its_add_menu(admin_client):
    html = admin_client.get("/admin/shop/product/").content.decode()
    assert "href='/admin/shop/product/import/'" in html
    assert 'href="/admin/shop/product/export/' in html
    assert "/admin/shop_ext/book/add/" in html


def test_an_import_cut_by_the_database_is_done_by_the_retry(
    admin_client, django_capture_on_commit_callbacks, monkeypatch
):
    """A temporary error (a connection cut) rolls the import back and leaves
    the job importing, so the task's retry imports the file: not "Failed"."""
    from django.db import OperationalError

    page = checked(
        admin_client, b"title,format,price\nFresh Title,eBook,3.99\n", django_capture_on_commit_callbacks
    )
    job = page.context["job"]
    real = tasks.format_rows.import_catalogue
    calls = []

    def cut_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks.format_rows, "import_catalogue", cut_once)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin_client, job)

    assert len(calls) == 2
    assert CatalogueImport.objects.get().status == Status.IMPORTED
    assert Book.objects.filter(title="Fresh Title").count() == 1


def restart(client, job, **kwargs):
    return client.post(f"{IMPORT}{job.pk}/restart/", **kwargs)


def silent_for(job, settings, minutes=1):
    """As if the job's worker had shown no sign for STALE_MINUTES + ``minutes``."""
    quiet = timedelta(minutes=settings.SHOP_CATALOGUE_IMPORT_STALE_MINUTES + minutes)
    CatalogueImport.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - quiet)
    cache.delete(tasks.heartbeat_key(job.pk))
    job.refresh_from_db()
    return job


def test_a_check_whose_worker_died_is_stopped_and_runs_again_once(
    admin_client, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=False):  # the worker dies before it starts
        upload(admin_client, b"title,format,price\nFresh Title,eBook,3.99\n")
    job = CatalogueImport.objects.get()
    assert job.status == Status.CHECKING
    assert not imports.is_stopped(job)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = restart(admin_client, job, follow=True)
    assert "has not stopped" in text(response)
    assert queued == []

    job = silent_for(job, settings)
    assert imports.is_stopped(job)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = restart(admin_client, job, follow=True)
    assert "The import runs again" in text(response)
    assert len(queued) == 1
    job.refresh_from_db()
    assert (job.status, job.run) == (Status.CHECKED, 2)
    assert "row 2: created" in job.report
    assert not imports.is_stopped(job)
    assert "has not stopped" in text(restart(admin_client, job, follow=True))


def test_a_stopped_jobs_page_says_so_and_offers_to_run_it_again(
    admin_client, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=False):  # the worker dies before it starts
        upload(admin_client, b"title,format,price\nFresh Title,eBook,3.99\n")
    job = CatalogueImport.objects.get()
    running = admin_client.get(f"{IMPORT}{job.pk}/")
    assert "data-status-url" in text(running)
    assert "/restart/" not in text(running)

    job = silent_for(job, settings)
    page = text(admin_client.get(f"{IMPORT}{job.pk}/"))
    status = admin_client.get(f"{IMPORT}{job.pk}/status/").json()

    assert "Stopped: no worker has worked on this file" in page
    assert f'action="{IMPORT}{job.pk}/restart/"' in page
    assert "data-status-url" not in page  # nothing left to poll: the page waits for the editor
    assert (status["running"], status["stopped"]) == (False, True)


def test_a_stopped_import_runs_again_and_the_file_is_imported_once(
    admin_client, django_capture_on_commit_callbacks, settings
):
    page = checked(
        admin_client, b"title,format,price\nFresh Title,eBook,3.99\n", django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=False) as first_run:  # its worker dies
        confirm(admin_client, page.context["job"])
    job = silent_for(page.context["job"], settings)
    assert job.status == Status.IMPORTING
    assert imports.is_stopped(job)

    with django_capture_on_commit_callbacks(execute=True):
        restart(admin_client, job)
    job.refresh_from_db()
    assert (job.status, job.run) == (Status.IMPORTED, 2)
    # The first run's task, delivered late, finds the job is not its own any more.
    for callback in first_run:
        callback()
    assert Book.objects.filter(title="Fresh Title").count() == 1
    job.refresh_from_db()
    assert (job.status, job.run) == (Status.IMPORTED, 2)


def test_a_worker_restarted_while_it_imports_writes_nothing(
    admin_client, django_capture_on_commit_callbacks, monkeypatch
):
    """Its rows and the job's new status commit together, only while the run
    is still the job's (here another run took the job as the last row was read)."""
    page = checked(
        admin_client, b"title,format,price\nFresh Title,eBook,3.99\n", django_capture_on_commit_callbacks
    )
    job = page.context["job"]
    real = tasks.format_rows.import_catalogue

    def restarted_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        CatalogueImport.objects.filter(pk=job.pk).update(run=job.run + 1)
        return result

    monkeypatch.setattr(tasks.format_rows, "import_catalogue", restarted_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin_client, job)
    assert not Book.objects.filter(title="Fresh Title").exists()
    assert CatalogueImport.objects.get().status == Status.IMPORTING


@pytest.mark.django_db(transaction=True)
def test_two_restarts_at_once_queue_one_task(admin_user, settings, monkeypatch):
    job = CatalogueImport.objects.create(
        created_by=admin_user,
        file=SimpleUploadedFile("books.csv", b"title,format,price\n"),
        file_format="csv",
        status=Status.IMPORTING,
    )
    silent_for(job, settings)
    queued = []
    monkeypatch.setattr(tasks.run_catalogue_import, "delay", lambda *args: queued.append(args))
    # Both read the job before either restarts it: the race, every time.
    seen = [CatalogueImport.objects.get(pk=job.pk) for _ in range(2)]
    results = run_at_once(*(partial(imports.restart, copy) for copy in seen))

    assert sorted(results) == [False, True]
    assert queued == [(job.pk, 2)]
    assert CatalogueImport.objects.get().run == 2
