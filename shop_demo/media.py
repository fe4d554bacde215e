"""Media for the demo shop, made here rather than downloaded: covers drawn
with Pillow and small but real EPUB, PDF, font-pack and audio files."""

import io
import math
import struct
import textwrap
import wave
import zipfile
import zlib

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen import canvas


def cover_png(title, subtitle, colour, size=(600, 900)):
    """A book-cover-like PNG: coloured board, a rule, title and author."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle([30, 30, width - 30, height - 30], outline="#f4ecd8", width=4)
    title_font = ImageFont.load_default(size=54)
    small_font = ImageFont.load_default(size=30)
    y = height // 4
    for line in textwrap.wrap(title, width=16):
        draw.text((width // 2, y), line, font=title_font, fill="#f4ecd8", anchor="mm")
        y += 66
    draw.line([width // 3, y + 10, 2 * width // 3, y + 10], fill="#f4ecd8", width=3)
    draw.text((width // 2, height - 120), subtitle, font=small_font, fill="#f4ecd8", anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def epub_bytes(title, author, body):
    """A minimal valid EPUB 3: the mimetype entry first and stored, a
    navigation document and one chapter."""
    out = io.BytesIO()
    xhtml = '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" '
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as epub:
        epub.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", zipfile.ZIP_STORED)
        epub.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="book.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        epub.writestr(
            "book.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
            'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:identifier id="id">urn:demo:{zlib.crc32(title.encode())}</dc:identifier>'
            f"<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>"
            '<dc:language>en</dc:language><meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>'
            "</metadata><manifest>"
            '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
            '<item id="c1" href="chapter1.xhtml" media-type="application/xhtml+xml"/>'
            '</manifest><spine><itemref idref="c1"/></spine></package>',
        )
        epub.writestr(
            "nav.xhtml",
            xhtml + 'xmlns:epub="http://www.idpf.org/2007/ops" lang="en"><head><title>Contents</title></head>'
            '<body><nav epub:type="toc"><ol><li><a href="chapter1.xhtml">Chapter 1</a></li></ol></nav>'
            "</body></html>",
        )
        epub.writestr(
            "chapter1.xhtml",
            xhtml
            + f'lang="en"><head><title>{title}</title></head><body><h1>{title}</h1>'
            + "".join(f"<p>{body}</p>" for _ in range(40))
            + "</body></html>",
        )
    return out.getvalue()


def pdf_bytes(title, author, body, pages=12):
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A5)
    pdf.setTitle(title)
    pdf.setAuthor(author)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(40, 540, title if number == 1 else f"{title}, page {number}")
        # A bookmark per page and a link: what a stamped copy must keep.
        pdf.bookmarkPage(f"page-{number}")
        pdf.addOutlineEntry(f"Page {number}", f"page-{number}", level=0)
        pdf.linkURL("https://example.com/errata", (40, 560, 300, 580))
        pdf.setFont("Helvetica", 10)
        y = 500
        for line in textwrap.wrap(body * 6, width=70):
            pdf.drawString(40, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def font_pack_bytes(family):
    """A ZIP standing in for a font family: licence text and weight files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("LICENSE.txt", f"{family}: demo licence for print and web use.\n")
        for weight in ("Regular", "Italic", "Bold", "BoldItalic"):
            pack.writestr(f"{family.replace(' ', '')}-{weight}.otf", b"OTTO" + bytes(range(256)) * 64)
    return out.getvalue()


def rain_wav_bytes(seconds=4, rate=16000):
    """A few seconds of soft noise-like tone, as a real WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        frames = bytearray()
        for n in range(seconds * rate):
            sample = 1800 * math.sin(n * 0.07) * math.sin(n * 0.0011) + 900 * math.sin(n * 1.3)
            frames += struct.pack("<h", int(sample))
        audio.writeframes(bytes(frames))
    return out.getvalue()
