"""Mezzanine's media library (filebrowser-safe) with public media in a
bucket (SHOP_MEDIA_STORAGE=s3, moto's server: tests/s3_server.py): staff
browse, make a folder, upload, replace and delete through its pages, and a
thumbnail made of an upload is stored in the bucket, where MEDIA_URL
points."""

import io

import pytest
import requests
from django.template import Context, Template
from PIL import Image

from tests.s3_server import new_bucket, s3_client, storage_options

pytestmark = pytest.mark.django_db

LIBRARY = "/admin/media-library"


@pytest.fixture
def media_bucket(settings, s3_endpoint):
    """Public media in a new bucket, as the settings make them for SHOP_MEDIA_STORAGE=s3."""
    bucket = new_bucket(s3_endpoint)
    s3_client(s3_endpoint).put_bucket_acl(Bucket=bucket, ACL="public-read")  # media are public
    options = storage_options(s3_endpoint, bucket)["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "shop_ext.core.storage.MediaS3Storage",
            "OPTIONS": {**options, "querystring_auth": False, "file_overwrite": False},
        },
    }
    settings.MEDIA_URL = f"{s3_endpoint}/{bucket}/"
    return bucket


def keys(endpoint, bucket):
    return {o["Key"] for o in s3_client(endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])}


def png(colour):
    out = io.BytesIO()
    Image.new("RGB", (120, 180), colour).save(out, "PNG")
    return out.getvalue()


def upload(staff, name, data, folder=""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, data, content_type="image/png")
    return staff.post(f"{LIBRARY}/upload_file/", {"folder": folder, "Filedata": file})


def test_staff_keep_folders_and_images_in_the_bucket(staff, media_bucket, s3_endpoint, tmp_path):
    assert staff.get(f"{LIBRARY}/browse/").status_code == 200

    made = staff.post(f"{LIBRARY}/mkdir/", {"dir_name": "covers"})
    assert made.status_code == 302
    assert "uploads/covers/.folder" in keys(s3_endpoint, media_bucket)
    assert (tmp_path / "media").exists() is False  # nothing on this host's disk

    assert upload(staff, "cover.png", png("red")).content == b"True"
    listing = staff.get(f"{LIBRARY}/browse/").content.decode()
    assert "covers" in listing
    assert "cover.png" in listing
    assert ".folder" not in listing

    # The same name again replaces the image (an upload under a new name, then a move).
    assert upload(staff, "cover.png", png("blue")).content == b"True"
    stored = s3_client(s3_endpoint).get_object(Bucket=media_bucket, Key="uploads/cover.png")["Body"].read()
    assert Image.open(io.BytesIO(stored)).getpixel((0, 0)) == (0, 0, 255)
    assert keys(s3_endpoint, media_bucket) == {
        "uploads/.folder",
        "uploads/covers/.folder",
        "uploads/cover.png",
    }

    deleted = staff.post(f"{LIBRARY}/delete/?dir=&filename=covers&filetype=Folder")
    assert deleted.status_code == 302
    assert keys(s3_endpoint, media_bucket) == {"uploads/.folder", "uploads/cover.png"}


def test_a_thumbnail_is_made_into_the_bucket_and_served_from_it(staff, media_bucket, s3_endpoint, settings):
    assert upload(staff, "cover.png", png("green")).content == b"True"

    url = Template(
        "{% load mezzanine_tags %}{{ MEDIA_URL }}{% thumbnail 'uploads/cover.png' 60 90 %}"
    ).render(Context({"MEDIA_URL": settings.MEDIA_URL}))

    assert url == f"{settings.MEDIA_URL}uploads/.thumbnails/cover.png/cover-60x90.png"
    served = requests.get(url, timeout=10)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (60, 90)
