"""The encrypted backup file: a header, then AES-256-GCM chunks, the manifest first.

A backup is encrypted with a key the operator holds (``TSUNAGU_BACKUP_KEY`` or a key file), never
with the data keys: a backup must stay readable after the data keys rotate, and whoever holds a
backup must not thereby hold the keys of the live database (the personal fields inside stay
encrypted under the data keys as well).

Layout (decision: the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, as age and
Tink use it)::

    header  = MAGIC | format (1 byte) | key check (16) | salt (32) | chunk size (4, big-endian)
    chunk_i = length (4, big-endian) | AES-256-GCM(subkey, nonce_i, plaintext_i, aad=header)
    nonce_i = i (11 bytes, big-endian) | 1 if this is the last chunk else 0

The subkey is HKDF-SHA256 of the operator's key with the file's random salt, so two backups
never share a (key, nonce) pair. Every chunk authenticates the whole header; its number and the
last-chunk flag in its nonce make a chunk moved, dropped, repeated or cut off fail to decrypt,
and nothing after the last chunk is accepted. Chunk 0 is the manifest (JSON), the rest the
database snapshot. The key check (HKDF output of its own) tells a wrong key from a damaged file.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.crypto import decode_key

MAGIC = b"TSUNAGU-BACKUP\n"
FORMAT = 1
SALT_BYTES = 32
CHECK_BYTES = 16
TAG_BYTES = 16
CHUNK_SIZE = 1 << 20  # 1 MiB: memory stays flat whatever the database's size
MAX_MANIFEST = 1 << 20
HEADER = struct.Struct(f">{len(MAGIC)}sB{CHECK_BYTES}s{SALT_BYTES}sI")
LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, in one or two lines."""


class WrongKeyError(BackupError):
    """The key given is not the one the backup was made with."""


def new_backup_key() -> str:
    """A fresh random 32-byte key, url-safe base64 like the data and audit keys."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_backup_key(text: str) -> bytes:
    try:
        return decode_key(text.strip())
    except ValueError as exc:
        raise BackupError(f"the backup key is not usable: {exc}") from None


def _derive(key: bytes, salt: bytes, purpose: bytes, length: int) -> bytes:
    kdf = HKDF(
        algorithm=hashes.SHA256(), length=length, salt=salt, info=b"tsunagu backup " + purpose
    )
    return kdf.derive(key)


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def write_encrypted(out: BinaryIO, key: bytes, manifest: bytes, payload: BinaryIO) -> None:
    """Write the header, the manifest chunk and ``payload`` in chunks to ``out``."""
    if len(manifest) > MAX_MANIFEST:
        raise BackupError("the manifest is too large")
    salt = secrets.token_bytes(SALT_BYTES)
    check = _derive(key, salt, b"key check", CHECK_BYTES)
    header = HEADER.pack(MAGIC, FORMAT, check, salt, CHUNK_SIZE)
    cipher = AESGCM(_derive(key, salt, b"chunks v1", 32))
    out.write(header)
    number, pending = 0, manifest
    # One chunk behind the reader, so the last one is known when it is written.
    while True:
        following = payload.read(CHUNK_SIZE)
        last = not following
        sealed = cipher.encrypt(_nonce(number, last), pending, header)
        out.write(LENGTH.pack(len(sealed)) + sealed)
        if last:
            return
        number, pending = number + 1, following


def _read_exact(source: BinaryIO, size: int, what: str) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise BackupError(f"the backup file is cut short ({what} incomplete)")
    return data


class _Reader:
    """Reads and authenticates a backup's chunks in order."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        raw = source.read(HEADER.size)
        if len(raw) < len(MAGIC) or not raw.startswith(MAGIC):
            raise BackupError("not a Tsunagu backup file")
        if len(raw) != HEADER.size:
            raise BackupError("the backup file is cut short (header incomplete)")
        _, version, check, salt, chunk_size = HEADER.unpack(raw)
        if version != FORMAT:
            raise BackupError(
                f"backup file format {version} is not known to this version of Tsunagu "
                f"(it reads format {FORMAT}): restore it with a newer Tsunagu"
            )
        if chunk_size != CHUNK_SIZE:
            # Nothing authenticates the header before its first chunk is read: a size taken
            # from it could make the reader hold up to 4 GiB. The writer only ever uses one.
            raise BackupError(
                f"the backup file is damaged (its header declares chunks of {chunk_size} bytes, "
                f"format {FORMAT} has {CHUNK_SIZE})"
            )
        if not hmac.compare_digest(check, _derive(key, salt, b"key check", CHECK_BYTES)):
            raise WrongKeyError(
                "wrong backup key: this backup was made with another key (or its header is damaged)"
            )
        self.source, self.header, self.number = source, raw, 0
        self.limit = max(CHUNK_SIZE, MAX_MANIFEST) + TAG_BYTES  # checked before it is read
        self.cipher = AESGCM(_derive(key, salt, b"chunks v1", 32))

    def chunks(self) -> Iterator[tuple[bytes, bool]]:
        """Each chunk's plaintext and whether it is the last; raises on any damage."""
        while True:
            (length,) = LENGTH.unpack(_read_exact(self.source, LENGTH.size, "a chunk's length"))
            if not TAG_BYTES <= length <= self.limit:
                raise BackupError(f"the backup file is damaged (chunk {self.number})")
            sealed = _read_exact(self.source, length, f"chunk {self.number}")
            # The file ends here or not: the last chunk must say so, in its authenticated nonce.
            at_end = self.source.read(1) == b""
            if not at_end:
                self.source.seek(-1, 1)
            try:
                plain = self.cipher.decrypt(_nonce(self.number, at_end), sealed, self.header)
            except InvalidTag:
                raise BackupError(
                    f"the backup file was altered or cut short (chunk {self.number} does not "
                    "authenticate)"
                ) from None
            self.number += 1
            yield plain, at_end
            if at_end:
                return


def read_manifest(source: BinaryIO, key: bytes) -> bytes:
    """The manifest, authenticated; the rest of the file is not read."""
    for plain, _ in _Reader(source, key).chunks():
        return plain
    raise AssertionError("unreachable")  # chunks() yields at least one chunk or raises


def decrypt_to(source: BinaryIO, key: bytes, out: BinaryIO) -> bytes:
    """Authenticate every chunk, writing the snapshot to ``out``; returns the manifest."""
    manifest = b""
    for number, (plain, last) in enumerate(_Reader(source, key).chunks()):
        if number == 0:
            manifest = plain
            if last:
                raise BackupError("the backup file holds no database snapshot")
        else:
            out.write(plain)
    return manifest
