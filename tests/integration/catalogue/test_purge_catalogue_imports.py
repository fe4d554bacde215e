"""manage.py purge_catalogue_imports: finished imports uploaded more than
SHOP_CATALOGUE_IMPORTS_KEEP_DAYS ago go, with the file each kept in private
storage; newer ones and running ones stay."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from shop_ext.models import CatalogueImport

pytestmark = pytest.mark.django_db
Status = CatalogueImport.Status


def job(user, status, age_days):
    made = CatalogueImport.objects.create(
        created_by=user,
        file=SimpleUploadedFile("books.csv", b"title,format,price\n"),
        file_format="csv",
        status=status,
    )
    CatalogueImport.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return made


def test_old_finished_imports_go_with_their_files_running_and_recent_ones_stay(admin_user, settings):
    settings.SHOP_CATALOGUE_IMPORTS_KEEP_DAYS = 90
    old = [job(admin_user, status, 91) for status in (Status.CHECKED, Status.IMPORTED, Status.FAILED)]
    running = [job(admin_user, status, 200) for status in CatalogueImport.RUNNING]
    recent = job(admin_user, Status.IMPORTED, 89)
    storage = recent.file.storage

    call_command("purge_catalogue_imports", stdout=None)

    kept = set(CatalogueImport.objects.values_list("pk", flat=True))
    assert kept == {recent.pk, *(j.pk for j in running)}
    for gone in old:
        assert not storage.exists(gone.file.name)
    for stays in [recent, *running]:
        assert storage.exists(stays.file.name)


def test_it_says_how_many_it_deleted(admin_user, capsys):
    job(admin_user, Status.REFUSED, 365)
    call_command("purge_catalogue_imports")
    assert "1 catalogue import(s) from before" in capsys.readouterr().out
