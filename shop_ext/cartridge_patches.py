"""Every place where we replace part of Cartridge's behaviour, and why.

Each replacement has a test in tests/ that fails loudly if the upstream
behaviour it relies on changes (tests/test_cartridge_patches.py).
"""
from mezzanine.pages import page_processors as mezzanine_processors


def apply():
    _replace_category_processor()


def _replace_category_processor():
    """Cartridge's category processor passes ``?sort=`` straight to
    ``order_by`` (an unknown key is a 500) and leaves listings to fetch
    digital details per product. shop_ext.page_processors registers ours."""
    from cartridge.shop import page_processors as cartridge_processors

    registered = mezzanine_processors.processors["category"]
    registered[:] = [
        entry for entry in registered if entry[0] is not cartridge_processors.category_processor
    ]
