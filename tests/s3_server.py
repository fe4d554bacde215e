"""An S3 API for the tests: moto's standalone server (``moto[server]``, from
PyPI) run as a local process on 127.0.0.1.

MinIO and SeaweedFS, the usual S3-compatible servers, are packaged neither
by Debian nor on PyPI, the two places the project installs from
(docs/deploy.md, section 11); moto speaks the same S3 REST API over HTTP,
pre-signed URLs and Range included, so the shop's boto3 code and nginx
talk to it as they would to S3.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import boto3
import requests

# prctl(2): the child gets this signal when its parent dies, so a server
# is never left behind by a test run that was killed.
PR_SET_PDEATHSIG = 1
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


def _stop_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def s3_server(log_path, ready_within=60, checking_keys=False):
    """Run moto's server for the block; yields its endpoint URL.

    moto accepts any key unless told to check them: ``checking_keys``
    turns its IAM checks on from the first request (INITIAL_NO_AUTH_ACTION_COUNT=0,
    moto's docs/iam.rst). With no IAM user created, every key is then
    unknown and S3 refuses each request as AWS refuses a wrong key (403,
    InvalidAccessKeyId): the shop's handling of wrong credentials meets a
    real refusal, not a stand-in."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_stop_with_parent,
            env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"} if checking_keys else None,
        )
    try:
        deadline = time.monotonic() + ready_within
        while True:
            try:
                requests.get(endpoint, timeout=5)  # any answer, a refusal included
                break
            except requests.RequestException:  # not listening yet, or slow to answer its first request
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start; its log: {log_path}") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def storage_options(endpoint, bucket):
    """STORAGES["private"] for a bucket on the test server."""
    return {
        "BACKEND": "shop_ext.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "signature_version": "s3v4",
            "addressing_style": "path",
            "bucket_name": bucket,
        },
    }


def s3_client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def new_bucket(endpoint):
    """A new, empty bucket; returns its name."""
    name = f"private-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name
