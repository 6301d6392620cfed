"""A datapackage in a zip, opened only once its table of contents is known to be harmless.

Before ``zipfile`` parses anything, the size of the table of contents is read from the zip's end
record, so a zip of millions of tiny entries is refused unread. Then every member's declared
size, compression ratio, encryption and method are checked; and a member is read a chunk at a
time against the same limits, so a member whose header lies about its size cannot get past.
Only the zip's own members are read: a resource path is looked up among them, never on disk.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import IO, Any

from directory.hsds.limits import (
    MAX_DIRECTORY_BYTES,
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    MAX_ZIP_BYTES,
    RATIO_FLOOR_BYTES,
)
from directory.hsds.sources import Budget, UnreadableFileError, decode, package_path, size_text

METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
END = struct.Struct("<4s4H2LH")  # end of central directory record
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_END = struct.Struct("<4sQ2H2L4Q")
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error)


class ZipPackage:
    """``with ZipPackage(path) as package: package.read("datapackage.json")``."""

    def __init__(self, path: Path) -> None:
        self.path, self.label = path, path.name
        self.budget = Budget(self.label)

    def __enter__(self) -> ZipPackage:
        self.archive = _open(self.path, self.label)
        try:
            self.members = _checked_members(self.archive, self.label)
            self.root = _package_root(self.members, self.label)
        except UnreadableFileError:
            self.archive.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.archive.close()

    def where(self, name: str) -> str:
        return f"{self.label} (member {name})"

    def read(self, name: Any) -> str:
        relative = package_path(name, self.where(str(self.root / "datapackage.json")))
        member = str(self.root / relative)
        where = self.where(member)
        info = self.members.get(member)
        if info is None or info.is_dir():
            raise UnreadableFileError(f"{where}: no such file in the zip")
        try:
            with self.archive.open(info) as stream:
                raw = self.budget.read(stream, where)
        except DAMAGED as error:
            reason = f"damaged, or its header is false ({error})"
            raise UnreadableFileError(f"{where}: {reason}") from None
        if len(raw) != info.file_size:  # zipfile checks the CRC too; this names the lie
            raise UnreadableFileError(
                f"{where}: holds {len(raw):,} bytes where its header says {info.file_size:,}"
            )
        return decode(raw, where)


def _open(path: Path, label: str) -> zipfile.ZipFile:
    if not path.is_file():
        raise UnreadableFileError(f"{label}: not a regular file")
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise UnreadableFileError(
            f"{label}: larger than {size_text(MAX_ZIP_BYTES)}, the limit for a zip"
        )
    with path.open("rb") as stream:
        directory = _directory_size(stream)
    if directory is None:
        raise UnreadableFileError(f"{label}: not a zip file, or a truncated one")
    if directory > MAX_DIRECTORY_BYTES:
        raise UnreadableFileError(
            f"{label}: its table of contents is {size_text(directory)}, more than"
            f" {MAX_MEMBERS} members need"
        )
    try:
        return zipfile.ZipFile(path)
    except DAMAGED as error:
        raise UnreadableFileError(f"{label}: not a zip file, or a damaged one ({error})") from None


def _directory_size(stream: IO[bytes]) -> int | None:
    """The size of the central directory as ``zipfile`` will read it, or None if not a zip.

    The end record is found as ``zipfile`` finds it: the last one within the final 64 KiB
    (a zip comment's room), preceded by a zip64 locator and record if there are any.
    """
    end = stream.seek(0, os.SEEK_END)
    start = max(0, end - END.size - 0xFFFF - ZIP64_LOCATOR.size - ZIP64_END.size)
    stream.seek(start)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06", 0, len(tail) - END.size + 4)
    if at < 0:
        return None
    size = END.unpack_from(tail, at)[5]
    locator = at - ZIP64_LOCATOR.size
    record = locator - ZIP64_END.size
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        if record < 0 or tail[record : record + 4] != b"PK\x06\x06":
            return None
        size = ZIP64_END.unpack_from(tail, record)[8]
    return size


def _checked_members(archive: zipfile.ZipFile, label: str) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnreadableFileError(
            f"{label}: {len(infos):,} members; a datapackage has at most {MAX_MEMBERS}"
        )
    twice = [name for name, count in Counter(i.filename for i in infos).items() if count > 1]
    if twice:
        raise UnreadableFileError(f"{label} (member {twice[0]}): appears twice in the zip")
    for info in infos:
        _check_member(info, f"{label} (member {info.filename})")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise UnreadableFileError(
            f"{label}: its members are {size_text(total)} uncompressed together; the limit for"
            f" one package is {size_text(MAX_TOTAL_BYTES)}"
        )
    return {info.filename: info for info in infos}


def _check_member(info: zipfile.ZipInfo, where: str) -> None:
    if info.flag_bits & 0x1:
        raise UnreadableFileError(f"{where}: encrypted; send the package without a password")
    if info.compress_type not in METHODS:
        raise UnreadableFileError(
            f"{where}: compressed with method {info.compress_type}, which cannot be read;"
            " use deflate"
        )
    if info.file_size > MAX_FILE_BYTES:
        raise UnreadableFileError(
            f"{where}: {size_text(info.file_size)} uncompressed; the limit for one file is"
            f" {size_text(MAX_FILE_BYTES)}"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
        raise UnreadableFileError(
            f"{where}: compressed {ratio:,.0f} to 1; more than {MAX_RATIO} to 1 is refused as"
            " a zip bomb"
        )


def _package_root(members: dict[str, zipfile.ZipInfo], label: str) -> PurePosixPath:
    """The folder of the zip's one datapackage.json: resource paths are read from there."""
    found = [
        PurePosixPath(name) for name in members if PurePosixPath(name).name == "datapackage.json"
    ]
    if len(found) != 1:
        count = "no" if not found else f"{len(found)}"
        raise UnreadableFileError(
            f"{label}: {count} datapackage.json in the zip; it needs exactly one"
        )
    return found[0].parent
