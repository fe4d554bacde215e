#!/usr/bin/env python3
"""File delivery from S3 under concurrency: the app's hand-over to nginx vs
nginx proxying the same object without the app.

Private files in a bucket of moto's S3 server (a local process:
tests/s3_server.py), gunicorn (production settings, SHOP_PRIVATE_STORAGE=s3,
as many sync workers as deploy/gunicorn.conf.py starts by default) behind
nginx (deploy/nginx.conf, its /protected-s3/ location). One object per size
(zeros) is fetched by wrk with 16 concurrent keep-alive clients, alternating
the sides run by run:

  s3-accel  our download view, as the signed-in owner of a paid order,
            through the link their order history shows. Django checks the
            order and grant, counts an attempt, logs the download and
            answers X-Accel-Redirect with a pre-signed URL; nginx fetches
            the object from S3 and streams it. Whole-file downloads, no
            attempt limit.
  s3-proxy  nginx proxying the same object from the bucket (a location
            added for the benchmark; the object is readable without a
            signature): no app at all. The physical limit of this path:
            nginx, the S3 server and the network between them.

Per size: throughput (bytes received per second), its ratio accel / proxy,
p50 and p99 latency at the client, and gunicorn's median time for the
accel requests (access log %(D)s). moto's server (Python) is far slower
than S3 itself and bounds both sides alike: the ratio is the figure to
read, not the MB/s.

Goals: ratio >= 0.9 at 10 MB and above, >= 0.5 at 1 MB.
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.delivery import measure, order_history_links  # noqa: E402
from bench.load import MB, Load, download_results  # noqa: E402
from bench.stack import Deployment, parser, read_access_log, table, write_results  # noqa: E402
from deploy.local_stack import NGINX_SITE  # noqa: E402
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY, new_bucket, s3_client, s3_server  # noqa: E402

MODES = {
    "quick": {"sizes": {"1MB": MB}, "rounds": 1, "seconds": 1},
    "default": {"sizes": {"1MB": MB, "10MB": 10 * MB, "100MB": 100 * MB}, "rounds": 2, "seconds": 5},
    "full": {"sizes": {"1MB": MB, "10MB": 10 * MB, "100MB": 100 * MB}, "rounds": 4, "seconds": 10},
}
GOALS = {"1MB": 0.5, "10MB": 0.9, "100MB": 0.9}
CLIENTS = 16
SIDES = ("s3-accel", "s3-proxy")
WARM_UP_SECONDS = 1
PROXY_PREFIX = "/bench-s3/"


def run_seconds(mode, size):
    """Long enough for 16 clients to finish a few 100 MB responses each from moto."""
    return mode["seconds"] * (4 if size >= 100 * MB else 1)


def with_proxy_location(site, endpoint, bucket):
    """deploy/nginx.conf with a location that proxies ``bucket``'s bench/
    objects straight from S3, as /protected-s3/ does (no buffering)."""
    location = (
        f"    location ^~ {PROXY_PREFIX} {{\n"
        f"        proxy_pass {endpoint}/{bucket}/bench/;\n"
        "        proxy_set_header Host $proxy_host;\n"
        '        proxy_set_header Cookie "";\n'
        "        proxy_buffering off;\n"
        "        proxy_read_timeout 120s;\n"
        "    }\n\n"
    )
    at = site.index("    location ^~ /protected-s3/ {")
    return site[:at] + location + site[at:]


def upload_objects(endpoint, bucket, sizes):
    """One object of zeros per size under bench/, readable without a signature."""
    client = s3_client(endpoint)
    for label, size in sizes.items():
        key = f"bench/file-{label}.bin"
        with tempfile.TemporaryFile() as data:
            data.truncate(size)
            client.upload_fileobj(data, bucket, key)
        client.put_object_acl(Bucket=bucket, Key=key, ACL="public-read")


def main():
    args = parser(
        "s3_delivery",
        __doc__,
        quick="1 MB, 1 round of 1 s per side (a smoke run)",
        default="1, 10 and 100 MB, 2 rounds of 5 s per side (20 s at 100 MB)",
        full="1, 10 and 100 MB, 4 rounds of 10 s per side (40 s at 100 MB)",
    ).parse_args()
    mode = MODES[args.mode]
    loads, app_us = {}, {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-s3-") as tmp,
        s3_server(Path(tmp) / "moto.log") as endpoint,
    ):
        bucket = new_bucket(endpoint)
        upload_objects(endpoint, bucket, mode["sizes"])
        args.env += [
            ("SHOP_PRIVATE_STORAGE", "s3"),
            ("SHOP_S3_ENDPOINT_URL", endpoint),
            ("SHOP_S3_REGION", REGION),
            ("SHOP_S3_ACCESS_KEY_ID", ACCESS_KEY),
            ("SHOP_S3_SECRET_ACCESS_KEY", SECRET_KEY),
            ("SHOP_S3_PRIVATE_BUCKET", bucket),
        ]
        with Deployment("s3_delivery", args) as d:
            info = d.task(
                "bench.delivery_data:paid_order",
                files={f"file-{label}.bin": size for label, size in mode["sizes"].items()},
            )
            d.sql("UPDATE shop_ext_orderdelivery SET max_attempts = NULL WHERE order_id = %s", info["order"])
            gunicorn = d.start_gunicorn()
            nginx = d.start_nginx(
                gunicorn, template=with_proxy_location(NGINX_SITE.read_text(), endpoint, bucket)
            )
            for label, size in mode["sizes"].items():
                name = f"file-{label}.bin"
                links = order_history_links(nginx.url, info["session"])
                urls = {
                    "s3-accel": f"{nginx.url}{links[info['grants'][name]]}",
                    "s3-proxy": f"{nginx.url}{PROXY_PREFIX}{name}",
                }
                for side in SIDES:  # warm-up: workers, connections
                    measure(urls[side], CLIENTS, WARM_UP_SECONDS, size, info["session"])
                for _ in range(mode["rounds"]):
                    for side in SIDES:
                        logged = len(read_access_log(gunicorn))
                        load = measure(urls[side], CLIENTS, run_seconds(mode, size), size, info["session"])
                        loads[(label, side)] = loads.get((label, side), Load()) + load
                        app_us.setdefault((label, side), []).extend(
                            us for *_, status, us in read_access_log(gunicorn)[logged:] if status == 200
                        )
                accel, proxy = loads[(label, "s3-accel")], loads[(label, "s3-proxy")]
                print(
                    f"{label}: accel {accel.mb_per_s:.0f} MB/s, proxy {proxy.mb_per_s:.0f} MB/s", flush=True
                )
    measured = [
        (label, CLIENTS, loads[(label, "s3-accel")], loads[(label, "s3-proxy")], app_us[(label, "s3-accel")])
        for label in mode["sizes"]
    ]
    headers, rows, data, goals = download_results(
        "proxy", measured, GOALS, "S3 through the app and nginx >= {least} x nginx proxying S3 at {size}"
    )
    write_results(
        "s3_delivery",
        args,
        {
            "Delivery from S3: X-Accel-Redirect to a pre-signed URL vs nginx proxying S3 (wrk)": table(
                headers, rows
            )
        },
        data,
        goals,
        memory=d.memory,
    )


if __name__ == "__main__":
    main()
