"""The backup archive's format (version 1): one tar file, optionally encrypted with age.

Members, in this order:

- ``database/postgresql.dump`` (``pg_dump --format=custom``) or ``database/sqlite3.db`` (an
  SQLite database file);
- ``media/<path>``: each uploaded file under ``MEDIA_ROOT``;
- ``media-checksums.jsonl``: one line per media member, in member order:
  ``{"name": ..., "sha256": ..., "size": ...}``;
- ``manifest.json``: the format, versions, migrations, municipalities, rows per table, and the
  size and SHA-256 of the database member and of ``media-checksums.jsonl``.

The manifest comes last because the checksums are computed while the members are written:
each file is read once, and nothing is held in memory but a chunk.

An encrypted archive is two age files, one after the other: a fresh X25519 identity
(``AGE-SECRET-KEY-1...``) encrypted with the passphrase (age's scrypt recipient), then the tar
encrypted to that identity while it is written. pyrage streams only to X25519, SSH and plugin
recipients (``encrypt_io``); its passphrase API holds the whole plaintext in memory, which a
city's gigabytes cannot be. Both parts are standard age files: without DigiPlace, cut the
file after the first part (its header, then 106 bytes) and ``age -d -i key.age rest.age``
(age reads passphrase-encrypted identity files).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, cast

import pyrage
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_CHECKSUMS_NAME = "media-checksums.jsonl"
MEDIA_PREFIX = "media/"
DATABASE_MEMBERS = {
    "postgresql": "database/postgresql.dump",
    "sqlite": "database/sqlite3.db",
}
AGE_MAGIC = b"age-encryption.org/v1\n"
# The key part's payload: a 16-byte nonce, then the 74-byte identity and its 16-byte tag.
KEY_PAYLOAD_BYTES = 16 + 74 + 16
# An age header is a few lines; a longer one is not ours.
AGE_HEADER_MAX_BYTES = 4096
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024


class ArchiveError(Exception):
    """Why an archive cannot be read, in the user's language."""


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(AGE_MAGIC)) == AGE_MAGIC


def media_line(name: str, size: int, sha256: str) -> bytes:
    """One line of ``media-checksums.jsonl``, canonical: the reader recomputes the same bytes."""
    entry = {"name": name, "sha256": sha256, "size": size}
    return (json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode()


def member_name_valid(name: str) -> bool:
    """A member this format writes: the fixed names, or a media file's relative path."""
    if name in (MANIFEST_NAME, MEDIA_CHECKSUMS_NAME, *DATABASE_MEMBERS.values()):
        return True
    if not name.startswith(MEDIA_PREFIX) or "\x00" in name:
        return False
    relative = PurePosixPath(name[len(MEDIA_PREFIX) :])
    return (
        bool(relative.parts)
        and not relative.is_absolute()
        and all(part not in ("", ".", "..") for part in relative.parts)
    )


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile while hashing it: each byte read once."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__()
        self._file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._file.read(-1 if size is None else size)
        self.digest.update(data)
        self.size += len(data)
        return data


class _Worker:
    """A thread that runs one of pyrage's streaming calls between a pipe and a file; its
    error, if any, is raised again by ``join``."""

    def __init__(self, target: Callable[[], None], on_exit: Callable[[], None]) -> None:
        self.error: BaseException | None = None

        def run() -> None:
            try:
                target()
            except BaseException as error:
                self.error = error
            finally:
                # Closing our end of the pipe wakes the other side (EOF or a broken pipe).
                on_exit()

        self._thread = threading.Thread(target=run, name="digiplace-age", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()


class ArchiveWriter:
    """Writes an archive to ``path`` (a new file); ``add_file`` and ``add_bytes`` return each
    member's size and SHA-256."""

    def __init__(self, path: Path, *, passphrase: str = "") -> None:
        self.path = path
        self.encrypted = bool(passphrase)
        self._output = path.open("xb")
        self._pipe: IO[bytes] | None = None
        self._worker: _Worker | None = None
        try:
            if passphrase:
                identity = pyrage.x25519.Identity.generate()
                self._output.write(pyrage.passphrase.encrypt(str(identity).encode(), passphrase))
                read_fd, write_fd = os.pipe()
                reader = os.fdopen(read_fd, "rb")
                self._pipe = os.fdopen(write_fd, "wb")
                output = self._output
                recipient = identity.to_public()
                self._worker = _Worker(
                    lambda: pyrage.encrypt_io(reader, output, [recipient]), reader.close
                )
                self._tar = tarfile.open(  # noqa: SIM115 (closed by close())
                    fileobj=self._pipe, mode="w|", format=tarfile.PAX_FORMAT
                )
            else:
                self._tar = tarfile.open(  # noqa: SIM115 (closed by close())
                    fileobj=self._output, mode="w|", format=tarfile.PAX_FORMAT
                )
        except BaseException:
            self._abort()
            raise

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._abort()

    def add_file(self, name: str, source: Path) -> tuple[int, str]:
        with source.open("rb") as file:
            stat = os.fstat(file.fileno())
            info = tarfile.TarInfo(name)
            info.size = stat.st_size
            info.mtime = int(stat.st_mtime)
            info.mode = 0o644
            reader = _HashingReader(file)
            self._tar.addfile(info, reader)
        if reader.size != info.size:
            # The file changed while it was read: tarfile wrote what the header announced.
            raise OSError(f"{name} changed size while it was archived")
        return reader.size, reader.digest.hexdigest()

    def add_bytes(self, name: str, data: bytes) -> tuple[int, str]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        self._tar.addfile(info, io.BytesIO(data))
        return len(data), hashlib.sha256(data).hexdigest()

    def close(self) -> None:
        try:
            self._tar.close()
            if self._pipe is not None:
                self._pipe.close()
            if self._worker is not None:
                self._worker.join()
                if self._worker.error is not None:
                    raise self._worker.error
            self._output.flush()
            os.fsync(self._output.fileno())
        finally:
            self._output.close()

    def _abort(self) -> None:
        for closing in (getattr(self, "_tar", None), self._pipe):
            with contextlib.suppress(Exception):
                if closing is not None:
                    closing.close()
        if self._worker is not None:
            self._worker.join()
        with contextlib.suppress(Exception):
            self._output.close()


class ArchiveReader:
    """Reads an archive's members one after the other, streamed (an encrypted archive is
    decrypted on the fly). Errors become ``ArchiveError`` with the reason in the user's
    language."""

    def __init__(self, path: Path, *, passphrase: str = "") -> None:
        self.path = path
        self.passphrase = passphrase
        self.encrypted = False
        self._input: IO[bytes] | None = None
        self._pipe: IO[bytes] | None = None
        self._worker: _Worker | None = None
        self._tar: tarfile.TarFile | None = None

    def __enter__(self) -> ArchiveReader:
        try:
            self._input = self.path.open("rb")
        except OSError as error:
            raise ArchiveError(
                _("The archive %(path)s cannot be opened: %(error)s")
                % {"path": self.path, "error": error.strerror or error}
            ) from error
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None and self._pipe is not None:
            # Read the rest (the tar's padding), so that the decryption ends and says
            # whether the last chunk was whole.
            with contextlib.suppress(OSError, ValueError):
                while self._pipe.read(CHUNK_BYTES):
                    pass
        worker_error = self.close()
        if kind is None and worker_error is not None:
            raise _damaged() from worker_error

    def _open(self) -> None:
        assert self._input is not None
        source: IO[bytes] = self._input
        if self._input.read(len(AGE_MAGIC)) == AGE_MAGIC:
            self.encrypted = True
            identity = self._identity_read()
            read_fd, write_fd = os.pipe()
            self._pipe = os.fdopen(read_fd, "rb")
            writer = os.fdopen(write_fd, "wb")
            encrypted = self._input
            self._worker = _Worker(
                lambda: pyrage.decrypt_io(encrypted, writer, [identity]), writer.close
            )
            source = self._pipe
        else:
            self._input.seek(0)
        try:
            self._tar = tarfile.open(fileobj=source, mode="r|")  # noqa: SIM115 (close())
        except (tarfile.TarError, EOFError, OSError) as error:
            raise _damaged() from error

    def _identity_read(self) -> Any:
        if not self.passphrase:
            raise ArchiveError(
                _(
                    "This archive is encrypted: give its passphrase (--passphrase-file, or the "
                    "setting DIGIPLACE_BACKUP_PASSPHRASE)."
                )
            )
        assert self._input is not None
        header = bytearray(AGE_MAGIC)
        while not header.endswith(b"\n") or not header.split(b"\n")[-2].startswith(b"--- "):
            byte = self._input.read(1)
            if not byte or len(header) > AGE_HEADER_MAX_BYTES:
                raise _damaged()
            header += byte
        key_part = bytes(header) + self._input.read(KEY_PAYLOAD_BYTES)
        try:
            identity_text = pyrage.passphrase.decrypt(key_part, self.passphrase)
        except pyrage.DecryptError as error:
            raise ArchiveError(
                _("The passphrase does not open this archive (or the archive is damaged).")
            ) from error
        try:
            return pyrage.x25519.Identity.from_str(identity_text.decode())
        except (pyrage.IdentityError, UnicodeDecodeError) as error:
            raise _damaged() from error

    def members(self) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
        """Each member with a file object of its content (read it before the next)."""
        assert self._tar is not None
        try:
            for info in self._tar:
                if not member_name_valid(info.name) or not info.isreg():
                    raise ArchiveError(
                        _(
                            "The archive holds an unexpected member (%(name)s): it is not a "
                            "DigiPlace backup, or it was altered."
                        )
                        % {"name": info.name[:200]}
                    )
                content = self._tar.extractfile(info)
                assert content is not None
                yield info, cast(IO[bytes], _Guarded(content))
        except (tarfile.TarError, EOFError) as error:
            raise _damaged() from error

    def close(self) -> BaseException | None:
        """Closes everything; returns the decrypting thread's error, if it had one."""
        for closing in (self._tar, self._pipe):
            with contextlib.suppress(Exception):
                if closing is not None:
                    closing.close()
        error = None
        if self._worker is not None:
            self._worker.join()
            error = self._worker.error
        with contextlib.suppress(Exception):
            if self._input is not None:
                self._input.close()
        # A reader that stopped early closed the pipe: the thread's broken pipe is ours.
        if isinstance(error, BrokenPipeError | ValueError):
            return None
        return error


class _Guarded(io.RawIOBase):
    """A member's content whose read errors (a truncated archive) become ArchiveError."""

    def __init__(self, content: IO[bytes]) -> None:
        super().__init__()
        self._content = content

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._content.read(-1 if size is None else size)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise _damaged() from error


def _damaged() -> ArchiveError:
    return ArchiveError(
        _(
            "The archive is damaged or incomplete (truncated, or altered): it cannot be read. "
            "Nothing was changed."
        )
    )
