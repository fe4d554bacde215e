"""A made-up language for tests: a few of the shop's messages "translated"
into a compiled catalogue, so that a test sees a text looked up through
gettext (marked for translation), not just printed. The shop runs with
USE_I18N off; Django picks its translation functions once, so they are
forgotten on the way in and out (django.utils.translation.Trans)."""

import array
import struct
from contextlib import contextmanager

from django.utils import translation

LANGUAGE = "xx"
HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"


def compiled_catalogue(messages):
    """GNU gettext's .mo format for ``messages``: msgid -> msgstr, a plural
    entry as (singular, plural) -> (form for one, form for many)."""
    entries = {b"": HEADER.encode()}
    for msgid, msgstr in messages.items():
        key = "\0".join(msgid) if isinstance(msgid, tuple) else msgid
        value = "\0".join(msgstr) if isinstance(msgstr, tuple) else msgstr
        entries[key.encode()] = value.encode()
    keys = sorted(entries)
    ids = strs = b""
    places = []
    for key in keys:
        places.append((len(ids), len(key), len(strs), len(entries[key])))
        ids += key + b"\0"
        strs += entries[key] + b"\0"
    ids_start = 7 * 4 + 16 * len(keys)
    strs_start = ids_start + len(ids)
    key_table, value_table = [], []
    for id_at, id_length, str_at, str_length in places:
        key_table += [id_length, id_at + ids_start]
        value_table += [str_length, str_at + strs_start]
    head = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    return head + array.array("i", key_table + value_table).tobytes() + ids + strs


@contextmanager
def pseudo_translated(settings, directory, messages):
    """Inside: translation on, and LANGUAGE active with ``messages`` as its
    catalogue (written below ``directory``); every other text falls back to
    English."""
    catalogue = directory / LANGUAGE / "LC_MESSAGES" / "django.mo"
    catalogue.parent.mkdir(parents=True)
    catalogue.write_bytes(compiled_catalogue(messages))
    settings.LOCALE_PATHS = [str(directory)]
    settings.USE_I18N = True
    translation._trans.__dict__.clear()
    try:
        with translation.override(LANGUAGE):
            yield
    finally:
        settings.USE_I18N = False
        translation._trans.__dict__.clear()
