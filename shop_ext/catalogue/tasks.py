"""The catalogue's work in the worker: a cover's WebP versions, and the
catalogue import's two steps (the request's side is
shop_ext.catalogue.imports): check the stored file (a dry run) and store the
report, row by row; or import it, checking every row again (the shop may
have changed since the check).

Progress is kept in the cache, not in the job's row: the import runs in one
transaction, and what it writes is not seen outside until it ends.
"""

import logging
import time

from cartridge.shop.models import ProductImage
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

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


def heartbeat_key(job_id):
    return f"shop_ext:catalogue_import:{settings.SITE_ID}:{job_id}:heartbeat"


class Superseded(Exception):
    """The job was restarted while this run worked: the new run does it."""


@shared_task(name="shop_ext.catalogue.tasks.check_catalogue_import", **RETRY_TEMPORARY)
def check_catalogue_import(job_id, run_number=None):
    run(job_id, dry_run=True, run_number=run_number)


@shared_task(name="shop_ext.catalogue.tasks.run_catalogue_import", **RETRY_TEMPORARY)
def run_catalogue_import(job_id, run_number=None):
    run(job_id, dry_run=False, run_number=run_number)


def run(job_id, dry_run, run_number=None):
    """Check (dry run) or import the job's file and store what happened. A
    job not in the step's status, or restarted since this task was queued
    (``run_number``), is left alone, so a task delivered twice does the
    work once."""
    running = Status.CHECKING if dry_run else Status.IMPORTING
    jobs = CatalogueImport.objects.filter(pk=job_id, status=running)
    if run_number is not None:
        jobs = jobs.filter(run=run_number)
    job = jobs.first()
    if job is None:
        return
    this_run = CatalogueImport.objects.filter(pk=job.pk, status=running, run=job.run)
    this_run.update(heartbeat_at=timezone.now())

    def finish(lines, summary, status):
        finished = this_run.update(
            status=status,
            summary=summary,
            report="\n".join(lines),
            rows_done=job.rows_total,
            rows_total=job.rows_total,
            heartbeat_at=timezone.now(),
        )
        if not finished:
            raise Superseded

    try:
        status = _read_and_import(job, dry_run, finish)
    except Superseded:
        return
    except TEMPORARY_ERRORS:
        # Rolled back and still in its running status: the retry does it again.
        raise
    except Exception:
        logger.exception("Catalogue import %s failed", job_id)
        status = Status.FAILED
        this_run.update(status=status, summary="", report="", rows_done=cache.get(progress_key(job.pk), 0))
    cache.delete_many([progress_key(job.pk), heartbeat_key(job.pk)])
    if status in (Status.IMPORTED, Status.REFUSED):
        # Nothing will read it again: the editor uploads anew to retry.
        job.file.delete(save=False)


def _read_and_import(job, dry_run, finish):
    """Check or import the job's rows and ``finish`` with the report; the
    job's new status."""
    with job.file.open("rb") as upload:
        data = upload.read()
    try:
        dataset = format_rows.read_sheet(data, job.file_format)
    except format_rows.BadSheet as error:
        finish([str(error)], "", Status.REFUSED)
        return Status.REFUSED
    job.rows_total = len(dataset)
    CatalogueImport.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
    _progress(job, 0)
    # The import's rows and the job's new status commit together, and only
    # while this is still the job's run: if the job was restarted meanwhile
    # (this worker seemed dead), the rows roll back and the new run imports
    # them, once.
    with transaction.atomic():
        result = format_rows.import_catalogue(
            dataset, dry_run=dry_run, progress=lambda done: _progress(job, done)
        )
        if format_rows.is_refused(result):
            status = Status.REFUSED
        else:
            status = Status.CHECKED if dry_run else Status.IMPORTED
        finish(list(format_rows.report_lines(result)), format_rows.summary(result), status)
    return status


def _progress(job, done):
    """How far the worker has got, and that it is alive (the job's page
    shows a job without a sign for SHOP_CATALOGUE_IMPORT_STALE_MINUTES as
    stopped): in the cache, which the import's transaction does not hide."""
    cache.set_many(
        {progress_key(job.pk): done, heartbeat_key(job.pk): time.time()},
        PROGRESS_SECONDS,
    )
