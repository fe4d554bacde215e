"""manage.py move_private_files --to s3: every private file copied to the
bucket under its name, checked by SHA-256, safe to run twice; the shop then
serves from the bucket."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from shop_ext.delivery.zips import order_zip, zip_files
from shop_ext.models import ProductFileVersion
from tests.s3_server import new_bucket, s3_client, storage_options

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(settings, s3_endpoint):
    name = new_bucket(s3_endpoint)
    settings.SHOP_S3_PRIVATE_BUCKET = name
    settings.PRIVATE_S3_STORAGE = storage_options(s3_endpoint, name)
    return name


def run():
    out = io.StringIO()
    call_command("move_private_files", "--to", "s3", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def bucket_objects(endpoint, bucket):
    client = s3_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_every_private_file_is_copied_once_and_checked(paid_order, bucket, s3_endpoint, settings):
    built_zip = order_zip(paid_order, zip_files(paid_order))
    assert "3 copied, 0 already" in run()
    copied = bucket_objects(s3_endpoint, bucket)
    assert set(copied) == {*ProductFileVersion.objects.values_list("file", flat=True), built_zip}
    for version in ProductFileVersion.objects.all():
        assert hashlib.sha256(copied[version.file.name]).hexdigest() == version.sha256
    assert "0 copied, 3 already" in run()  # safe to run twice


def test_a_copy_that_differs_is_copied_again(paid_order, bucket, s3_endpoint):
    run()
    version = ProductFileVersion.objects.first()
    s3_client(s3_endpoint).put_object(Bucket=bucket, Key=version.file.name, Body=b"damaged")
    assert "1 copied, 1 already" in run()
    assert (
        hashlib.sha256(bucket_objects(s3_endpoint, bucket)[version.file.name]).hexdigest() == version.sha256
    )


def test_after_the_move_the_shop_serves_from_the_bucket(client, paid_order, bucket, s3_endpoint, settings):
    run()
    settings.STORAGES = {**settings.STORAGES, "private": storage_options(s3_endpoint, bucket)}
    grant = paid_order.download_grants.first()
    response = client.get(f"/account/orders/{paid_order.pk}/files/{grant.pk}/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith("/protected-s3/")


def test_a_file_missing_on_disk_is_named_and_fails_the_command(paid_order, bucket, settings):
    from pathlib import Path

    version = ProductFileVersion.objects.first()
    Path(settings.SENDFILE_ROOT, version.file.name).unlink()
    with pytest.raises(CommandError, match="missing on disk"):
        run()


def test_without_a_bucket_it_says_what_to_set(settings):
    settings.SHOP_S3_PRIVATE_BUCKET = ""
    with pytest.raises(CommandError, match="Set SHOP_S3_PRIVATE_BUCKET"):
        run()
