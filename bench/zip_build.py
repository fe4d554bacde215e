#!/usr/bin/env python3
"""Zip of an order: build time and peak memory, first request vs a later one.

shop_ext.delivery.zips.order_zip on an order whose files total 10 MB (and 1 GB with
--full), four files each, sparse, of a stored (already compressed) type. Each
call runs in a fresh subprocess with our settings (bench/settings_ours.py) so
its memory is its own: tracemalloc peak (Python allocations) and ru_maxrss
(the whole process, Django included). Calls alternate
"first" (the zip removed before: built) and "later" (the zip already there:
reused). Goals: the later call reuses the zip (same file, not rebuilt) and
memory does not grow with the size.
"""

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import UTC

from bench.stack import (  # noqa: E402
    PYTHON,
    median,
    offline_environ,
    parser,
    ratio,
    run_json,
    table,
    write_results,
)

MB = 1024 * 1024
MODES = {
    "quick": {"sizes": {"10MB": 10 * MB}, "repeats": 2},
    "default": {"sizes": {"10MB": 10 * MB, "200MB": 200 * MB}, "repeats": 3},
    "full": {"sizes": {"10MB": 10 * MB, "200MB": 200 * MB, "1GB": 1024 * MB}, "repeats": 3},
}
FILES = 4


def child():
    """In the subprocess: build or reuse the zip, report time and memory."""
    import tracemalloc
    from datetime import datetime
    from types import SimpleNamespace

    import django

    django.setup()
    from django.conf import settings

    from shop_ext.delivery.zips import order_zip

    files = []
    for n in range(FILES):
        path = Path(settings.SENDFILE_ROOT) / "files" / f"part-{n}.epub"
        files.append(
            SimpleNamespace(
                pk=n + 1,
                sha256=f"{n:064d}",
                download_name=f"Part {n}.epub",
                content_type="application/epub+zip",
                uploaded_at=datetime(2026, 1, 1, tzinfo=UTC),
                size=path.stat().st_size,
                # Names in private storage, as the product files' fields hold them.
                file=SimpleNamespace(name=f"files/part-{n}.epub"),
            )
        )
    order = SimpleNamespace(pk=1)
    tracemalloc.start()
    start = time.perf_counter()
    target = order_zip(order, files)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    stat = os.stat(Path(settings.SENDFILE_ROOT) / target)
    print(
        json.dumps(
            {
                "s": elapsed,
                "tracemalloc_peak_kb": peak / 1024,
                "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "zip": str(target),
                "zip_size": stat.st_size,
                "zip_mtime_ns": stat.st_mtime_ns,
            }
        )
    )


def main():
    if sys.argv[1:] == ["--child"]:
        return child()
    args = parser(
        "zip_build",
        __doc__,
        quick="10 MB, 2 calls per side",
        default="10 MB and 200 MB, 3 calls per side",
        full="10 MB, 200 MB and 1 GB, 3 calls per side",
    ).parse_args()
    mode = MODES[args.mode]
    rows, data = [], []
    for label, total in mode["sizes"].items():
        root = Path(tempfile.mkdtemp(prefix="bench-zip-"))
        private = root / "private"  # SENDFILE_ROOT: offline_environ's default below root
        try:
            (private / "files").mkdir(parents=True)
            for n in range(FILES):
                with open(private / "files" / f"part-{n}.epub", "wb") as f:
                    f.truncate(total // FILES)
            env = offline_environ(root, args.env)
            samples = {"first": [], "later": []}
            for _ in range(mode["repeats"]):
                for side in ("first", "later"):
                    if side == "first":
                        shutil.rmtree(private / "zips", ignore_errors=True)
                    samples[side].append(run_json([PYTHON, __file__, "--child"], env))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        reused = all(
            later["zip_mtime_ns"] == first["zip_mtime_ns"]
            for first, later in zip(samples["first"], samples["later"], strict=False)
        )
        for side in ("first", "later"):
            s = samples[side]
            row = {
                "size": label,
                "side": side,
                "median_ms": median([x["s"] for x in s]) * 1000,
                "tracemalloc_peak_kb": max(x["tracemalloc_peak_kb"] for x in s),
                "maxrss_mb": max(x["maxrss_kb"] for x in s) / 1024,
                "zip_mb": s[0]["zip_size"] / MB,
            }
            data.append({**row, "reused": reused, "samples": s})
            rows.append(
                [label, side, row["median_ms"], row["tracemalloc_peak_kb"], row["maxrss_mb"], row["zip_mb"]]
            )
        first = next(r for r in data if r["size"] == label and r["side"] == "first")
        later = next(r for r in data if r["size"] == label and r["side"] == "later")
        rows.append(
            [label, "ratio later/first", ratio(later["median_ms"], first["median_ms"]), None, None, None]
        )
        print(
            f"{label}: first {first['median_ms']:.1f} ms, later {later['median_ms']:.2f} ms, reused {reused}",
            flush=True,
        )
    firsts = [r for r in data if r["side"] == "first"]
    goals = [
        {
            "goal": "a later request reuses the built zip",
            "met": all(r["reused"] for r in data),
            "observed": "same file (mtime) on every later call"
            if all(r["reused"] for r in data)
            else "rebuilt",
        },
        {
            "goal": "build memory flat in size (ru_maxrss within 10 MB)",
            "met": max(r["maxrss_mb"] for r in firsts) - min(r["maxrss_mb"] for r in firsts) <= 10,
            "observed": " -> ".join(f"{r['maxrss_mb']:.1f} MB" for r in firsts),
        },
    ]
    headers = ["order total", "call", "median ms", "tracemalloc peak KB", "ru_maxrss MB", "zip MB"]
    write_results(
        "zip_build",
        args,
        {"Zip of an order: first (build) vs later (reuse)": table(headers, rows)},
        data,
        goals,
    )
    return None


if __name__ == "__main__":
    main()
