import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.files import File
from django.core.files.storage import FileSystemStorage

# Everything the app writes below SENDFILE_ROOT (product files, order zips)
# must be readable by the web server's worker (nginx: www-data), which sends
# it after X-Accel-Redirect, and by nobody else. The deployment gives the
# private root group www-data and mode 2750 (docs/deploy.md): the setgid bit
# makes new files and directories inherit that group, and these modes let
# the group, and only the group, read them.
PRIVATE_FILE_MODE = 0o640
PRIVATE_DIR_MODE = 0o2750


class PrivateStorage(FileSystemStorage):
    """Files under ``SENDFILE_ROOT``: never below MEDIA_ROOT, never given a URL.

    The root is read on every use (not cached) so tests and deployments can
    point it elsewhere without re-importing the models.
    """

    file_permissions_mode = PRIVATE_FILE_MODE

    def _save(self, name, content):
        # Not directory_permissions_mode: Django chmods each new directory,
        # and a chmod by the app user (not in group www-data) clears the
        # setgid bit, so files below it would get the app's group instead.
        make_private_dirs(os.path.dirname(self.path(name)))
        return super()._save(name, written_in_place(content))

    @property
    def base_location(self):
        return settings.SENDFILE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a download view.")


private_storage = PrivateStorage()


def written_in_place(content):
    """``content`` as a file Django's storage writes afresh, never renames.

    An upload above FILE_UPLOAD_MAX_MEMORY_SIZE arrives as a temporary file,
    which FileSystemStorage renames into place (file_move_safe); a renamed
    file keeps the group it was created with (the app user's), not the
    setgid directory's, and nginx's worker (group www-data) cannot open it.
    Django's settings cannot help: FILE_UPLOAD_PERMISSIONS sets the mode
    only, a chgrp to www-data is refused to a user outside that group, and a
    FILE_UPLOAD_TEMP_DIR below the root would leave unfinished uploads there.
    A file created in its directory takes the directory's group, so the
    bytes are copied in chunks (memory stays flat) and the temporary file is
    left for Django to delete.
    """
    if hasattr(content, "temporary_file_path"):
        return File(content.file, content.name)
    return content


def get_private_storage():
    """Callable for ``FileField(storage=...)`` so migrations refer to it by name."""
    return private_storage


def make_private_dirs(directory):
    """``mkdir -p`` below SENDFILE_ROOT with PRIVATE_DIR_MODE at every level.

    mkdir narrows the mode by the umask (the unit's 0027 leaves it as is)
    and takes the setgid bit from its parent. No chmod follows: the kernel
    clears the setgid bit on a chmod by a user outside the directory's group.
    """
    directory = Path(directory)
    if directory.is_dir():
        return
    make_private_dirs(directory.parent)
    directory.mkdir(PRIVATE_DIR_MODE, exist_ok=True)


def _is_source_map(pattern):
    """A pattern is a regex, or (regex, replacement template)."""
    return "sourceMappingURL" in (pattern[0] if isinstance(pattern, tuple) else pattern)


class HashedStaticStorage(ManifestStaticFilesStorage):
    """Static files with their content's hash in their names (nginx sends
    them with a year's Cache-Control, docs/deploy.md), minus the rewriting
    of source-map comments: the vendored CSS and JS (Bootstrap, Mezzanine's
    admin) name .map files they do not ship, which would stop collectstatic."""

    patterns = tuple(
        (extension, tuple(p for p in found if not _is_source_map(p)))
        for extension, found in ManifestStaticFilesStorage.patterns
    )
