"""Catalogue imports from the admin run in the Celery worker, not in the
editor's request (docs/catalogue-import.md). The upload is kept in private
storage as a CatalogueImport and checked by the worker (shop_ext.catalogue.
tasks); the editor reads the report and confirms; the worker imports that
same stored file. This is the request's side."""

from functools import partial

from django.core.cache import cache
from django.db import transaction

from shop_ext.catalogue import tasks
from shop_ext.models import CatalogueImport

Status = CatalogueImport.Status


def start(upload, file_format, user):
    """Keep ``upload`` and have the worker check it; the new job."""
    job = CatalogueImport.objects.create(created_by=user, file=upload, file_format=file_format)
    transaction.on_commit(partial(tasks.check_catalogue_import.delay, job.pk))
    return job


def confirm(job):
    """Have the worker import a checked job's file; False when it is not
    (or no longer) waiting for confirmation. One conditional UPDATE: of two
    confirmations at once, one moves the job on, the other finds nothing
    to move, so the file is imported once."""
    confirmed = CatalogueImport.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING, rows_done=0
    )
    if confirmed:
        transaction.on_commit(partial(tasks.run_catalogue_import.delay, job.pk))
    return bool(confirmed)


def rows_done(job):
    """How many rows the worker has read so far (the stored count once done)."""
    if not job.is_running:
        return job.rows_done
    return cache.get(tasks.progress_key(job.pk), 0)
