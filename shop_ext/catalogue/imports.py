"""Catalogue imports from the admin run in the Celery worker, not in the
editor's request (docs/catalogue-import.md). The upload is kept in private
storage as a CatalogueImport and checked by the worker (shop_ext.catalogue.
tasks); the editor reads the report and confirms; the worker imports that
same stored file. This is the request's side."""

from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop_ext.catalogue import tasks
from shop_ext.models import CatalogueImport

Status = CatalogueImport.Status
STEP_TASKS = {Status.CHECKING: tasks.check_catalogue_import, Status.IMPORTING: tasks.run_catalogue_import}


def start(upload, file_format, user):
    """Keep ``upload`` and have the worker check it; the new job."""
    job = CatalogueImport.objects.create(
        created_by=user, file=upload, file_format=file_format, heartbeat_at=timezone.now()
    )
    transaction.on_commit(partial(tasks.check_catalogue_import.delay, job.pk, job.run))
    return job


def confirm(job):
    """Have the worker import a checked job's file; False when it is not
    (or no longer) waiting for confirmation. One conditional UPDATE: of two
    confirmations at once, one moves the job on, the other finds nothing
    to move, so the file is imported once."""
    confirmed = CatalogueImport.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING, rows_done=0, heartbeat_at=timezone.now()
    )
    if confirmed:
        transaction.on_commit(partial(tasks.run_catalogue_import.delay, job.pk, job.run))
    return bool(confirmed)


def rows_done(job):
    """How many rows the worker has read so far (the stored count once done)."""
    if not job.is_running:
        return job.rows_done
    return cache.get(tasks.progress_key(job.pk), 0)


def last_heartbeat(job):
    """When the job's worker last showed a sign of life (or the job was queued)."""
    beats = [job.heartbeat_at or job.created_at]
    cached = cache.get(tasks.heartbeat_key(job.pk))
    if cached is not None:
        beats.append(datetime.fromtimestamp(cached, tz=UTC))
    return max(beats)


def is_stopped(job):
    """A checking or importing job no worker has shown a sign for in
    SHOP_CATALOGUE_IMPORT_STALE_MINUTES: its worker died, or its retries ran
    out. Nothing of it was written (one transaction); it can run again."""
    stale = timedelta(minutes=settings.SHOP_CATALOGUE_IMPORT_STALE_MINUTES)
    return job.is_running and last_heartbeat(job) < timezone.now() - stale


def restart(job):
    """Queue a stopped job's step (its check, or its confirmed import) again;
    False when it is not stopped. One conditional UPDATE on the run the
    editor saw: of two restarts at once one queues the task, and a worker of
    the earlier run that was not dead after all writes nothing
    (tasks.Superseded), so a confirmed file is imported once."""
    if not is_stopped(job):
        return False
    restarted = CatalogueImport.objects.filter(pk=job.pk, status=job.status, run=job.run).update(
        run=F("run") + 1, rows_done=0, heartbeat_at=timezone.now()
    )
    if restarted:
        cache.delete_many([tasks.progress_key(job.pk), tasks.heartbeat_key(job.pk)])
        transaction.on_commit(partial(STEP_TASKS[job.status].delay, job.pk, job.run + 1))
    return bool(restarted)
