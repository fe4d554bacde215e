"""Pick and shrink the browser tests' screenshots for docs/screenshots/.

SCREENSHOTS_DIR=var/screenshots .venv/bin/python -m pytest -q -m browser
.venv/bin/python -m tests.functional.browser.docs_screenshots var/screenshots
"""

import sys
from pathlib import Path

from PIL import Image

from tests import BASE_DIR

PAGES = [
    "home",
    "category",
    "product",
    "cart",
    "checkout",
    "guest-checkout",
    "private-order",
    "lost-links",
    "contact",
    "help",
    "order-history",
    "library",
    "admin-product",
    "admin-keyboard-book",
    "tax-fr-guest",
    "tax-de-business",
]
OUT = BASE_DIR / "docs" / "screenshots"
# Full-page shots are cut to a screenful or two; desktop ones scaled down.
LIMITS = {"desktop": (960, 1100), "phone": (390, 1500)}


def shrink(source, target, width, max_height):
    image = Image.open(source).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image = image.crop((0, 0, image.width, min(image.height, max_height)))
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        target, optimize=True
    )


def main(shots):
    OUT.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        for kind, (width, height) in LIMITS.items():
            source = Path(shots) / f"{page}-{kind}.png"
            if source.exists():
                shrink(source, OUT / source.name, width, height)
                print(f"{source.name}: {(OUT / source.name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1])
