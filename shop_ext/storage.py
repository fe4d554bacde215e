import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``SENDFILE_ROOT``: never below MEDIA_ROOT, never given a URL.

    The root is read on every use (not cached) so tests and deployments can
    point it elsewhere without re-importing the models.
    """

    @property
    def base_location(self):
        return settings.SENDFILE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a download view.")


private_storage = PrivateStorage()


def get_private_storage():
    """Callable for ``FileField(storage=...)`` so migrations refer to it by name."""
    return private_storage
