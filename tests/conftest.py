import pytest


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path):
    """Every test gets its own media and private roots."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SENDFILE_ROOT = str(tmp_path / "private")
