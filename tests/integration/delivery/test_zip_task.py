"""The zip task, run eagerly: it builds the order's zip once, and a second
run (a redelivered task) reuses it."""

import zipfile
from pathlib import Path

import pytest

from shop_ext.core.storage import private_storage
from shop_ext.delivery.tasks import build_order_zip
from shop_ext.delivery.zips import zip_files, zip_name

pytestmark = pytest.mark.django_db


def test_the_task_builds_the_zip_once(paid_order):
    target = Path(private_storage.path(zip_name(paid_order, zip_files(paid_order))))
    assert not target.exists()
    build_order_zip.apply(args=[paid_order.pk])
    built = target.stat()
    with zipfile.ZipFile(target) as archive:
        assert len(archive.namelist()) == 2
    build_order_zip.apply(args=[paid_order.pk])
    assert target.stat().st_mtime_ns == built.st_mtime_ns


def test_the_task_for_an_order_that_is_gone_does_nothing(paid_order):
    order_id = paid_order.pk
    paid_order.delete()
    assert build_order_zip.apply(args=[order_id]).successful()
