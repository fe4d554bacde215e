#!/usr/bin/env python3
"""Stamping a buyer's copy: time and peak memory against file size.

shop_ext.delivery.stamping.stamp_pdf on generated PDFs of about 10 MB and
100 MB (--quick: 1 and 10 MB; --full adds 300 MB), each page an
incompressible image, a bookmark and a link; and stamp_epub on EPUBs of the
same sizes (stored image members). Each call runs in a fresh subprocess with
our settings (bench/settings_ours.py) so its memory is its own (ru_maxrss,
the whole process; the interpreter and Django alone are the "idle" row); the
parent makes and checks the files in subprocesses too, since a child's
ru_maxrss starts from its parent's size.
Each stamped file is checked: same page count, outline and links (PDF);
mimetype first and stored, every member kept (EPUB). With pikepdf
importable (not a dependency of the shop), the same PDFs are stamped with
it too, for the comparison in docs/architecture.md, "Stamped copies".
"""

import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import (  # noqa: E402
    PYTHON,
    median,
    offline_environ,
    parser,
    run_json,
    table,
    write_results,
)

MB = 1024 * 1024
MODES = {
    "quick": {"sizes": [1, 10], "repeats": 1},
    "default": {"sizes": [10, 100], "repeats": 3},
    "full": {"sizes": [10, 100, 300], "repeats": 3},
}
PAGE_IMAGE_BYTES = 400 * 400 * 3  # one RGB image per page, random: it does not compress
LINE = "Licensed to Ada Byron, ada@example.com, order 1042 · copy " + "ab" * 16


def make_pdf(path, megabytes):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pages = max(1, megabytes * MB // PAGE_IMAGE_BYTES)
    drawing = canvas.Canvas(str(path))
    for number in range(pages):
        image = Image.frombytes("RGB", (400, 400), os.urandom(PAGE_IMAGE_BYTES))
        drawing.drawImage(ImageReader(image), 50, 300, 400, 400)
        drawing.drawString(72, 760, f"Chapter {number + 1}")
        drawing.bookmarkPage(f"p{number}")
        drawing.addOutlineEntry(f"Chapter {number + 1}", f"p{number}", level=0)
        drawing.linkURL("https://example.com/", (72, 740, 200, 755))
        drawing.showPage()
    drawing.save()


def make_epub(path, megabytes):
    from shop_demo.media import epub_bytes

    with (
        zipfile.ZipFile(io.BytesIO(epub_bytes("Bench", "Bench", "Text."))) as source,
        zipfile.ZipFile(path, "w") as out,
    ):
        for member in source.infolist():
            out.writestr(member, source.read(member))
        for number in range(max(1, megabytes)):
            out.writestr(f"images/plate-{number}.jpg", os.urandom(MB), compress_type=zipfile.ZIP_STORED)


def child(kind, source, target):
    """In the subprocess: stamp once (or make a source file: the parent stays
    small, as a fork's ru_maxrss starts from its parent's), report time and memory."""
    if kind in ("make-pdf", "make-epub"):
        (make_pdf if kind == "make-pdf" else make_epub)(source, int(target))
        print(json.dumps({}))
        return
    import django

    django.setup()
    from shop_ext.delivery import stamping

    if kind == "idle":
        print(json.dumps({"s": 0, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
        return
    if kind.startswith("check-"):
        print(json.dumps({"faithful": faithful(kind.removeprefix("check-"), source, target)}))
        return
    start = time.perf_counter()
    if kind == "pdf-pikepdf":
        stamp_with_pikepdf(source, target)
    else:
        stamp = stamping.stamp_pdf if kind == "pdf-pypdf" else stamping.stamp_epub
        with open(target, "wb") as out:
            stamp(source, out, LINE, "ab" * 16)
    elapsed = time.perf_counter() - start
    print(json.dumps({"s": elapsed, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def stamp_with_pikepdf(source, target):
    """The alternative measured: the same overlay line, added by pikepdf
    (saved to a path: saved to a stream, it holds the whole output in memory)."""
    import pikepdf
    from pypdf import PdfWriter

    from shop_ext.delivery.stamping import _stamp_page

    overlay = io.BytesIO()
    writer = PdfWriter()
    writer.add_page(_stamp_page(LINE))
    writer.write(overlay)
    with pikepdf.open(overlay) as stamp, pikepdf.open(source) as pdf:
        for page in pdf.pages:
            page.add_overlay(stamp.pages[0], pikepdf.Rectangle(0, 0, 600, 30))
        pdf.docinfo["/ShopCopyId"] = "ab" * 16
        pdf.save(target)


def faithful(kind, source, target):
    """The stamped file keeps what the original has."""
    if kind.startswith("pdf"):
        from pypdf import PdfReader

        before, after = PdfReader(source), PdfReader(target)
        return (
            len(after.pages) == len(before.pages)
            and len(after.outline) == len(before.outline)
            and sum(len(p.get("/Annots", [])) for p in after.pages)
            == sum(len(p.get("/Annots", [])) for p in before.pages)
            and "Licensed to Ada Byron" in after.pages[-1].extract_text()
        )
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        first = after.infolist()[0]
        return (
            first.filename == "mimetype"
            and first.compress_type == zipfile.ZIP_STORED
            and set(before.namelist()) < set(after.namelist())
        )


def run_child(env, kind, source="", target=""):
    return run_json([PYTHON, __file__, "--child", kind, str(source), str(target)], env)


def has_pikepdf():
    return subprocess.run([PYTHON, "-c", "import pikepdf"], capture_output=True).returncode == 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        return child(*sys.argv[2:])
    args = parser(
        "stamping",
        __doc__,
        quick="1 MB and 10 MB, 1 call each",
        default="10 MB and 100 MB, 3 calls each",
        full="10 MB, 100 MB and 300 MB, 3 calls each",
    ).parse_args()
    mode = MODES[args.mode]
    kinds = ["pdf-pypdf", *(["pdf-pikepdf"] if has_pikepdf() else []), "epub-zipfile"]
    # Each size's files replace the last size's: no more on disk than one size needs.
    work = Path(tempfile.mkdtemp(prefix="bench-stamp-"))
    env = offline_environ(work, args.env)
    try:
        idle_mb = run_child(env, "idle")["maxrss_kb"] / 1024
        rows, data = [["(interpreter + Django, idle)", "", "", None, idle_mb, None]], []
        sources = {"pdf": work / "book.pdf", "epub": work / "book.epub"}
        for megabytes in mode["sizes"]:
            run_child(env, "make-pdf", sources["pdf"], megabytes)
            run_child(env, "make-epub", sources["epub"], megabytes)
            for kind in kinds:
                source = sources[kind.split("-")[0]]
                target = work / f"stamped-{kind}"
                samples = [run_child(env, kind, source, target) for _ in range(mode["repeats"])]
                row = {
                    "kind": kind,
                    "size_mb": source.stat().st_size / MB,
                    "median_s": median([s["s"] for s in samples]),
                    "maxrss_mb": max(s["maxrss_kb"] for s in samples) / 1024,
                    "faithful": run_child(env, f"check-{kind}", source, target)["faithful"],
                }
                data.append({**row, "samples": samples})
                rows.append(
                    [
                        kind,
                        f"{row['size_mb']:.0f} MB",
                        "yes" if row["faithful"] else "NO",
                        row["median_s"],
                        row["maxrss_mb"],
                        row["maxrss_mb"] / row["size_mb"],
                    ]
                )
                print(
                    f"{kind} {row['size_mb']:.0f} MB: {row['median_s']:.2f} s, {row['maxrss_mb']:.0f} MB",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours = [r for r in data if r["kind"] != "pdf-pikepdf"]
    goals = [
        {
            "goal": "each copy keeps pages, outline and links (PDF), or every member, mimetype first (EPUB)",
            "met": all(r["faithful"] for r in data),
            "observed": ", ".join(f"{r['kind']} {r['size_mb']:.0f} MB: {r['faithful']}" for r in data),
        },
        {
            "goal": "our stamping's peak memory at most 3 x the file's size + 150 MB",
            "met": all(r["maxrss_mb"] <= 3 * r["size_mb"] + 150 for r in ours),
            "observed": ", ".join(
                f"{r['kind']} {r['size_mb']:.0f} MB: {r['maxrss_mb']:.0f} MB" for r in ours
            ),
        },
    ]
    headers = ["stamper", "file", "faithful", "median s", "ru_maxrss MB", "MB per MB of file"]
    write_results(
        "stamping", args, {"Stamping a copy: time and peak memory": table(headers, rows)}, data, goals
    )
    return None


if __name__ == "__main__":
    main()
