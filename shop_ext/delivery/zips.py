"""One zip per order content, built in private storage.

The zip is named by a digest of what goes into it, so it is built once and
reused until a file of the order changes. It is written whole or not at all
(private_storage.writer: a temporary file renamed into place on disk, or
uploaded once complete to S3), so a reader never sees half a zip, and
members are streamed from storage in chunks, so memory does not grow with
the files' sizes.
"""

import hashlib
import posixpath
import shutil
import zipfile

from shop_ext.core.storage import COPY_CHUNK, private_storage
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


def zip_name(order, files):
    """This order's zip for exactly these files: its name in private storage."""
    digest = hashlib.sha256()
    for version in files:
        digest.update(f"{version.pk}:{version.sha256}:{version.download_name}\n".encode())
    return f"zips/order-{order.pk}/{digest.hexdigest()[:24]}.zip"


def zip_size(order, files):
    """The size of the order's zip of these files; 0 when it is not built."""
    name = zip_name(order, files)
    return private_storage.size(name) if private_storage.exists(name) else 0


def order_zip(order, files):
    """The storage name of the order's zip, building it first if needed."""
    name = zip_name(order, files)
    if private_storage.exists(name):
        return name
    with private_storage.writer(name) as out, zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for version, member in _member_names(files):
            _add_member(archive, version, member)
    directory, _built = posixpath.split(name)
    _directories, stale = private_storage.listdir(directory)
    for other in stale:
        if posixpath.join(directory, other) != name:
            private_storage.delete(posixpath.join(directory, other))
    return name


def _add_member(archive, version, member):
    """Stream ``version``'s file from storage into the zip as ``member``."""
    info = zipfile.ZipInfo(member, date_time=version.uploaded_at.timetuple()[:6])
    info.compress_type = compression_for(version.content_type)
    info.external_attr = 0o644 << 16
    # The size is known: zipfile writes ZIP64 headers for a member over 2 GB.
    info.file_size = version.size
    with private_storage.stream(version.file.name) as source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, COPY_CHUNK)
