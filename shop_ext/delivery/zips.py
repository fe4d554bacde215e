"""One zip per order content, built on disk in private storage.

The zip is named by a digest of what goes into it, so it is built once and
reused until a file of the order changes. It is written to a temporary file
and renamed into place, so a reader never sees half a zip, and members are
copied in chunks, so memory does not grow with the files' sizes.
"""

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings

from shop_ext.core.storage import PRIVATE_FILE_MODE, make_private_dirs
from shop_ext.delivery import stamping
from shop_ext.delivery.grants import SERVED_VERSION_RELATED, served_version
from shop_ext.models import files_of_its_type

# Formats that are compressed already: deflating them again costs CPU for nothing.
_STORED_TYPES = {
    "application/zip",
    "application/epub+zip",
    "application/pdf",
    "application/gzip",
    "application/x-7z-compressed",
    "font/woff",
    "font/woff2",
}
_STORED_MAJOR = {"audio", "video", "image"}


def compression_for(content_type):
    if content_type in _STORED_TYPES or content_type.split("/")[0] in _STORED_MAJOR:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def _member_names(files):
    """Unique names inside the zip, keeping each file's extension."""
    seen = set()
    for version in files:
        name = version.download_name
        stem, dot, suffix = name.rpartition(".")
        n = 1
        while name.lower() in seen:
            n += 1
            name = f"{stem} ({n}).{suffix}" if dot else f"{suffix} ({n})"
        seen.add(name.lower())
        yield version, name


def in_zip(grant, version):
    """Does the order's zip hold ``version``, served by ``grant``? Not when
    the grant is revoked, nor when it is stamped (each buyer's copy is
    downloaded on its own)."""
    return grant.revoked_at is None and not stamping.applies(grant.file.product, version)


def for_zip(grants):
    """``grants`` (a query) with what files_in_zip reads joined or
    annotated: no query per grant."""
    named = grants.annotate(files_of_its_type=files_of_its_type("file"))
    return named.select_related(*SERVED_VERSION_RELATED)


def files_in_zip(grants):
    """The file versions the zip of ``grants`` (one order's, read through
    for_zip) holds, each knowing its name in the zip."""
    files = []
    for grant in grants:
        version = served_version(grant)
        if in_zip(grant, version):
            grant.file.download_name = grant.file.name_for_buyer(grant.files_of_its_type)
            files.append(version)
    return files


def zip_files(order):
    """The file versions an order's zip holds."""
    return files_in_zip(for_zip(order.download_grants.all()))


def zip_path(order, files):
    """Where this order's zip for exactly these files lives."""
    digest = hashlib.sha256()
    for version in files:
        digest.update(f"{version.pk}:{version.sha256}:{version.download_name}\n".encode())
    return Path(settings.SENDFILE_ROOT) / "zips" / f"order-{order.pk}" / f"{digest.hexdigest()[:24]}.zip"


def order_zip(order, files):
    """The path of the order's zip, building it first if needed."""
    target = zip_path(order, files)
    if target.exists():
        return target
    make_private_dirs(target.parent)
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, zipfile.ZipFile(out, "w", allowZip64=True) as archive:
            for version, name in _member_names(files):
                archive.write(
                    version.file.path,
                    arcname=name,
                    compress_type=compression_for(version.content_type),
                )
        # mkstemp makes the file 0600: nginx's worker could not read it.
        os.chmod(temporary, PRIVATE_FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for stale in target.parent.glob("*.zip"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return target
