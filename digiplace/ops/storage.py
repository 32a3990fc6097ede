"""The optional copy of backups to S3-compatible object storage (AWS S3, MinIO, Ceph, the
object storage of most European hosting providers).

Configured by ``BACKUP_S3_URL`` (``s3://bucket/prefix``), with ``BACKUP_S3_ENDPOINT`` for a
provider other than AWS, ``BACKUP_S3_REGION`` and the keys; an object's address is its
``s3://bucket/key`` URL, which is what a backup's record keeps and what deleting takes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils.translation import gettext as _

# Parts of a multipart upload. S3 allows 10,000 parts of at least 5 MiB: 64 MiB parts carry
# an archive of up to 640 GB (boto3 makes the parts larger by itself beyond that), and an
# archive smaller than one part goes in a single request.
PART_SIZE = 64 * 1024 * 1024
MINIMUM_PART_SIZE = 5 * 1024 * 1024


class BackupStorageError(Exception):
    """Object storage is misconfigured or refused a request; the message says which, in the
    active language, without the keys."""


@dataclass(frozen=True)
class StorageLocation:
    bucket: str
    prefix: str

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


@dataclass(frozen=True)
class RemoteBackup:
    url: str
    key: str
    size_bytes: int
    modified_at: datetime.datetime


def backup_storage_configured() -> bool:
    return bool(settings.BACKUP_S3_URL)


def storage_location(url: str | None = None) -> StorageLocation:
    """The bucket and key prefix of ``url`` (by default ``BACKUP_S3_URL``); a prefix ends
    with a slash, so that its objects sit in a folder of the bucket."""
    bucket, path = _split(settings.BACKUP_S3_URL if url is None else url)
    path = path.strip("/")
    return StorageLocation(bucket=bucket, prefix=f"{path}/" if path else "")


def _split(url: str) -> tuple[str, str]:
    bucket, _slash, path = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not bucket:
        raise BackupStorageError(
            _("The object storage address must look like s3://bucket/folder, not %(url)s.")
            % {"url": url}
        )
    return bucket, path


def backup_upload(path: Path, *, part_size: int = PART_SIZE) -> str:
    """Copy the archive at ``path`` into the configured bucket and prefix under its own name
    (in parts when it is larger than ``part_size``); returns the object's URL. The copy is
    checked: the stored object must have the file's size."""
    location = storage_location()
    key = f"{location.prefix}{path.name}"
    size = path.stat().st_size
    part_size = max(part_size, MINIMUM_PART_SIZE)
    client = _client()
    transfer = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size)
    try:
        client.upload_file(str(path), location.bucket, key, Config=transfer)
        stored = client.head_object(Bucket=location.bucket, Key=key)
    except (Boto3Error, BotoCoreError, ClientError) as error:
        raise _storage_error(error) from error
    if int(stored["ContentLength"]) != size:
        raise BackupStorageError(
            _(
                "Object storage kept %(stored)s bytes of %(name)s instead of %(size)s: "
                "the copy is incomplete."
            )
            % {"stored": stored["ContentLength"], "name": path.name, "size": size}
        )
    return location.url(key)


def backup_remote_list() -> list[RemoteBackup]:
    """The objects under the configured prefix, oldest first."""
    location = storage_location()
    client = _client()
    found: list[RemoteBackup] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=location.bucket, Prefix=location.prefix
        ):
            for item in page.get("Contents", []):
                found.append(
                    RemoteBackup(
                        url=location.url(item["Key"]),
                        key=item["Key"],
                        size_bytes=int(item["Size"]),
                        modified_at=item["LastModified"],
                    )
                )
    except (Boto3Error, BotoCoreError, ClientError) as error:
        raise _storage_error(error) from error
    return sorted(found, key=lambda remote: (remote.modified_at, remote.key))


def backup_remote_delete(url: str) -> None:
    """Delete the object at ``url`` (an ``s3://bucket/key`` URL that an upload returned);
    deleting one that is already gone succeeds, as S3 does."""
    bucket, key = _split(url)
    if not key or key.endswith("/"):
        raise BackupStorageError(
            _("%(url)s names a bucket or a folder, not a backup in it: nothing was deleted.")
            % {"url": url}
        )
    try:
        _client().delete_object(Bucket=bucket, Key=key)
    except (Boto3Error, BotoCoreError, ClientError) as error:
        raise _storage_error(error) from error


def _client() -> Any:
    endpoint = settings.BACKUP_S3_ENDPOINT or None
    config = Config(
        # Other providers than AWS: addresses of the form endpoint/bucket/key (a bucket as a
        # host name needs DNS records they may not have), and checksums only where S3 requires
        # them (botocore's newer default checksum headers are refused by several of them).
        s3={"addressing_style": "path" if endpoint else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 5, "mode": "standard"},
        connect_timeout=10,
        read_timeout=120,
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=settings.BACKUP_S3_REGION or None,
        # Without keys, boto3's own chain (environment, instance role) is used.
        aws_access_key_id=settings.BACKUP_S3_ACCESS_KEY or None,
        aws_secret_access_key=settings.BACKUP_S3_SECRET_KEY or None,
        config=config,
    )


def _storage_error(error: Exception) -> BackupStorageError:
    # botocore's messages name the operation, the bucket and the provider's error code, never
    # the keys.
    return BackupStorageError(
        _("Object storage refused the request: %(reason)s") % {"reason": error}
    )
