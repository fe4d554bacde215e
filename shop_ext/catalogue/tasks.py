"""The catalogue's work in the worker: a cover's WebP versions, and the
catalogue import's two steps (the request's side is
shop_ext.catalogue.imports): check the stored file (a dry run) and store the
report, row by row; or import it, checking every row again (the shop may
have changed since the check).

Progress is kept in the cache, not in the job's row: the import runs in one
transaction, and what it writes is not seen outside until it ends.
"""

import logging

from cartridge.shop.models import ProductImage
from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from shop_ext.catalogue import covers, format_rows
from shop_ext.core.tasks import RETRY_TEMPORARY, TEMPORARY_ERRORS
from shop_ext.models import CatalogueImport

logger = logging.getLogger(__name__)

Status = CatalogueImport.Status
# Longer than the slowest import at the row limit; the job's row keeps the
# final count.
PROGRESS_SECONDS = 6 * 60 * 60


@shared_task(name="shop_ext.catalogue.tasks.make_cover_versions", **RETRY_TEMPORARY)
def make_cover_versions(image_id):
    """The WebP versions of one product image (covers.py), made once it is
    saved; safe to run twice (the versions are replaced)."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is not None and image.file:  # else deleted since, or emptied
        covers.make_for_image(image)


def progress_key(job_id):
    return f"shop_ext:catalogue_import:{settings.SITE_ID}:{job_id}:rows_done"


@shared_task(name="shop_ext.catalogue.tasks.check_catalogue_import", **RETRY_TEMPORARY)
def check_catalogue_import(job_id):
    run(job_id, dry_run=True)


@shared_task(name="shop_ext.catalogue.tasks.run_catalogue_import", **RETRY_TEMPORARY)
def run_catalogue_import(job_id):
    run(job_id, dry_run=False)


def run(job_id, dry_run):
    """Check (dry run) or import the job's file and store what happened. A
    job not in the step's status is left alone, so a task delivered twice
    does the work once."""
    running = Status.CHECKING if dry_run else Status.IMPORTING
    job = CatalogueImport.objects.filter(pk=job_id, status=running).first()
    if job is None:
        return
    try:
        lines, summary, status = _read_and_import(job, dry_run)
    except TEMPORARY_ERRORS:
        # Rolled back and still in its running status: the retry does it again.
        raise
    except Exception:
        logger.exception("Catalogue import %s failed", job_id)
        lines, summary, status = [], "", Status.FAILED
    job.status = status
    job.summary = summary
    job.report = "\n".join(lines)
    job.rows_done = job.rows_total if status != Status.FAILED else cache.get(progress_key(job.pk), 0)
    job.save(update_fields=["status", "summary", "report", "rows_done", "rows_total"])
    cache.delete(progress_key(job.pk))
    if status in (Status.IMPORTED, Status.REFUSED):
        # Nothing will read it again: the editor uploads anew to retry.
        job.file.delete(save=False)


def _read_and_import(job, dry_run):
    with job.file.open("rb") as upload:
        data = upload.read()
    try:
        dataset = format_rows.read_sheet(data, job.file_format)
    except format_rows.BadSheet as error:
        return [str(error)], "", Status.REFUSED
    job.rows_total = len(dataset)
    CatalogueImport.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
    key = progress_key(job.pk)
    result = format_rows.import_catalogue(
        dataset, dry_run=dry_run, progress=lambda done: cache.set(key, done, PROGRESS_SECONDS)
    )
    if format_rows.is_refused(result):
        status = Status.REFUSED
    else:
        status = Status.CHECKED if dry_run else Status.IMPORTED
    return list(format_rows.report_lines(result)), format_rows.summary(result), status
