"""collectstatic as production runs it (shop_ext.core.storage.HashedStaticStorage):
the shop's CSS and JS minified, hashed, and gzipped beside for nginx's
gzip_static; the admin's files copied as they are."""

import gzip
import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests import BASE_DIR


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    from django.test import override_settings

    root = tmp_path_factory.mktemp("static")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "shop_ext.core.storage.HashedStaticStorage"},
    }
    with override_settings(STATIC_ROOT=str(root), STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    return root, manifest


def test_the_shops_css_and_js_are_minified_and_hashed(collected):
    root, manifest = collected
    for name in ("theme/css/shop.css", "theme/js/shop.js"):
        source = (BASE_DIR / "theme" / "static" / name).read_bytes()
        hashed = root / manifest[name]
        assert hashed.name != Path(name).name
        assert len(hashed.read_bytes()) < 0.85 * len(source)
        assert b"/*" not in hashed.read_bytes()


def test_every_hashed_text_file_has_a_gzipped_twin_with_the_same_content(collected):
    root, manifest = collected
    hashed = root / manifest["theme/css/shop.css"]
    assert gzip.decompress(Path(f"{hashed}.gz").read_bytes()) == hashed.read_bytes()
    assert Path(f"{hashed}.gz").stat().st_size < hashed.stat().st_size / 3


def test_fonts_are_not_gzipped_and_the_admins_files_are_copied_as_they_are(collected):
    root, manifest = collected
    font = root / manifest["theme/fonts/shop-heading-serif-semibold.woff2"]
    assert font.exists()
    assert not Path(f"{font}.gz").exists()
    admin_js = "admin/js/core.js"
    original = finders.find(admin_js)
    assert (root / manifest[admin_js]).read_bytes() == Path(original).read_bytes()


def test_nginx_sends_the_gzipped_twins():
    assert "gzip_static on;" in (BASE_DIR / "deploy" / "nginx.conf").read_text()
