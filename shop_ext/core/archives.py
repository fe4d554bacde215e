"""Reading zip archives that come from outside (an EPUB to stamp, a found
copy to trace) without letting one cost unbounded memory or CPU.

A zip bomb is small on disk and huge once inflated, so the upload and
stamping limits, which count compressed bytes, do not bound it. An archive
is opened only after its directory passes: at most SHOP_ARCHIVE_MAX_MEMBERS
members, declared sizes adding up to at most SHOP_ARCHIVE_MAX_UNPACKED_BYTES,
and no large member inflating more than SHOP_ARCHIVE_MAX_RATIO times. Declared
sizes can lie, so members are read in chunks, and the bytes actually inflated
are counted against the same limits: past them, reading stops.
"""

import zipfile

from django.conf import settings

CHUNK_BYTES = 64 * 1024
# Small members may compress very well (a page of whitespace-indented XML);
# the ratio is checked only for members that declare more than this.
RATIO_CHECKED_FROM_BYTES = 1024 * 1024


class UnsafeArchive(Exception):
    """The archive would cost too much to unpack; the message says why."""


def _megabytes(size):
    return f"{size / 2**20:.0f} MB"


def check_directory(members):
    """Refuse an archive by its directory alone, before inflating anything."""
    if len(members) > settings.SHOP_ARCHIVE_MAX_MEMBERS:
        raise UnsafeArchive(
            f"The archive has {len(members)} members, more than the {settings.SHOP_ARCHIVE_MAX_MEMBERS} "
            "allowed (SHOP_ARCHIVE_MAX_MEMBERS)."
        )
    declared = sum(member.file_size for member in members)
    if declared > settings.SHOP_ARCHIVE_MAX_UNPACKED_BYTES:
        raise UnsafeArchive(
            f"The archive unpacks to {_megabytes(declared)}, more than the "
            f"{_megabytes(settings.SHOP_ARCHIVE_MAX_UNPACKED_BYTES)} allowed "
            "(SHOP_ARCHIVE_MAX_UNPACKED_BYTES)."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM_BYTES and ratio > settings.SHOP_ARCHIVE_MAX_RATIO:
            raise UnsafeArchive(
                f"The archive's member {member.filename!r} unpacks to {ratio:.0f} times its packed size, "
                f"more than the {settings.SHOP_ARCHIVE_MAX_RATIO} allowed (SHOP_ARCHIVE_MAX_RATIO): "
                "it looks like a zip bomb."
            )


class BoundedZip:
    """A zip archive opened for reading whose directory passed
    check_directory; its members are read only through ``read`` and
    ``copy``, which count every byte inflated. Raises zipfile.BadZipFile for
    a file that is not a zip, UnsafeArchive for one too costly to unpack."""

    def __init__(self, source):
        self._zip = zipfile.ZipFile(source)
        try:
            check_directory(self._zip.infolist())
        except UnsafeArchive:
            self._zip.close()
            raise
        self.inflated = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self._zip.close()

    def infolist(self):
        return self._zip.infolist()

    def namelist(self):
        return self._zip.namelist()

    def _chunks(self, member, limit):
        """The member's bytes in chunks; UnsafeArchive as soon as more come
        out than it declared, than ``limit``, or than the archive may unpack."""
        if isinstance(member, str):
            member = self._zip.getinfo(member)  # KeyError when missing, as zipfile does
        if member.file_size > limit:
            raise UnsafeArchive(
                f"The archive's member {member.filename!r} is {_megabytes(member.file_size)}, "
                f"more than the {_megabytes(limit)} it may hold."
            )
        read = 0
        with self._zip.open(member) as data:
            while chunk := data.read(CHUNK_BYTES):
                read += len(chunk)
                self.inflated += len(chunk)
                if read > min(member.file_size, limit):
                    raise UnsafeArchive(
                        f"The archive's member {member.filename!r} unpacks to more than it declares."
                    )
                if self.inflated > settings.SHOP_ARCHIVE_MAX_UNPACKED_BYTES:
                    raise UnsafeArchive(
                        "The archive unpacks to more than the "
                        f"{_megabytes(settings.SHOP_ARCHIVE_MAX_UNPACKED_BYTES)} allowed "
                        "(SHOP_ARCHIVE_MAX_UNPACKED_BYTES)."
                    )
                yield chunk

    def read(self, member, limit):
        """A member (a name or ZipInfo) that is read whole, e.g. to parse it:
        at most ``limit`` bytes, else UnsafeArchive."""
        return b"".join(self._chunks(member, limit))

    def copy(self, member, out):
        """Stream a member into the writable file ``out``, chunk by chunk."""
        for chunk in self._chunks(member, settings.SHOP_ARCHIVE_MAX_UNPACKED_BYTES):
            out.write(chunk)
