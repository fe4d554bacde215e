"""check_delivery's look at the private bucket (SHOP_PRIVATE_STORAGE=s3):
a missing bucket, an unreachable endpoint, a refused key and a public bucket each fail
with the fix named."""

import io

import pytest

from shop_ext.management.commands.check_delivery import Command
from tests.s3_server import s3_client


def report(settings, **options):
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**private, "OPTIONS": {**private["OPTIONS"], **options}},
    }
    settings.SHOP_PRIVATE_STORAGE = "s3"
    settings.SHOP_S3_PRIVATE_BUCKET = settings.STORAGES["private"]["OPTIONS"]["bucket_name"]
    command = Command(stdout=io.StringIO())
    command.failures = 0
    command.check_private_bucket()
    return command.failures, command.stdout.getvalue()


def test_a_private_bucket_that_answers_passes(s3_private_storage, settings):
    failures, text = report(settings)
    assert failures == 0
    assert "PASS  private bucket" in text
    assert "grants nothing to everyone" in text


def test_a_missing_bucket_names_the_fix(s3_private_storage, settings):
    failures, text = report(settings, bucket_name="no-such-bucket")
    assert failures == 1
    assert "fix: create the bucket no-such-bucket" in text


def test_an_unreachable_endpoint_names_the_fix(s3_private_storage, settings):
    failures, text = report(settings, endpoint_url="http://127.0.0.1:9")
    assert failures == 1
    assert "cannot be reached from this host" in text


def test_wrong_credentials_name_the_fix(s3_private_storage, settings, s3_endpoint_checking_keys):
    failures, text = report(settings, endpoint_url=s3_endpoint_checking_keys)
    assert failures == 1
    assert "FAIL  private bucket" in text
    assert "SHOP_S3_ACCESS_KEY_ID / SHOP_S3_SECRET_ACCESS_KEY are wrong" in text


@pytest.mark.parametrize("acl", ["public-read", "authenticated-read"])
def test_a_public_bucket_fails(s3_private_storage, settings, acl):
    s3_client(s3_private_storage.endpoint_url).put_bucket_acl(Bucket=s3_private_storage.bucket_name, ACL=acl)
    failures, text = report(settings)
    assert failures == 1
    assert "turn Block Public Access on" in text
