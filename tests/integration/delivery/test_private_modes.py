"""What the app writes below the private root is readable by the web
server's group (www-data in a deployment) and by nobody else."""

import grp
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import TemporaryUploadedFile

from shop_ext.core.storage import PRIVATE_FILE_MODE, make_private_dirs, private_storage
from tests.integration.delivery.test_downloads import zip_url

pytestmark = pytest.mark.django_db
NOBODY = 65534


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_product_files_and_the_order_zip_are_0640_in_0750_directories(client, paid_order, settings):
    assert client.get(zip_url(paid_order)).status_code == 200
    private_root = Path(settings.SENDFILE_ROOT)
    [zip_file] = private_root.glob("zips/order-*/*.zip")
    product_files = [grant.file.file.path for grant in paid_order.download_grants.select_related("file")]
    for path in [zip_file, *product_files]:
        assert mode(path) == PRIVATE_FILE_MODE == 0o640, path
    for directory in {zip_file.parent, zip_file.parent.parent, *(Path(p).parent for p in product_files)}:
        assert mode(directory) & 0o777 == 0o750, directory


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the private root group www-data")
def test_the_app_user_outside_group_www_data_keeps_files_in_that_group(settings):
    """As deployed: the app's user is not in group www-data, the private root
    is <app>:www-data 2750, the umask 0027 (deploy/shop.service). Every
    directory and file the app creates below it ends up in group www-data,
    an upload spooled to a temporary file (above 2.5 MB) as well."""
    www_data = grp.getgrnam("www-data").gr_gid
    base = Path(tempfile.mkdtemp())  # below /tmp, which nobody may traverse
    try:
        base.chmod(0o755)
        private_root = base / "private"
        private_root.mkdir()
        os.chown(private_root, NOBODY, www_data)
        private_root.chmod(0o2750)
        settings.SENDFILE_ROOT = str(private_root)
        pid = os.fork()
        if pid == 0:  # the child becomes the app user
            status = 1
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                os.umask(0o027)
                private_storage.save("products/deep/er/book.epub", ContentFile(b"PK\x03\x04 book"))
                with TemporaryUploadedFile("big.pdf", "application/pdf", 9, None) as upload:
                    upload.write(b"%PDF-1.7 big")
                    private_storage.save("products/deep/big.pdf", upload)
                make_private_dirs(private_root / "zips" / "order-1")
                status = 0
            finally:
                os._exit(status)
        assert os.waitpid(pid, 0)[1] == 0
        created = list(private_root.rglob("*"))
        assert {p.relative_to(private_root).as_posix() for p in created} == {
            "products",
            "products/deep",
            "products/deep/er",
            "products/deep/er/book.epub",
            "products/deep/big.pdf",
            "zips",
            "zips/order-1",
        }
        assert (private_root / "products/deep/big.pdf").read_bytes() == b"%PDF-1.7 big"
        for path in created:
            assert (path.stat().st_uid, path.stat().st_gid) == (NOBODY, www_data), path
            assert mode(path) == (0o2750 if path.is_dir() else 0o640), path
    finally:
        shutil.rmtree(base)
