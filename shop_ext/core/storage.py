import gzip
import os
import posixpath
import tempfile
from contextlib import contextmanager
from pathlib import Path

import rcssmin
import rjsmin
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# What object storage raises when it cannot answer: a missing bucket, a
# refused key, an endpoint that cannot be reached (botocore's errors).
STORAGE_UNAVAILABLE = (BotoCoreError, ClientError)
# Bytes copied at a time between storage and a file: memory stays flat.
COPY_CHUNK = 1024 * 1024
MB = 1024 * 1024
# How a worker moves a whole file to or from S3 (a zip, a stamped copy, a
# copy to stamp, move_private_files): boto3's defaults hold up to ten 8 MB
# parts of an upload and a thousand 256 KB pieces of a download in memory,
# over ten threads. Two threads, two parts of 8 MB in flight and a handful
# of pieces keep a transfer's buffers near 32 MB whatever the file's size
# (docs/deploy.md, section 11: the memory ceiling).
TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=8 * MB,
    multipart_chunksize=8 * MB,
    max_concurrency=2,
    max_io_queue=16,
    io_chunksize=256 * 1024,
)
# s3transfer's own limits, which boto3's TransferConfig sets to their
# defaults and takes no argument for.
TRANSFER_CONFIG.max_in_memory_upload_chunks = 2
TRANSFER_CONFIG.max_in_memory_download_chunks = 16

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

    def stream(self, name):
        """The file's bytes to read in chunks (the caller closes it)."""
        return self.open(name, "rb")

    @contextmanager
    def local_path(self, name):
        """A path on this machine holding the file, for a library that needs
        one (pypdf seeks around a PDF): the file itself."""
        yield self.path(name)

    @contextmanager
    def writer(self, name):
        """A file to write ``name`` into; it replaces ``name`` whole when
        the block ends, and is dropped if the block raises, so a reader
        never sees half a file. A temporary file in the target's directory,
        renamed into place."""
        target = Path(self.path(name))
        make_private_dirs(target.parent)
        fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(fd, "w+b") as out:
                yield out
            # mkstemp makes the file 0600: nginx's worker could not read it.
            os.chmod(temporary, PRIVATE_FILE_MODE)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class PrivateS3Storage(S3Storage):
    """Private files in an S3-compatible bucket (SHOP_PRIVATE_STORAGE=s3):
    no ACL of their own (the bucket's policy keeps them private), never
    overwritten by an upload (each version keeps its file), and no URL but
    the short-lived pre-signed ones the delivery makes. Reads stream the
    object; whole copies go through a temporary file on this machine, never
    through memory."""

    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            "default_acl": None,
            "file_overwrite": False,
            "transfer_config": TRANSFER_CONFIG,
        }

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("Private files have no URL; serve them through a download view.")

    def signed_url(self, name, seconds, method="GET", **response_headers):
        """A URL that fetches the object with ``method`` for ``seconds``,
        S3 answering with ``response_headers`` (ResponseContentType,
        ResponseContentDisposition: GET only)."""
        operation = "head_object" if method == "HEAD" else "get_object"
        params = {"Bucket": self.bucket_name, "Key": self.key(name)}
        if operation == "get_object":
            params.update(response_headers)
        return self.bucket.meta.client.generate_presigned_url(operation, Params=params, ExpiresIn=seconds)

    def key(self, name):
        """The object's key in the bucket."""
        return self._normalize_name(clean_name(name))

    def stream(self, name):
        """The object's bytes as S3 sends them (the caller closes it)."""
        return self.bucket.Object(self.key(name)).get()["Body"]

    @contextmanager
    def local_path(self, name):
        """A temporary copy on this machine, deleted after the block."""
        with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as copy:
            self.bucket.download_fileobj(self.key(name), copy, Config=self.transfer_config)
            copy.flush()
            yield copy.name

    @contextmanager
    def writer(self, name):
        """A temporary file on this machine, uploaded as ``name`` when the
        block ends (an S3 object appears whole or not at all), dropped if it
        raises."""
        with tempfile.TemporaryFile() as out:
            yield out
            out.seek(0)
            self.bucket.upload_fileobj(out, self.key(name), Config=self.transfer_config)


class MediaS3Storage(S3Storage):
    """Public media in a bucket (SHOP_MEDIA_STORAGE=s3), with the folder
    operations Mezzanine's media library (filebrowser-safe) calls on its
    storage. filebrowser-safe adds them to FileSystemStorage itself, but
    its S3 version is written for the retired boto 2 (bucket.copy_key) and
    is looked up by the storage's class name, which no S3 backend of
    django-storages matches: without these the library's pages fail.
    A bucket has no folders, only key prefixes; an empty folder is kept by
    a hidden marker object, which the library does not list (dot files)."""

    FOLDER_MARKER = ".folder"

    def isfile(self, name):
        return bool(name) and self.exists(name)

    def isdir(self, name):
        name = self._below_media_root(name)
        if not name:  # the bucket's root
            return True
        directories, files = self.listdir(name)
        return bool(directories or files)

    def makedirs(self, name):
        self.save(posixpath.join(self._below_media_root(name), self.FOLDER_MARKER), ContentFile(b""))

    @staticmethod
    def _below_media_root(name):
        """The library checks its root folder by its path below MEDIA_ROOT,
        as on disk (filebrowser_safe.functions.get_directory): the same
        folder at the bucket's root."""
        root = settings.MEDIA_ROOT.rstrip("/") + "/"
        return name.removeprefix(root)

    def move(self, old_name, new_name, allow_overwrite=False):
        """Rename ``old_name`` (a file) to ``new_name``: a copy in the
        bucket, then the old object deleted."""
        if self.exists(new_name) and not allow_overwrite:
            raise FileExistsError(new_name)
        source = {"Bucket": self.bucket_name, "Key": self._normalize_name(clean_name(old_name))}
        self.bucket.Object(self._normalize_name(clean_name(new_name))).copy(
            source, Config=self.transfer_config
        )
        self.delete(old_name)

    def rmtree(self, name):
        prefix = self._normalize_name(clean_name(name)).rstrip("/") + "/"
        self.bucket.objects.filter(Prefix=prefix).delete()


class ConfiguredPrivateStorage(LazyObject):
    """STORAGES["private"]: ``PrivateStorage`` on disk, or ``PrivateS3Storage``
    (SHOP_PRIVATE_STORAGE). Looked up on first use and again after a test
    changes STORAGES, so the models' FileFields follow the configuration."""

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = ConfiguredPrivateStorage()


@receiver(setting_changed)
def _forget_private_storage(setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty


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


# What the shop's pages load, minified as collected (names with or without
# their hash); the admin's own files (already minified, or large and not the
# shoppers') are copied as they are.
MINIFIED_PREFIXES = ("theme/", "cartridge/js/")
MINIFIERS = {".css": rcssmin.cssmin, ".js": rjsmin.jsmin}
# Text that nginx sends precompressed (gzip_static, deploy/nginx.conf); below
# this size compression gains less than a packet.
GZIPPED_EXTENSIONS = {".css", ".js", ".svg", ".json", ".txt", ".html"}
GZIP_MIN_BYTES = 512


def minified(name, content):
    """``content`` (bytes) of the static file ``name``, minified if the shop's pages load it."""
    minify = MINIFIERS.get(Path(name).suffix)
    if minify is None or not name.startswith(MINIFIED_PREFIXES) or name.endswith((".min.css", ".min.js")):
        return content
    return minify(content.decode("utf-8")).encode("utf-8")


class HashedStaticStorage(ManifestStaticFilesStorage):
    """Static files with their content's hash in their names (nginx sends
    them with a year's Cache-Control, docs/deploy.md), minus the rewriting
    of source-map comments: the vendored CSS and JS (Mezzanine's
    admin) name .map files they do not ship, which would stop collectstatic.

    The shop's CSS and JS are minified as they are written (the hash is of
    the source, which decides the minified text), and every hashed text file gets a gzipped twin
    (name.gz), which nginx sends as it is instead of compressing per request."""

    patterns = tuple(
        (extension, tuple(p for p in found if not _is_source_map(p)))
        for extension, found in ManifestStaticFilesStorage.patterns
    )

    def _save(self, name, content):
        content.seek(0)
        return super()._save(name, ContentFile(minified(name, content.read())))

    def post_process(self, paths, dry_run=False, **options):
        yield from super().post_process(paths, dry_run=dry_run, **options)
        if not dry_run:
            for name in set(self.hashed_files.values()):
                self._save_gzipped(name)

    def _save_gzipped(self, name):
        if Path(name).suffix not in GZIPPED_EXTENSIONS or self.size(name) < GZIP_MIN_BYTES:
            return
        with self.open(name) as source:
            packed = gzip.compress(source.read(), compresslevel=9, mtime=0)
        if self.exists(f"{name}.gz"):
            self.delete(f"{name}.gz")
        super()._save(f"{name}.gz", ContentFile(packed))
