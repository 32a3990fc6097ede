"""The copy of backups to S3-compatible storage, against moto's S3 server over real HTTP."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from digiplace.ops.storage import (
    BackupStorageError,
    backup_remote_delete,
    backup_remote_list,
    backup_storage_configured,
    backup_upload,
    storage_location,
)

REGION = "eu-central-1"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, settings) -> str:
    """A new bucket on the server, and the settings of a copy into its ``nightly/`` folder."""
    bucket = f"backups-{uuid.uuid4().hex[:12]}"
    settings.BACKUP_S3_URL = f"s3://{bucket}/nightly"
    settings.BACKUP_S3_ENDPOINT = s3_endpoint
    settings.BACKUP_S3_REGION = REGION
    settings.BACKUP_S3_ACCESS_KEY = "test-access-key"
    settings.BACKUP_S3_SECRET_KEY = "test-secret-key"
    s3_client(s3_endpoint).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return bucket


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
    )


def test_upload_stores_the_archive_under_the_prefix_and_returns_its_url(
    s3_bucket: str, s3_endpoint: str, tmp_path: Path
) -> None:
    archive = tmp_path / "digiplace-20261201T010000Z.tar"
    archive.write_bytes(b"an archive" * 1000)

    url = backup_upload(archive)

    assert url == f"s3://{s3_bucket}/nightly/digiplace-20261201T010000Z.tar"
    stored = s3_client(s3_endpoint).get_object(
        Bucket=s3_bucket, Key="nightly/digiplace-20261201T010000Z.tar"
    )
    assert stored["Body"].read() == archive.read_bytes()
    [remote] = backup_remote_list()
    assert (remote.url, remote.key, remote.size_bytes) == (
        url,
        "nightly/digiplace-20261201T010000Z.tar",
        10_000,
    )


def test_a_large_archive_goes_up_in_parts(s3_bucket: str, s3_endpoint: str, tmp_path: Path) -> None:
    # 11 MiB in parts of 5 MiB (S3's smallest): three parts.
    archive = tmp_path / "digiplace-20261202T010000Z.tar.age"
    archive.write_bytes(uuid.uuid4().bytes * (11 * 1024 * 1024 // 16))

    url = backup_upload(archive, part_size=5 * 1024 * 1024)

    stored = s3_client(s3_endpoint).get_object(
        Bucket=s3_bucket, Key="nightly/digiplace-20261202T010000Z.tar.age"
    )
    # A multipart object's ETag is the digest of its parts' digests, followed by their count.
    assert stored["ETag"].strip('"').endswith("-3")
    assert hashlib.sha256(stored["Body"].read()).digest() == (
        hashlib.sha256(archive.read_bytes()).digest()
    )
    assert url.endswith("/nightly/digiplace-20261202T010000Z.tar.age")


def test_delete_removes_the_object_and_deleting_again_succeeds(
    s3_bucket: str, tmp_path: Path
) -> None:
    first = tmp_path / "digiplace-20261201T010000Z.tar"
    second = tmp_path / "digiplace-20261202T010000Z.tar"
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    first_url = backup_upload(first)
    second_url = backup_upload(second)

    backup_remote_delete(first_url)
    backup_remote_delete(first_url)

    assert [remote.url for remote in backup_remote_list()] == [second_url]


def test_deleting_a_bucket_or_a_folder_is_refused(s3_bucket: str, tmp_path: Path) -> None:
    archive = tmp_path / "digiplace-20261201T010000Z.tar"
    archive.write_bytes(b"kept")
    backup_upload(archive)

    for url in (f"s3://{s3_bucket}", f"s3://{s3_bucket}/", f"s3://{s3_bucket}/nightly/"):
        with pytest.raises(BackupStorageError, match="not a backup in it: nothing was deleted"):
            backup_remote_delete(url)

    assert len(backup_remote_list()) == 1


def test_a_missing_bucket_is_a_clear_error(s3_bucket: str, settings, tmp_path: Path) -> None:
    settings.BACKUP_S3_URL = "s3://no-such-bucket-here/nightly"
    archive = tmp_path / "digiplace-20261201T010000Z.tar"
    archive.write_bytes(b"data")

    with pytest.raises(
        BackupStorageError, match=r"Object storage refused the request: .*NoSuchBucket"
    ):
        backup_upload(archive)


def test_the_address_is_read_and_checked(settings) -> None:
    settings.BACKUP_S3_URL = ""
    assert not backup_storage_configured()

    assert storage_location("s3://city-backups") == storage_location("s3://city-backups/")
    assert storage_location("s3://city-backups").prefix == ""
    assert storage_location("s3://city-backups//digiplace/nightly/").prefix == (
        "digiplace/nightly/"
    )
    for wrong in ("https://city-backups/nightly", "s3:///nightly", "city-backups"):
        with pytest.raises(BackupStorageError, match="must look like s3://bucket/folder"):
            storage_location(wrong)


@pytest.mark.django_db(transaction=True)
def test_the_backup_command_copies_its_archive_with_upload(
    s3_bucket: str, s3_endpoint: str, tmp_path: Path, settings
) -> None:
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "by-hand.tar"

    call_command("backup", str(archive), "--upload", stdout=(output := io.StringIO()))

    key = "nightly/by-hand.tar"
    stored = s3_client(s3_endpoint).get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(archive.read_bytes()).digest()
    assert f"s3://{s3_bucket}/{key}" in output.getvalue()


def test_upload_without_storage_is_refused_before_anything_is_written(
    settings, tmp_path: Path
) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.BACKUP_S3_URL = ""
    archive = tmp_path / "by-hand.tar"

    with pytest.raises(CommandError, match="DIGIPLACE_BACKUP_S3_URL"):
        call_command("backup", str(archive), "--upload")
    assert list(tmp_path.iterdir()) == []
