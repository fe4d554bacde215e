"""Per-buyer stamped copies of PDF and EPUB files, and reading a found
copy's identifier back (the leak trace).

A PDF gets one small line at the foot of every page ("Licensed to <name>,
<email>, order <number> · copy <id>") merged over the page, plus document
metadata; pypdf clones the document, so its pages, text, links and outline
stay as they were. An EPUB gets a licence page (added to the manifest and
the end of the spine) and OPF metadata, and is written again with
``mimetype`` first and stored. Why pypdf and zipfile: docs/architecture.md,
"Stamped copies".
"""

import hashlib
import io
import re
import secrets
import zipfile
from contextlib import contextmanager
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.pdfgen import canvas

from shop_ext.core import archives
from shop_ext.core.storage import private_storage

PDF = "application/pdf"
EPUB = "application/epub+zip"
STAMPABLE_TYPES = {PDF, EPUB}
# The document-information key that carries the copy's identifier.
PDF_COPY_ID_KEY = "/ShopCopyId"
EPUB_COPY_ID_META = "shop-copy-id"
LICENCE_PAGE = "shop-licence.xhtml"
# The identifier as the page text spells it (and the only thing we trust a found file's text for).
COPY_ID_IN_TEXT = re.compile(r"copy ([0-9a-f]{32})\b")
OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
# A found copy's identifier is on every page: the first few pages are enough.
PAGES_SEARCHED = 5
# The EPUB members read whole (to compare or parse), at most: "application/epub+zip"
# and a little whitespace; the container, the package document and the licence page.
MIMETYPE_MAX_BYTES = 256
DOCUMENT_MAX_BYTES = 4 * 1024**2


def safe_xml():
    """No entities, no network, no huge trees: an EPUB is untrusted input.
    A new parser per use (lxml's are not to be shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class CannotStamp(Exception):
    """The file cannot be stamped (corrupt, encrypted, too large, not an
    EPUB): the message says why, for staff."""


def new_copy_id():
    """128 random bits, as 32 hex digits."""
    return secrets.token_hex(16)


def applies(product, version):
    """Does this product stamp this version's kind of file?"""
    policy = getattr(product, "download_policy", None)
    return bool(policy and policy.stamp_copies and version.content_type in STAMPABLE_TYPES)


def licence_line(order, copy_id):
    name = " ".join(filter(None, [order.billing_detail_first_name, order.billing_detail_last_name]))
    licensed_to = _("Licensed to %(name)s, %(email)s, order %(order)s") % {
        "name": name,
        "email": order.billing_detail_email,
        "order": order.pk,
    }
    # Not translated: the leak trace reads the identifier by these words (COPY_ID_IN_TEXT).
    return f"{licensed_to} · copy {copy_id}"


def copy_path(stamped_copy):
    """Where a stamped copy is kept, below private storage."""
    suffix = PurePosixPath(stamped_copy.version.original_filename).suffix.lower()
    return f"stamped/order-{stamped_copy.grant.order_id}/{stamped_copy.copy_id}{suffix}"


def make_copy(stamped_copy):
    """Write the stamped copy into private storage; returns its storage name,
    size and SHA-256 (what the buyer's order page shows). Raises CannotStamp
    for input that cannot be stamped."""
    version = stamped_copy.version
    if version.size > settings.SHOP_STAMP_MAX_BYTES:
        raise CannotStamp(
            f"The file is {version.size // 2**20} MB, over the stamping limit of "
            f"{settings.SHOP_STAMP_MAX_BYTES // 2**20} MB (SHOP_STAMP_MAX_BYTES)."
        )
    stamp = stamp_pdf if version.content_type == PDF else stamp_epub
    name = copy_path(stamped_copy)
    line = licence_line(stamped_copy.grant.order, stamped_copy.copy_id)
    # A local copy of the master (pypdf and zipfile seek around it), bounded
    # by SHOP_STAMP_MAX_BYTES; the copy is stored whole or not at all.
    with private_storage.local_path(version.file.name) as source, private_storage.writer(name) as out:
        stamp(source, out, line, stamped_copy.copy_id)
        out.seek(0)
        sha256 = hashlib.file_digest(out, "sha256").hexdigest()
        size = out.tell()
    return name, size, sha256


# ----------------------------------------------------------------- PDF


def _stamp_page(line):
    """A one-line page to merge over each page's foot (Helvetica, 7 pt, grey)."""
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=(600, 30))
    drawing.setFont("Helvetica", 7)
    drawing.setFillGray(0.35)
    drawing.drawString(18, 10, line)
    drawing.save()
    return PdfReader(buffer).pages[0]


def _open_pdf(source):
    try:
        reader = PdfReader(source)
        if reader.is_encrypted:
            raise CannotStamp("The PDF is encrypted: stamping would have to remove its protection.")
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as error:
        raise CannotStamp(f"The PDF cannot be read: {type(error).__name__}: {error}") from error
    if not pages:
        raise CannotStamp("The PDF has no pages.")
    return reader


def stamp_pdf(source, out, line, copy_id):
    reader = _open_pdf(source)
    stamp = _stamp_page(line)
    try:
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            box = page.mediabox
            page.merge_translated_page(stamp, float(box.left), float(box.bottom), over=True)
        writer.add_metadata({PDF_COPY_ID_KEY: copy_id, "/ShopLicence": line})
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise CannotStamp(f"The PDF could not be stamped: {type(error).__name__}: {error}") from error


def pdf_copy_id(source):
    """The identifier in a PDF's metadata, else in its pages' text; None if none."""
    reader = _open_pdf(source)
    found = (reader.metadata or {}).get(PDF_COPY_ID_KEY)
    if found and re.fullmatch(r"[0-9a-f]{32}", str(found)):
        return str(found)
    for page in reader.pages[:PAGES_SEARCHED]:
        match = COPY_ID_IN_TEXT.search(page.extract_text() or "")
        if match:
            return match.group(1)
    return None


# ----------------------------------------------------------------- EPUB


def _unsafe(error):
    return CannotStamp(f"The EPUB cannot be unpacked safely: {error}")


@contextmanager
def _open_epub(source):
    """The EPUB as a BoundedZip (shop_ext.core.archives), its mimetype
    checked; an archive too costly to unpack, found when opened or while
    read, is CannotStamp."""
    try:
        archive = archives.BoundedZip(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise CannotStamp("The EPUB is not a valid zip file.") from error
    except archives.UnsafeArchive as error:
        raise _unsafe(error) from error
    with archive:
        try:
            names = archive.namelist()
            if (
                not names
                or names[0] != "mimetype"
                or archive.read("mimetype", MIMETYPE_MAX_BYTES).strip() != EPUB.encode()
            ):
                raise CannotStamp(
                    "The EPUB does not start with its 'mimetype' member (application/epub+zip)."
                )
            yield archive
        except archives.UnsafeArchive as error:
            raise _unsafe(error) from error


def _package_path(archive):
    """The OPF's path, from META-INF/container.xml."""
    try:
        container = etree.fromstring(archive.read("META-INF/container.xml", DOCUMENT_MAX_BYTES), safe_xml())
        rootfile = container.find(f".//{{{CONTAINER_NS}}}rootfile")
        return rootfile.get("full-path")
    except (KeyError, etree.XMLSyntaxError, AttributeError) as error:
        raise CannotStamp("The EPUB has no readable META-INF/container.xml.") from error


def licence_page(line, title):
    language = get_language()
    html = (
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
        f'lang="{language}" xml:lang="{language}">'
    )
    heading = escape(_("Licence"))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
{html}
<head><title>{heading}</title></head>
<body>
<section epub:type="copyright-page">
<h1>{heading}</h1>
<p>{escape(title)}</p>
<p>{escape(line)}</p>
<p>{escape(_("This copy is for the buyer's own use. Please do not share it."))}</p>
</section>
</body>
</html>
""".encode()


def _stamped_package(opf_bytes, line, copy_id):
    try:
        package = etree.fromstring(opf_bytes, safe_xml())
    except etree.XMLSyntaxError as error:
        raise CannotStamp("The EPUB's package document (OPF) is not well-formed XML.") from error
    metadata = package.find(f"{{{OPF_NS}}}metadata")
    manifest = package.find(f"{{{OPF_NS}}}manifest")
    spine = package.find(f"{{{OPF_NS}}}spine")
    if metadata is None or manifest is None or spine is None:
        raise CannotStamp("The EPUB's package document lacks metadata, manifest or spine.")
    ids = {item.get("id") for item in manifest}
    item_id = "shop-licence"
    while item_id in ids:
        item_id += "-x"
    etree.SubElement(
        manifest,
        f"{{{OPF_NS}}}item",
        {"id": item_id, "href": LICENCE_PAGE, "media-type": "application/xhtml+xml"},
    )
    etree.SubElement(spine, f"{{{OPF_NS}}}itemref", {"idref": item_id})
    etree.SubElement(metadata, f"{{{DC_NS}}}rights").text = line
    etree.SubElement(metadata, f"{{{OPF_NS}}}meta", {"name": EPUB_COPY_ID_META, "content": copy_id})
    title = metadata.findtext(f"{{{DC_NS}}}title") or ""
    return etree.tostring(package, xml_declaration=True, encoding="utf-8"), title


def stamp_epub(source, out, line, copy_id):
    with _open_epub(source) as archive:
        opf_path = _package_path(archive)
        try:
            opf_bytes = archive.read(opf_path, DOCUMENT_MAX_BYTES)
        except KeyError as error:
            raise CannotStamp(f"The EPUB's package document {opf_path} is missing.") from error
        package, title = _stamped_package(opf_bytes, line, copy_id)
        licence_name = str(PurePosixPath(opf_path).parent / LICENCE_PAGE).removeprefix("./")
        try:
            with zipfile.ZipFile(out, "w") as copy:
                # OCF: mimetype first, stored, no extra field.
                copy.writestr(zipfile.ZipInfo("mimetype"), EPUB, compress_type=zipfile.ZIP_STORED)
                for member in archive.infolist():
                    if member.filename in ("mimetype", licence_name):
                        continue
                    if member.filename == opf_path:
                        copy.writestr(member.filename, package, compress_type=zipfile.ZIP_DEFLATED)
                        continue
                    with copy.open(_fresh_info(member), "w") as target:
                        archive.copy(member, target)
                copy.writestr(licence_name, licence_page(line, title), compress_type=zipfile.ZIP_DEFLATED)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
            raise CannotStamp(f"The EPUB could not be copied: {type(error).__name__}: {error}") from error


def _fresh_info(member):
    info = zipfile.ZipInfo(member.filename, date_time=member.date_time)
    info.compress_type = (
        member.compress_type if member.compress_type == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
    )
    info.external_attr = member.external_attr
    return info


def epub_copy_id(source):
    """The identifier in an EPUB's OPF metadata, else on its licence page; None if none."""
    with _open_epub(source) as archive:
        opf_path = _package_path(archive)
        try:
            package = etree.fromstring(archive.read(opf_path, DOCUMENT_MAX_BYTES), safe_xml())
        except (KeyError, etree.XMLSyntaxError):
            package = None
        if package is not None:
            for meta in package.iter(f"{{{OPF_NS}}}meta"):
                content = meta.get("content") or ""
                if meta.get("name") == EPUB_COPY_ID_META and re.fullmatch(r"[0-9a-f]{32}", content):
                    return content
        for name in archive.namelist():
            if name.endswith(LICENCE_PAGE):
                page = archive.read(name, DOCUMENT_MAX_BYTES)
                match = COPY_ID_IN_TEXT.search(page.decode("utf-8", "replace"))
                if match:
                    return match.group(1)
    return None


def trace_limit():
    """The largest found file worth reading: a stamped copy is a little larger than its source."""
    return settings.SHOP_STAMP_MAX_BYTES + 2**20


# What reading a damaged found file can raise past the readers' own checks
# (a bad CRC, an encrypted or oddly compressed member, a broken PDF object).
UNREADABLE = (
    zipfile.BadZipFile,
    RuntimeError,
    NotImplementedError,
    EOFError,
    PyPdfError,
    ValueError,
    KeyError,
)


def found_copy_id(upload):
    """The copy identifier of a found file (a PDF or an EPUB, known by its
    first bytes), or None; CannotStamp when it is neither or unreadable."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF"):
        read = pdf_copy_id
    elif head.startswith(b"PK"):
        read = epub_copy_id
    else:
        raise CannotStamp("This is neither a PDF nor an EPUB.")
    try:
        return read(upload)
    except UNREADABLE as error:
        raise CannotStamp(f"The file cannot be read: {type(error).__name__}: {error}") from error
