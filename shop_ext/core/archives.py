"""Reading zip archives that come from outside (an EPUB to stamp, a found
copy to trace) without letting one cost unbounded memory or CPU.

A zip bomb is small on disk and huge once inflated, so the upload and
stamping limits, which count compressed bytes, do not bound it. An archive
is opened only after its directory passes: at most SHOP_ARCHIVE_MAX_MEMBERS
members, declared sizes adding up to at most SHOP_ARCHIVE_MAX_UNPACKED_BYTES,
and no large member inflating more than SHOP_ARCHIVE_MAX_RATIO times. Declared
sizes can lie, so members are read in chunks, and the bytes actually inflated
are counted against the same limits: past them, reading stops.

zipfile builds an object for every member its central directory lists,
however many, so the directory's size and count are checked first, from the
end record and a walk over the directory's fixed-size headers.
"""

import contextlib
import os
import struct
import zipfile

from django.conf import settings

CHUNK_BYTES = 64 * 1024
# Small members may compress very well (a page of whitespace-indented XML);
# the ratio is checked only for members that declare more than this.
RATIO_CHECKED_FROM_BYTES = 1024 * 1024

# The end of central directory record sits within its 22 bytes and a comment
# of at most 64 KiB from the end; a ZIP64 archive keeps its counts in a ZIP64
# record that a locator right before the end record points to.
END_RECORD = struct.Struct("<4s4H2LH")
END_RECORD_SIGNATURE = b"PK\x05\x06"
END_SEARCH_BYTES = END_RECORD.size + 0xFFFF
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
ZIP64_END_RECORD_SIGNATURE = b"PK\x06\x06"
# A central directory header: its fixed part, then name, extra field, comment.
DIRECTORY_HEADER = struct.Struct("<4s24x3H12x")
DIRECTORY_HEADER_SIGNATURE = b"PK\x01\x02"
# Far more than a member's header with a long path takes; a larger directory
# is not one of an EPUB, however many members it lists.
DIRECTORY_BYTES_PER_MEMBER = 512


class UnsafeArchive(Exception):
    """The archive would cost too much to unpack; the message says why."""


def _megabytes(size):
    return f"{size / 2**20:.0f} MB"


def _too_many_members(count=None):
    """``count`` is None when counting stopped past the limit."""
    has = "more members" if count is None else f"{count} members,"
    return UnsafeArchive(
        f"The archive has {has} more than the {settings.SHOP_ARCHIVE_MAX_MEMBERS} "
        "allowed (SHOP_ARCHIVE_MAX_MEMBERS)."
    )


def _read_at(source, position, size):
    source.seek(position)
    return source.read(size)


def _directory_span(source):
    """Where the central directory starts and ends, and how many members
    its end record declares; zipfile.BadZipFile when there is no end record."""
    length = source.seek(0, os.SEEK_END)
    tail_start = max(length - END_SEARCH_BYTES, 0)
    tail = _read_at(source, tail_start, END_SEARCH_BYTES)
    found = tail.rfind(END_RECORD_SIGNATURE, 0, len(tail) - END_RECORD.size + len(END_RECORD_SIGNATURE))
    if found < 0:
        raise zipfile.BadZipFile("File is not a zip file (it has no end of central directory record).")
    *_, members, size, _offset, _comment_length = END_RECORD.unpack_from(tail, found)
    end = tail_start + found
    if end >= ZIP64_LOCATOR.size:
        locator = _read_at(source, end - ZIP64_LOCATOR.size, ZIP64_LOCATOR.size)
        if locator.startswith(ZIP64_LOCATOR_SIGNATURE):
            end -= ZIP64_LOCATOR.size + ZIP64_END_RECORD.size
            record = _read_at(source, max(end, 0), ZIP64_END_RECORD.size)
            if end < 0 or not record.startswith(ZIP64_END_RECORD_SIGNATURE):
                raise zipfile.BadZipFile("The zip file's ZIP64 end of central directory record is missing.")
            *_, members, size, _offset = ZIP64_END_RECORD.unpack(record)
    return end - size, end, members


def check_central_directory(source):
    """Refuse an archive by its central directory's size and member count,
    before zipfile reads it: the count its end record declares, then the
    headers actually there (the declared count may lie)."""
    start, end, declared = _directory_span(source)
    if declared > settings.SHOP_ARCHIVE_MAX_MEMBERS:
        raise _too_many_members(declared)
    if end - start > settings.SHOP_ARCHIVE_MAX_MEMBERS * DIRECTORY_BYTES_PER_MEMBER:
        raise UnsafeArchive(
            f"The archive's central directory is {end - start} bytes, out of proportion to the "
            f"{settings.SHOP_ARCHIVE_MAX_MEMBERS} members allowed (SHOP_ARCHIVE_MAX_MEMBERS)."
        )
    if start < 0:
        raise zipfile.BadZipFile("The zip file's central directory starts before the file does.")
    position, members = start, 0
    while position < end:
        header = _read_at(source, position, DIRECTORY_HEADER.size)
        if len(header) < DIRECTORY_HEADER.size or not header.startswith(DIRECTORY_HEADER_SIGNATURE):
            raise zipfile.BadZipFile("The zip file's central directory is damaged.")
        members += 1
        if members > settings.SHOP_ARCHIVE_MAX_MEMBERS:
            raise _too_many_members()
        _signature, *lengths = DIRECTORY_HEADER.unpack(header)
        position += DIRECTORY_HEADER.size + sum(lengths)
    source.seek(0)


def check_directory(members):
    """Refuse an archive by its directory alone, before inflating anything."""
    if len(members) > settings.SHOP_ARCHIVE_MAX_MEMBERS:
        raise _too_many_members(len(members))
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
        self._resources = contextlib.ExitStack()
        with self._resources as resources:
            if isinstance(source, (str, os.PathLike)):
                source = resources.enter_context(open(source, "rb"))  # noqa: SIM115 (the stack closes it)
            check_central_directory(source)
            self._zip = resources.enter_context(zipfile.ZipFile(source))
            check_directory(self._zip.infolist())
            self._resources = resources.pop_all()
        self.inflated = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self._resources.close()

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
