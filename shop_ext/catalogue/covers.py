"""Responsive covers: each product image gets WebP versions at the widths a
product card shows it (1x and 2x), made with Pillow by a worker once the
image is saved (receivers.py, tasks.py) and kept in the media storage beside
it, under ``webp/``. Which widths were made is stored (CoverVersions), so a
page renders ``srcset`` from that (shop_ext_tags.cover_img) and never asks
the storage whether a file exists (a HEAD each on S3); an image without them
(not made yet, or one Pillow cannot read) keeps its original.
``manage.py make_cover_versions`` makes them for images saved earlier."""

import io
import logging
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from shop_ext.catalogue import page_cache
from shop_ext.models import CoverVersions

log = logging.getLogger(__name__)

# A product card's cover is 240 CSS pixels wide: 1x and 2x screens.
COVER_WIDTHS = (240, 480)
WEBP_QUALITY = 80


def version_name(image_name, width):
    path = PurePosixPath(image_name)
    return str(path.parent / "webp" / f"{path.stem}-{width}.webp")


def make_versions(image_name):
    """Write the WebP versions of the media file ``image_name``, replacing
    older ones. Returns the widths made: none for an image Pillow cannot
    read (logged)."""
    try:
        with default_storage.open(image_name) as source, Image.open(source) as image:
            image.load()
            original = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        log.warning("No WebP versions for %s: not an image Pillow can read", image_name, exc_info=True)
        return []
    for width in COVER_WIDTHS:
        copy = original.copy()
        copy.thumbnail((width, width * 4))
        out = io.BytesIO()
        copy.save(out, "WEBP", quality=WEBP_QUALITY, method=6)
        name = version_name(image_name, width)
        # Saved at upload or by the command, never while a page renders.
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(out.getvalue()))
    return list(COVER_WIDTHS)


def make_for_image(image):
    """Make the versions of ProductImage ``image`` and store which exist;
    pages cached with the original are rendered again. Returns the widths."""
    widths = make_versions(image.file.name)
    CoverVersions.objects.update_or_create(image=image, defaults={"widths": widths})
    page_cache.catalogue_changed()
    return widths


def widths_for(products):
    """{product id: widths} of the WebP versions of each product's cover
    (``product.image``, the file of one of its images): one query."""
    rows = CoverVersions.objects.filter(image__product__in=[p.pk for p in products]).values_list(
        "image__product_id", "image__file", "widths"
    )
    covers = {p.pk: p.image for p in products}
    return {
        product_id: widths for product_id, name, widths in rows if name and covers.get(product_id) == name
    }


def version_urls(image_name, widths):
    """{width: URL} of the WebP versions of ``image_name``, or None unless
    every width a card uses was made (``widths``, as stored)."""
    if not set(COVER_WIDTHS) <= set(widths or ()):
        return None
    return {width: default_storage.url(version_name(image_name, width)) for width in COVER_WIDTHS}
