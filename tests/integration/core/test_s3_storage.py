"""Private files on S3 (SHOP_PRIVATE_STORAGE=s3), against a real S3 API:
moto's server, a local process (tests/s3_server.py). Product files and
their versions, order zips and stamped copies live in the bucket only."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from shop_ext.delivery.tasks import build_stamped_copy, stamped_copy
from shop_ext.delivery.zips import order_zip, zip_files, zip_name, zip_size
from shop_ext.models import ProductFile
from tests.factories import EPUB, PDF
from tests.s3_server import s3_client

pytestmark = pytest.mark.django_db


def objects(storage):
    """{key: bytes} of every object in the storage's bucket."""
    client = s3_client(storage.endpoint_url)
    listed = client.list_objects_v2(Bucket=storage.bucket_name).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket=storage.bucket_name, Key=o["Key"])["Body"].read() for o in listed
    }


def streamed(storage, name):
    with storage.stream(name) as source:
        return b"".join(iter(lambda: source.read(7), b""))


def test_product_files_are_saved_streamed_and_deleted_in_the_bucket(
    s3_private_storage, book, settings, tmp_path
):
    stored = {f.file.name: f for f in ProductFile.objects.filter(product=book)}
    assert set(objects(s3_private_storage)) == set(stored)
    assert not (tmp_path / "private").exists()  # nothing on local disk
    for name, product_file in stored.items():
        data = streamed(s3_private_storage, name)
        assert data in (EPUB, PDF)
        assert hashlib.sha256(data).hexdigest() == product_file.sha256 == product_file.current_version.sha256
        assert s3_private_storage.size(name) == product_file.size
    name = next(iter(stored))
    s3_private_storage.delete(name)
    assert not s3_private_storage.exists(name)
    assert name not in objects(s3_private_storage)


def test_a_new_upload_is_a_new_object_and_the_old_version_keeps_its_own(s3_private_storage, book):
    product_file = ProductFile.objects.filter(product=book).first()
    first = product_file.file.name
    product_file.file = ContentFile(b"PK\x03\x04 second edition", name="almanac.epub")
    product_file.save()
    bucket = objects(s3_private_storage)
    assert bucket[product_file.file.name] == b"PK\x03\x04 second edition"
    assert bucket[first] in (EPUB, PDF)


def test_private_files_have_no_url(s3_private_storage, book):
    product_file = ProductFile.objects.filter(product=book).first()
    with pytest.raises(ValueError, match="no URL"):
        product_file.file.url  # noqa: B018 (the property raises)


def test_the_order_zip_is_built_from_the_bucket_into_the_bucket(s3_private_storage, paid_order, tmp_path):
    files = zip_files(paid_order)
    assert zip_size(paid_order, files) == 0
    name = order_zip(paid_order, files)
    assert name == zip_name(paid_order, files)
    built = objects(s3_private_storage)[name]
    assert zip_size(paid_order, files) == len(built)
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        assert sorted(hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()) == sorted(
            v.sha256 for v in files
        )
    assert order_zip(paid_order, files) == name  # built once
    assert not (tmp_path / "private").exists()


def test_a_new_zip_replaces_the_stale_one(s3_private_storage, paid_order):
    first = order_zip(paid_order, zip_files(paid_order))
    product_file = ProductFile.objects.filter(product=paid_order.download_grants.first().file.product).first()
    product_file.file = ContentFile(b"PK\x03\x04 second edition", name="almanac.epub")
    product_file.save()
    second = order_zip(paid_order, zip_files(paid_order))
    zips = [key for key in objects(s3_private_storage) if key.startswith("zips/")]
    assert second != first
    assert zips == [second]


def test_a_zip_that_fails_half_way_leaves_nothing_in_the_bucket(s3_private_storage, paid_order, monkeypatch):
    from shop_ext.delivery import zips

    def broken(archive, version, member):
        archive.writestr(member, b"half")
        raise OSError("disk full")

    monkeypatch.setattr(zips, "_add_member", broken)
    with pytest.raises(OSError, match="disk full"):
        order_zip(paid_order, zip_files(paid_order))
    assert not [key for key in objects(s3_private_storage) if key.startswith("zips/")]


@pytest.fixture
def stamped_pdf_grant(s3_private_storage, db, buy):
    from shop_demo.media import pdf_bytes
    from shop_ext.models import DownloadPolicy
    from tests.factories import book_with_files

    pdf = pdf_bytes("Salt Roads", "Mara Quill", "The road ran along the salt flats.", pages=3)
    book = book_with_files(title="Salt Roads", files=(("salt.pdf", pdf),))
    DownloadPolicy.objects.create(product=book, stamp_copies=True)
    order = buy(book, "eBook")
    return order.download_grants.select_related("file__current_version", "order").get()


def test_a_stamped_copy_is_made_from_the_bucket_into_the_bucket(s3_private_storage, stamped_pdf_grant):
    grant = stamped_pdf_grant
    copy = stamped_copy(grant, grant.file.current_version, create=True)
    build_stamped_copy.apply(args=[copy.pk])
    copy.refresh_from_db()
    assert copy.status == copy.READY
    data = objects(s3_private_storage)[copy.file.name]
    assert copy.file.name.startswith(f"stamped/order-{grant.order_id}/")
    assert hashlib.sha256(data).hexdigest() == copy.sha256
    assert len(data) == copy.size
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata["/ShopCopyId"] == copy.copy_id
    assert len(reader.pages) == 3
