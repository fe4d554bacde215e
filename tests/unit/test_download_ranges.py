"""A download's Range header: which ranges could continue a counted
download (a free resume) and which are a new download, decided before the
download log is asked. Whether a candidate is a resume (same file, person
and address, within the window, free resumes left) needs the log: the
delivery tests (tests/integration/delivery/test_downloads.py) prove that
part. No database here: a test that reached the log would fail."""

import pytest
from django.test import RequestFactory

from shop_ext.delivery.attempts import SINGLE_RANGE, may_resume, resumed

FILE_SIZE = 1000


# The id of a counted download the log would offer to resume.
CANDIDATE = 41


def asking(range_header=None, address="203.0.113.7"):
    headers = {} if range_header is None else {"HTTP_RANGE": range_header}
    return RequestFactory().get("/account/orders/1/files/1/", REMOTE_ADDR=address, **headers)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=500-", "500", ""),
        ("bytes=500-999", "500", "999"),
        ("bytes=-200", "", "200"),
        ("bytes=0-", "0", ""),
        (f"bytes={'9' * 19}-", "9" * 19, ""),
    ],
)
def test_one_byte_range_is_read_as_its_first_and_last_byte(header, first, last):
    assert SINGLE_RANGE.fullmatch(header).groups() == (first, last)


@pytest.mark.parametrize(
    "header",
    [
        "bytes=0-10,20-30",  # several ranges
        "bytes=500-,600-",
        f"bytes={'9' * 20}-",  # no offset in any file: int() is never asked
        "items=500-",
        "bytes=abc-",
        "bytes=5.5-",
        "bytes=500",
        "",
    ],
)
def test_anything_but_one_byte_range_is_not_a_range(header):
    assert SINGLE_RANGE.fullmatch(header) is None


@pytest.mark.parametrize(
    "header",
    [
        None,  # no Range header
        "bytes=0-",  # the whole file again
        "bytes=0-499",  # from the start
        "bytes=-",  # no bytes named
        "bytes=0-10,20-30",  # several ranges
        f"bytes={'1' * 20}-",  # an offset past any file
        "items=500-",
        f"bytes=-{FILE_SIZE}",  # a suffix as long as the file: all of it
        f"bytes=-{FILE_SIZE * 5}",  # longer than the file
        "bytes=abc-",
    ],
)
def test_a_request_that_does_not_continue_a_download_is_a_new_download(header):
    assert resumed(asking(header), FILE_SIZE, CANDIDATE) is None


@pytest.mark.parametrize("header", ["bytes=500-", "bytes=500-999", "bytes=-200"])
def test_a_range_past_byte_0_continues_the_download_the_log_offers(header):
    assert may_resume(asking(header))
    assert resumed(asking(header), FILE_SIZE, CANDIDATE) == CANDIDATE
    assert resumed(asking(header), FILE_SIZE, None) is None


def test_a_range_past_byte_0_from_no_known_address_is_a_new_download():
    """A resume is matched by client address: without one it cannot be."""
    assert not may_resume(asking("bytes=500-", address=""))
    assert not may_resume(asking("bytes=500-", address="not an address"))
