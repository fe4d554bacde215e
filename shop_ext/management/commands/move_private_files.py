"""Copy every private file from disk to the S3 bucket, before a shop
switches SHOP_PRIVATE_STORAGE to s3 (docs/deploy.md, section 11)."""

import hashlib
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from shop_ext.core.storage import COPY_CHUNK, PrivateStorage
from shop_ext.models import ProductFileVersion, StampedCopy


def sha256_of(stream):
    with stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


class Command(BaseCommand):
    help = (
        "Copy every file below SHOP_PRIVATE_ROOT to SHOP_S3_PRIVATE_BUCKET under the same name, checking "
        "each copy's SHA-256. Files already there with the same bytes are left alone: safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", choices=["s3"], required=True, help="where to copy the files")

    def handle(self, *args, **options):
        if not settings.SHOP_S3_PRIVATE_BUCKET:
            raise CommandError("Set SHOP_S3_PRIVATE_BUCKET (and the SHOP_S3_* access settings) first.")
        source = PrivateStorage()
        target = import_string(settings.PRIVATE_S3_STORAGE["BACKEND"])(
            **settings.PRIVATE_S3_STORAGE["OPTIONS"]
        )
        root = Path(source.location)
        copied = kept = 0
        for name in sorted(self.private_names(root)):
            local = sha256_of(source.stream(name))
            if target.exists(name) and sha256_of(target.stream(name)) == local:
                kept += 1
                continue
            with source.stream(name) as data, target.writer(name) as out:
                shutil.copyfileobj(data, out, COPY_CHUNK)
            if sha256_of(target.stream(name)) != local:
                raise CommandError(
                    f"{name}: the copy in the bucket differs from the file (SHA-256); run again."
                )
            copied += 1
            self.stdout.write(f"copied {name}")
        missing = [name for name in self.names_in_database() if not source.exists(name)]
        for name in missing:
            self.stderr.write(f"missing on disk, not copied: {name}")
        self.stdout.write(
            f"{copied} copied, {kept} already in bucket {settings.SHOP_S3_PRIVATE_BUCKET} with the same "
            f"SHA-256, {len(missing)} missing on disk."
        )
        if missing:
            raise CommandError("Some files the database names are missing on disk (listed above).")

    @staticmethod
    def private_names(root):
        """Every file below the private root, as storage names; half-written
        ones (.part) are left out."""
        for directory, _dirs, files in os.walk(root):
            for file in files:
                if not file.endswith(".part"):
                    yield (Path(directory) / file).relative_to(root).as_posix()

    @staticmethod
    def names_in_database():
        versions = ProductFileVersion.objects.values_list("file", flat=True)
        copies = StampedCopy.objects.exclude(file="").values_list("file", flat=True)
        return [*versions, *copies]
