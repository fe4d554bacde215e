"""Files the catalogue import fetches from an address: a ``file`` cell that
is an address whose origin the operator lists in SHOP_IMPORT_FILE_ORIGINS.

An outbound request the shop makes for a spreadsheet's cell is an SSRF
surface, so the rules are strict (docs/security.md, "Outbound fetches"):
the scheme, host and port must equal one listed origin exactly, no
user:password in the address, no redirect followed, no proxy from the
environment, a timeout and the shop's file size limit. The dry run checks
the address only; the bytes are fetched by the worker while the confirmed
import writes the row, into a temporary file that is gone when it closes.
"""

import http.client
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHUNK_BYTES = 64 * 1024


def is_address(text):
    return "://" in text


def origin_of(address):
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins():
    return {origin.strip().rstrip("/").lower() for origin in settings.SHOP_IMPORT_FILE_ORIGINS}


def remote_file(text):
    """The RemoteFile a cell names, checked by form and origin (no network)."""
    if not settings.SHOP_IMPORT_FILE_ORIGINS:
        raise ValidationError(
            _("The shop takes files from no address (SHOP_IMPORT_FILE_ORIGINS is empty): %(value)s")
            % {"value": text}
        )
    # Characters parsers disagree on are refused, not interpreted.
    if any(char.isspace() or char == "\\" or ord(char) < 32 for char in text):
        raise ValidationError(_("%(value)s is not a plain address.") % {"value": text})
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise ValidationError(_("%(value)s is not an address.") % {"value": text}) from None
    if "@" in parts.netloc:
        # Not repeated in the report: the part before "@" may be a password.
        raise ValidationError(_("An address with a user name or password is not allowed."))
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("%(value)s is not an http(s) address.") % {"value": text})
    if origin_of(text) not in allowed_origins():
        raise ValidationError(
            _("%(origin)s is not an origin the shop takes files from (SHOP_IMPORT_FILE_ORIGINS).")
            % {"origin": origin_of(text)}
        )
    name = unquote(parts.path).rsplit("/", 1)[-1]
    if not name or name in (".", ".."):
        raise ValidationError(_("%(value)s names no file (its path ends without one).") % {"value": text})
    return RemoteFile(text, name)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Returning None makes urllib raise the 3xx as an HTTPError.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


class RemoteFile:
    """A file at an allowed address. ``name`` (the last part of the
    address's path) is what the import recognises it by, as a folder file
    by its name: a re-import of the same address fetches nothing."""

    def __init__(self, address, name):
        self.address = address
        self.name = name

    def __str__(self):
        return self.address

    @contextmanager
    def open(self, mode="rb"):
        # An unnamed temporary file: removed when closed, or when the worker dies.
        with tempfile.TemporaryFile() as handle:
            self._fetch_into(handle)
            handle.seek(0)
            yield handle

    def _fetch_into(self, handle):
        timeout = settings.SHOP_IMPORT_FILE_FETCH_TIMEOUT_SECONDS
        limit = settings.SHOP_PRODUCT_FILE_MAX_BYTES
        # The timeout bounds each wait on the socket; this bounds the whole
        # fetch, so a server sending a byte at a time is stopped too.
        deadline = time.monotonic() + timeout
        try:
            with _opener.open(self.address, timeout=timeout) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise self._too_large(limit)
                received = 0
                while chunk := response.read(CHUNK_BYTES):
                    received += len(chunk)
                    if received > limit:
                        raise self._too_large(limit)
                    if time.monotonic() > deadline:
                        raise self._refusal(_("it took longer than %(seconds)s s") % {"seconds": timeout})
                    handle.write(chunk)
        except urllib.error.HTTPError as error:
            if 300 <= error.code < 400:
                raise self._refusal(_("it redirects elsewhere (redirects are not followed)")) from None
            raise self._refusal(_("the server answered %(status)s") % {"status": error.code}) from None
        except TimeoutError:
            raise self._refusal(_("it took longer than %(seconds)s s") % {"seconds": timeout}) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise self._refusal(_("it took longer than %(seconds)s s") % {"seconds": timeout}) from None
            raise self._refusal(_("it could not be fetched (%(reason)s)") % {"reason": reason}) from None

    def _too_large(self, limit):
        return self._refusal(_("it is larger than the limit of %(mb)s MB") % {"mb": limit // 2**20})

    def _refusal(self, reason):
        message = _("%(address)s was not attached: %(reason)s.") % {"address": self.address, "reason": reason}
        return ValidationError({"file": message})
