"""Zip bombs (small on disk, huge once inflated) given to every place the
shop opens a zip: the leak trace's upload in the admin and the stamping
worker. Each is refused with a clear message, never a 500, and memory does
not grow with what the bomb would inflate to."""

import io
import struct
import tracemalloc
import zipfile

import pytest

from shop_ext.models import OrderDelivery, StampedCopy
from tests.integration.delivery.conftest import BOOK_EPUB, replace_file
from tests.integration.delivery.test_leak_trace import trace, tracer  # noqa: F401 (a fixture)
from tests.integration.delivery.test_stamping import grant_of, url

pytestmark = pytest.mark.django_db

BOMB_BYTES = 300 * 1024**2
# What handling a bomb may add to the process's Python allocations.
MEMORY_BOUND = 20 * 1024**2
LICENCE = "OEBPS/shop-licence.xhtml"


def add_zeros(archive, name, size=BOMB_BYTES):
    """A deflated member of ``size`` zero bytes (300 MB pack into about 300 KB)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    block = bytes(1024**2)
    with archive.open(info, "w") as member:
        for _ in range(size // len(block)):
            member.write(block)


def mimetype_bomb():
    """An EPUB whose first member, ``mimetype``, inflates to 300 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        add_zeros(archive, "mimetype")
        archive.writestr("META-INF/container.xml", "<container/>")
    return out.getvalue()


def book_with_bomb(name="OEBPS/images/cover.bin"):
    """The test book with one more member that inflates to 300 MB."""
    out = io.BytesIO(BOOK_EPUB)
    with zipfile.ZipFile(out, "a") as archive:
        add_zeros(archive, name)
    return out.getvalue()


def lying_about_size(data, name, declared=1000):
    """``data`` with ``name``'s size in the central directory (what zipfile
    believes) changed to ``declared``."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        at = archive.start_dir
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_length] == name.encode():
            data[at + 24 : at + 28] = declared.to_bytes(4, "little")
            return bytes(data)
        at += 46


def peak_growth(work):
    """Run ``work``; return its result and the peak growth of Python's allocations."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = work()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        (mimetype_bomb, "times its packed size"),
        (book_with_bomb, "times its packed size"),
        # The trace reads a licence page whole: one that claims 1000 bytes.
        (lambda: lying_about_size(book_with_bomb(LICENCE), LICENCE), "Bad CRC-32"),
    ],
    ids=["mimetype", "other member", "lying size"],
)
def test_a_zip_bomb_uploaded_to_the_leak_trace_gets_a_clear_message(tracer, stamped_order, bomb, message):  # noqa: F811
    data = bomb()
    assert len(data) < 2 * 1024**2

    response, growth = peak_growth(lambda: trace(tracer, "found.epub", data))

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Stamped for order" not in page
    assert growth < MEMORY_BOUND


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("SHOP_ARCHIVE_MAX_MEMBERS", 2, "members, more than the 2 allowed"),
        ("SHOP_ARCHIVE_MAX_UNPACKED_BYTES", 100, "(SHOP_ARCHIVE_MAX_UNPACKED_BYTES)"),
    ],
)
def test_the_leak_trace_refuses_an_archive_over_the_limits(tracer, settings, setting, value, message):  # noqa: F811
    setattr(settings, setting, value)

    response = trace(tracer, "found.epub", BOOK_EPUB)

    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("bomb", "reason"),
    [
        (mimetype_bomb, "zip bomb"),
        (book_with_bomb, "zip bomb"),
        (lambda: lying_about_size(book_with_bomb(), "OEBPS/images/cover.bin"), "Bad CRC-32"),
    ],
    ids=["mimetype", "other member", "lying size"],
)
def test_a_zip_bomb_to_stamp_fails_its_copy_with_a_clear_reason(client, stamped_order, bomb, reason):
    grant = grant_of(stamped_order, "salt.epub")
    replace_file(grant.file, bomb(), name="salt.epub")

    # The eager queue makes the copy when the first request ends.
    (waiting, delayed), growth = peak_growth(lambda: (client.get(url(grant)), client.get(url(grant))))

    assert (waiting.status_code, delayed.status_code) == (202, 503)
    copy = StampedCopy.objects.get(grant=grant)
    assert copy.status == StampedCopy.FAILED
    assert reason in copy.error
    assert OrderDelivery.objects.get(order=stamped_order).attempts_used == 0
    assert growth < MEMORY_BOUND


def many_members(count, declared=None):
    """A zip whose central directory lists ``count`` empty members (and holds
    nothing else: opening a zip reads only its directory), its end record
    declaring ``declared`` members (``count`` when None)."""
    headers = b"".join(
        struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0)
        + b"%07d" % number
        for number in range(count)
    )
    declared = count if declared is None else declared
    if declared <= 0xFFFF:
        return headers + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, declared, declared, len(headers), 0, 0)
    zip64_end = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, declared, declared, len(headers), 0
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(headers), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return headers + zip64_end + locator + end


MANY_MEMBERS = 100_000
TOO_MANY = "more than the 10000 allowed (SHOP_ARCHIVE_MAX_MEMBERS)"
MANY_MEMBERS_CASES = pytest.mark.parametrize(
    ("archive", "message"),
    [
        (lambda: many_members(MANY_MEMBERS), f"The archive has {MANY_MEMBERS} members, {TOO_MANY}"),
        (lambda: many_members(20_000, declared=1), f"The archive has more members {TOO_MANY}"),
        (
            lambda: many_members(MANY_MEMBERS, declared=1),
            "central directory is 5300000 bytes, out of proportion",
        ),
        (lambda: b"PK\x03\x04" + bytes(1000), "The EPUB is not a valid zip file."),
    ],
    ids=["declared", "lying count", "huge directory", "no end record"],
)


@MANY_MEMBERS_CASES
def test_a_zip_listing_too_many_members_is_refused_by_the_leak_trace_before_it_is_read(
    tracer,  # noqa: F811
    archive,
    message,
):
    data = archive()

    response, growth = peak_growth(lambda: trace(tracer, "found.epub", data))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert growth < MEMORY_BOUND


@MANY_MEMBERS_CASES
def test_a_zip_listing_too_many_members_to_stamp_fails_its_copy_with_a_clear_reason(
    client, stamped_order, archive, message
):
    grant = grant_of(stamped_order, "salt.epub")
    replace_file(grant.file, archive(), name="salt.epub")

    (waiting, delayed), growth = peak_growth(lambda: (client.get(url(grant)), client.get(url(grant))))

    assert (waiting.status_code, delayed.status_code) == (202, 503)
    copy = StampedCopy.objects.get(grant=grant)
    assert copy.status == StampedCopy.FAILED
    assert message in copy.error
    assert growth < MEMORY_BOUND
