"""Facts about an uploaded product file, worked out from its bytes."""

import hashlib
import mimetypes
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import filetype

HEAD_BYTES = 8192
# filetype reports EPUBs and font files under older names.
_CANONICAL_TYPES = {
    "application/font-woff": "font/woff",
    "application/font-sfnt": "font/ttf",
}


# Path separators would make a saved name a path (or cut it, as a browser
# keeps only what follows the last one); a double quote ends the quoted
# filename in Content-Disposition.
_STAND_INS = str.maketrans({"/": "-", "\\": "-", '"': "'"})


def clean_filename(name):
    """The last path component of an uploaded file's name, made safe (see
    safe_name). Never used as a storage path."""
    return safe_name(PureWindowsPath(PurePosixPath(name or "").name).name) or "download"


def safe_name(name):
    """``name`` fit to name a saved file, for display and Content-Disposition:
    no path separators, double quotes or control characters, runs of spaces
    made one; empty if nothing is left."""
    name = "".join(ch for ch in name.translate(_STAND_INS) if unicodedata.category(ch)[0] != "C")
    return " ".join(name.split()).strip(" .-")[:200]


def sniff_content_type(head, filename):
    """Content type from the file's leading bytes, else from its name."""
    kind = filetype.guess(head)
    if kind is not None:
        mime = _CANONICAL_TYPES.get(kind.mime, kind.mime)
        # A ZIP container may be a more specific format known by its name.
        if mime != "application/zip":
            return mime
    guessed, _encoding = mimetypes.guess_type(filename)
    if guessed:
        return guessed
    return "application/zip" if kind is not None else "application/octet-stream"


def describe(uploaded):
    """Size, SHA-256, sniffed content type and clean name of a Django File,
    read in chunks so memory does not grow with the file."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
    uploaded.seek(0)
    name = clean_filename(uploaded.name)
    return {
        "size": size,
        "sha256": digest.hexdigest(),
        "content_type": sniff_content_type(head, name),
        "original_filename": name,
    }
