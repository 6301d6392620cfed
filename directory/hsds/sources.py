"""Read an import's files as if they were hostile: bounded in size, depth and place.

Every limit is in ``directory.hsds.limits``. Anything that is not plainly a readable file within
them raises ``UnreadableFileError`` with one line that names the file (and the member of a zip) and
what is wrong, so `directory import` can say it and stop before the database is touched.
A datapackage's resources are read only from inside the package: a folder's own files (no
absolute path, no ``..``, no link leading out) or a zip's own members, never a URL.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path, PurePosixPath
from typing import IO, Any, NoReturn

from directory.hsds.limits import (
    CHUNK_BYTES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_JSON_VALUES,
    MAX_NUMBER_CHARS,
    MAX_TOTAL_BYTES,
    MIB,
)

# A JSON string (escapes included), to be skipped when counting brackets.
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# "https:", "file:", "C:": a resource path with a scheme or a drive is not a file in the package.
SCHEME_OR_DRIVE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class UnreadableFileError(Exception):
    """A file `directory import` cannot or will not read; the message is one line naming it."""


def size_text(size: int) -> str:
    return f"{size / MIB:,.0f} MiB" if size >= MIB else f"{size:,} bytes"


def read_capped(stream: IO[bytes], cap: int, too_big: str) -> bytes:
    """At most ``cap`` bytes, a chunk at a time: whatever a header said, never more is held."""
    chunks, held = [], 0
    while chunk := stream.read(CHUNK_BYTES):
        held += len(chunk)
        if held > cap:
            raise UnreadableFileError(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


def decode(raw: bytes, where: str) -> str:
    """UTF-8 text. A UTF-8 byte order mark, which Excel writes in "CSV UTF-8", is dropped."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFileError(f"{where}: UTF-16 text; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"{where}: not UTF-8 text (byte 0x{raw[error.start]:02x} at offset"
            f" {error.start:,}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise UnreadableFileError(f"{where}: holds a NUL character (byte 0), which is not text")
    return text


def read_json_file(path: Path) -> Any:
    """A JSON document on disk, within ``MAX_FILE_BYTES``."""
    where = path.name
    if not path.is_file():
        raise UnreadableFileError(f"{where}: not a regular file")
    too_big = f"{where}: larger than {size_text(MAX_FILE_BYTES)}, the limit for one file"
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UnreadableFileError(too_big)
    with path.open("rb") as stream:
        return load_json(decode(read_capped(stream, MAX_FILE_BYTES, too_big), where), where)


class _BadNumberError(Exception):
    pass


def _number(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def checked(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise _BadNumberError(
                f"a number {len(text):,} characters long; the limit is {MAX_NUMBER_CHARS}"
            )
        number = parse(text)
        if not math.isfinite(number):
            raise _BadNumberError(f"the number {text} is too large to hold")
        return number

    return checked


def _not_a_number(text: str) -> NoReturn:
    raise _BadNumberError(f"{text} is not a JSON number")


def load_json(text: str, where: str) -> Any:
    """Parse JSON no deeper than ``MAX_DEPTH``, with no number longer than ``MAX_NUMBER_CHARS``.

    Depth and values are counted before parsing, without recursion, so the parser never meets
    more: a file within its size of nothing but ``[],`` would otherwise fill the memory.
    """
    skeleton = JSON_STRING.sub("", text)  # what is left is structure, numbers and words
    brackets = NOT_BRACKET.sub("", skeleton)
    depth = max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)
    if depth > MAX_DEPTH:
        raise UnreadableFileError(
            f"{where}: nested {depth:,} levels deep; the limit is {MAX_DEPTH}"
        )
    values = skeleton.count(",") + len(brackets) // 2 + 1
    if values > MAX_JSON_VALUES:
        raise UnreadableFileError(
            f"{where}: about {values:,} values; the limit is {MAX_JSON_VALUES:,}"
        )
    try:
        data = json.loads(
            text,
            parse_int=_number(int),
            parse_float=_number(float),
            parse_constant=_not_a_number,
        )
    except _BadNumberError as error:
        raise UnreadableFileError(f"{where}: {error}") from None
    except json.JSONDecodeError as error:
        raise UnreadableFileError(f"{where}: not a JSON document ({error})") from None
    _check_strings(data, where)
    return data


def _check_strings(data: Any, where: str) -> None:
    """No NUL and no lone surrogate (``\\ud800``): neither can be stored as text."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise UnreadableFileError(f"{where}: a string holds \\u0000, which is not text")
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise UnreadableFileError(
                        f"{where}: a string holds half of a surrogate pair (\\ud800 to"
                        " \\udfff), which is not text"
                    ) from None


def package_path(name: Any, where: str) -> PurePosixPath:
    """A resource's ``path`` as a place inside the package, or ``UnreadableFileError``."""
    if not isinstance(name, str) or not name.strip():
        raise UnreadableFileError(f"{where}: a resource path must name one file in the package")
    leaves = f"{where}: resource path {name[:100]!r}"
    if SCHEME_OR_DRIVE.match(name) or name.startswith("//"):
        raise UnreadableFileError(f"{leaves} is a URL; only files inside the package are read")
    if "\\" in name or "\x00" in name:
        raise UnreadableFileError(f"{leaves} is not a plain relative path with /")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise UnreadableFileError(f"{leaves} leaves the package; only files inside it are read")
    return path


class Budget:
    """What a whole package may still read, so many files within their limit stay bounded."""

    def __init__(self, where: str) -> None:
        self.where, self.left = where, MAX_TOTAL_BYTES

    def too_big(self, name: str) -> str:
        return f"{name}: larger than {size_text(MAX_FILE_BYTES)}, the limit for one file"

    def read(self, stream: IO[bytes], name: str) -> bytes:
        """One file, refused once it passes the limit of a file or what the package has left."""
        if self.left < MAX_FILE_BYTES:
            message = (
                f"{self.where}: its files together are larger than"
                f" {size_text(MAX_TOTAL_BYTES)}, the limit for one package"
            )
        else:
            message = self.too_big(name)
        raw = read_capped(stream, min(MAX_FILE_BYTES, self.left), message)
        self.left -= len(raw)
        return raw


class FolderPackage:
    """A datapackage in a folder: only files inside it, links followed only if they stay in."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = root.name or str(root)
        self.budget = Budget(self.label)

    def where(self, name: str) -> str:
        return f"{self.label}/{name}"

    def read(self, name: Any) -> str:
        relative = package_path(name, self.where("datapackage.json"))
        where = self.where(str(relative))
        try:
            target = (self.root / relative).resolve()
        except (OSError, RuntimeError):  # a loop of links
            raise UnreadableFileError(f"{where}: a link that cannot be followed") from None
        if not target.is_relative_to(self.root):
            raise UnreadableFileError(
                f"{where}: a link leading out of the folder; only files inside it are read"
            )
        if not target.exists():
            raise UnreadableFileError(f"{where}: no such file in the package")
        if not target.is_file():
            raise UnreadableFileError(f"{where}: not a regular file")
        if target.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFileError(self.budget.too_big(where))
        with target.open("rb") as stream:
            return decode(self.budget.read(stream, where), where)
