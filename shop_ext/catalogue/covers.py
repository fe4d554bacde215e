"""Responsive covers: each product image gets WebP versions at the widths a
product card shows it (1x and 2x), made with Pillow when the image is saved
(receivers.py) and kept in the media storage beside it, under ``webp/``.
Pages offer them with ``srcset`` (shop_ext_tags.cover_img); an image without
them (one saved before, or one Pillow cannot read) keeps its original.
``manage.py make_cover_versions`` makes them for images saved earlier."""

import io
import logging
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)

# A product card's cover is 240 CSS pixels wide: 1x and 2x screens.
COVER_WIDTHS = (240, 480)
WEBP_QUALITY = 80


def version_name(image_name, width):
    path = PurePosixPath(image_name)
    return str(path.parent / "webp" / f"{path.stem}-{width}.webp")


def make_versions(image_name):
    """Write the WebP versions of the media file ``image_name``, replacing
    older ones. Returns whether it could (an unreadable image is logged)."""
    try:
        with default_storage.open(image_name) as source, Image.open(source) as image:
            image.load()
            original = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        log.warning("No WebP versions for %s: not an image Pillow can read", image_name, exc_info=True)
        return False
    for width in COVER_WIDTHS:
        copy = original.copy()
        copy.thumbnail((width, width * 4))
        out = io.BytesIO()
        copy.save(out, "WEBP", quality=WEBP_QUALITY, method=6)
        name = version_name(image_name, width)
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(out.getvalue()))
    return True


def version_urls(image_name):
    """{width: URL} of the WebP versions of ``image_name``, or None if it has none."""
    names = {width: version_name(image_name, width) for width in COVER_WIDTHS}
    if not all(default_storage.exists(name) for name in names.values()):
        return None
    return {width: default_storage.url(name) for width, name in names.items()}
