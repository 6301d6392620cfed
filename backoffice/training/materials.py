"""Materials of a training record: PDF files only, checked by their content, kept outside the
web root under the instance folder by a random name, and handed back only as a download.

What is checked, since a PDF is opened by readers that run what it carries: the size (the
profile's ``[training] material_max_mb``); the content, which must start with ``%PDF-`` and end
with a PDF trailer (``startxref`` and ``%%EOF``), whatever the file is called; and no active
content (JavaScript, launch actions, embedded files, rich media, XFA forms, form submission),
looked for in the file and in each stream once undone through every filter of its chain
(ASCIIHex, ASCII85, Flate, LZW, RunLength), with ``#xx`` escapes in names undone. What cannot be
checked is refused: an encrypted file, a stream behind any other filter (image codecs aside, as
pixels carry no script), an object stream behind a predictor, and action names spelt with
escapes. The name a browser gave is kept only to be shown and to name the download, never as a
path.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from backoffice.training.models import Training, TrainingMaterial
from backoffice.training.records import TrainingError
from backoffice.training.trail import record_training_event

FOLDER = "training-materials"
MB = 1024 * 1024
FILENAME_LIMIT = 150
MAX_MATERIALS = 20
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
# Names of PDF features that run code, open other files or carry files of their own.
ACTIVE = frozenset(
    {
        "JavaScript",
        "JS",
        "Launch",
        "EmbeddedFile",
        "EmbeddedFiles",
        "RichMedia",
        "XFA",
        "SubmitForm",
        "ImportData",
    }
)
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# The keyword and its end of line (CR alone too, and blanks before it, as readers accept both).
_STREAM_START = re.compile(rb"(?<!end)stream[ \t]*(?:\r\n|\r|\n)")
_END_AT = re.compile(rb"\s*endstream")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
HEADER_LIMIT = 4096
INFLATE_LIMIT = 64 * MB  # more than this, once decoded, is refused rather than read on
# Action names that are refused only when spelt with #xx escapes (hiding them has no other use).
ACTIONS = frozenset({"AA", "OpenAction"})
FILTER_ALIASES = {
    b"AHx": b"ASCIIHexDecode",
    b"A85": b"ASCII85Decode",
    b"Fl": b"FlateDecode",
    b"LZW": b"LZWDecode",
    b"RL": b"RunLengthDecode",
    b"DCT": b"DCTDecode",
    b"CCF": b"CCITTFaxDecode",
}
# Image codecs: they hold pixels, which no reader runs or parses as a dictionary.
IMAGE_FILTERS = frozenset({b"DCTDecode", b"JPXDecode", b"CCITTFaxDecode", b"JBIG2Decode"})


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def folder(instance_path: Path) -> Path:
    return instance_path / FOLDER


def path_of(instance_path: Path, material: TrainingMaterial) -> Path:
    if not STORED_NAME.match(material.stored_name):  # never a path from anywhere else
        raise ValueError("not a stored material name")
    return folder(instance_path) / material.stored_name


def display_name(raw: str) -> str:
    """The name to show and download under: the last part of whatever path came, without
    control characters or leading dots, ending in .pdf."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if not name.lower().endswith(".pdf"):
        name = (name + ".pdf") if name else "資料.pdf"
    if len(name) > FILENAME_LIMIT:
        name = name[: FILENAME_LIMIT - 4] + ".pdf"
    return name


def problem_with(data: bytes, *, max_bytes: int) -> str | None:
    """Why this content is refused, in Japanese; None for a PDF we keep."""
    if not data:
        return "ファイルが空です。PDF ファイルを選んでください。"
    if len(data) > max_bytes:
        return f"ファイルが大きすぎます。{max_bytes // MB} MB 以下の PDF にしてください。"
    if not data.startswith(b"%PDF-"):
        return "PDF ファイルではありません。資料は PDF ファイルだけを添付できます。"
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in data[-4096:] or b" obj" not in data:
        return "PDF ファイルとして読めません。壊れていないか確かめてください。"
    try:
        active = sorted(_active_names(data))
    except OverflowError:
        return "PDF ファイルとして読めません。圧縮された中身が大きすぎます。"
    except UnreadableError:
        return (
            "中身を確かめられない PDF は添付できません（パスワードや暗号化のかかったもの、"
            "読めない形式で圧縮されたものなど）。印刷用の PDF として保存し直してください。"
        )
    if active:
        return (
            "動作するもの（スクリプト、ほかのファイルの起動、埋め込みファイルなど）を含む PDF は"
            "添付できません。印刷用の PDF として保存し直してください。"
        )
    return None


class UnreadableError(Exception):
    """A part of the file that cannot be checked: encrypted, or packed by a filter not undone."""


def _unescape(name: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)


def _active_names(data: bytes) -> set[str]:
    found: set[str] = set()
    for chunk in _readable(data):
        for match in _NAME.finditer(chunk):
            raw = match.group(1)
            text = _unescape(raw).decode("latin-1")
            if text == "Encrypt":
                raise UnreadableError("encrypted")
            if text in ACTIVE or (text in ACTIONS and raw != text.encode("latin-1")):
                found.add(text)
    return found


def _readable(data: bytes) -> Iterator[bytes]:
    """The file, then each stream undone through its filters (object streams hide
    dictionaries there). A stream whose filters cannot be undone is refused, unless they are
    image codecs (DCT, JPX, CCITT fax, JBIG2), which hold pixels and never a dictionary;
    an object stream is never let through unread."""
    yield data
    budget = [INFLATE_LIMIT]
    position = 0
    while True:
        match = _STREAM_START.search(data, position)
        if match is None:
            return
        begin = match.end()
        head = _header(data, match.start())
        body, position = _body(data, begin, head)
        decoded = _decode(body, head, budget)
        if decoded is not None:
            yield decoded


def _header(data: bytes, stream_at: int) -> bytes:
    """The stream's dictionary: the text since the ``obj`` keyword that opens it, names undone."""
    opened = data.rfind(b"obj", max(0, stream_at - HEADER_LIMIT), stream_at)
    return _unescape(data[opened + 3 if opened >= 0 else stream_at - HEADER_LIMIT : stream_at])


def _body(data: bytes, begin: int, head: bytes) -> tuple[bytes, int]:
    """The stream's bytes, by its direct /Length when that lands on ``endstream``, else up to
    the first ``endstream``; and where to look for the next stream."""
    length = _LENGTH.search(head)
    if length:
        end = begin + int(length.group(1))
        if _END_AT.match(data, end):
            return data[begin:end], end
    stop = data.find(b"endstream", begin)
    if stop < 0:
        return data[begin:], len(data)
    return data[begin:stop], stop + len(b"endstream")


def _decode(body: bytes, head: bytes, budget: list[int]) -> bytes | None:
    """The stream undone through every filter of its chain; None for image data."""
    is_object_stream = _OBJECT_STREAM.search(head) is not None
    found = _FILTER.search(head)
    if found is None:
        if b"/Filter" in head:
            raise UnreadableError("filter given indirectly")
        return body
    filters = [FILTER_ALIASES.get(n, n) for n in re.findall(rb"/([A-Za-z0-9]+)", found.group(1))]
    early_change = 0 if re.search(rb"/EarlyChange\s+0\b", head) else 1
    for name in filters:
        if name in IMAGE_FILTERS and not is_object_stream:
            return None
        if name == b"ASCIIHexDecode":
            body = _hex(body)
        elif name == b"ASCII85Decode":
            body = _a85(body)
        elif name == b"FlateDecode":
            body = _inflate(body, budget[0])
        elif name == b"LZWDecode":
            body = _lzw(body, early_change, budget[0])
        elif name == b"RunLengthDecode":
            body = _run_length(body, budget[0])
        else:
            raise UnreadableError(f"filter {name!r}")
        budget[0] -= len(body)
        if budget[0] < 0:
            raise OverflowError("decoded streams too large")
    if is_object_stream and re.search(rb"/Predictor\s+([2-9]|1\d)", head):
        raise UnreadableError("object stream behind a predictor")
    return body


def _hex(body: bytes) -> bytes:
    digits = re.sub(rb"\s", b"", body.split(b">", 1)[0])
    if len(digits) % 2:
        digits += b"0"
    try:
        return binascii.unhexlify(digits)
    except (binascii.Error, ValueError) as error:
        raise UnreadableError("hex") from error


def _a85(body: bytes) -> bytes:
    end = body.find(b"~>")
    if end < 0:
        raise UnreadableError("ascii85 without its end")
    try:
        return base64.a85decode(body[: end + 2].strip(), adobe=True)
    except ValueError as error:
        raise UnreadableError("ascii85") from error


def _inflate(body: bytes, budget: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(body, budget + 1)
    except zlib.error as error:
        raise UnreadableError("flate") from error
    if len(inflated) > budget:
        raise OverflowError("inflated streams too large")
    if not inflater.eof:
        raise UnreadableError("flate stream cut short")
    return inflated


def _lzw(body: bytes, early_change: int, budget: int) -> bytes:
    """LZW as PDF writes it: 9 to 12 bit codes, most significant bit first, 256 clears the
    table, 257 ends the data."""
    table = [bytes([i]) for i in range(256)] + [b"", b""]
    out = bytearray()
    width, buffer, bits, previous = 9, 0, 0, b""
    for byte in body:
        buffer = (buffer << 8) | byte
        bits += 8
        while bits >= width:
            bits -= width
            code = (buffer >> bits) & ((1 << width) - 1)
            if code == 256:
                table, width, previous = table[:258], 9, b""
                continue
            if code == 257:
                return bytes(out)
            if code < len(table) and code not in (256, 257):
                entry = table[code]
            elif code == len(table) and previous:
                entry = previous + previous[:1]
            else:
                raise UnreadableError("lzw")
            out += entry
            if len(out) > budget:
                raise OverflowError("decoded streams too large")
            if previous:
                table.append(previous + entry[:1])
            previous = entry
            if len(table) + early_change >= (1 << width) and width < 12:
                width += 1
    return bytes(out)


def _run_length(body: bytes, budget: int) -> bytes:
    out = bytearray()
    index = 0
    while index < len(body):
        length = body[index]
        if length == 128:
            break
        if length < 128:
            out += body[index + 1 : index + 2 + length]
            index += 2 + length
        else:
            out += body[index + 1 : index + 2] * (257 - length)
            index += 2
        if len(out) > budget:
            raise OverflowError("decoded streams too large")
    return bytes(out)


def add_material(
    session: Session,
    training: Training,
    upload: Upload,
    *,
    instance_path: Path,
    max_bytes: int,
    actor: Actor,
) -> TrainingMaterial:
    """Check and keep one PDF; on any problem nothing is written, to disk or database."""
    if len(training.materials) >= MAX_MATERIALS:
        raise TrainingError({"file": f"資料は1件の記録に{MAX_MATERIALS}件までです。"})
    problem = problem_with(upload.data, max_bytes=max_bytes)
    if problem:
        raise TrainingError({"file": problem})
    stored_name = secrets.token_hex(16)
    material = TrainingMaterial(
        training=training,
        stored_name=stored_name,
        filename=display_name(upload.filename),
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        uploaded_by_id=actor.id,
    )
    target = path_of(instance_path, material)
    _write(target, upload.data)
    try:
        session.add(material)
        session.flush()
        record_training_event(
            session,
            "training.material_add",
            material.id,
            actor,
            object_type="training_material",
            reason=f"training {training.id}",
        )
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return material


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(partial, target)


def record_download(session: Session, material: TrainingMaterial, *, actor: Actor) -> None:
    record_training_event(
        session,
        "training.material_download",
        material.id,
        actor,
        object_type="training_material",
        reason=f"training {material.training_id}",
    )


def remove_material(
    session: Session, material: TrainingMaterial, *, instance_path: Path, actor: Actor
) -> Path:
    """Delete the row (audited); returns the file, which the caller removes once committed (a
    failed commit then leaves the row and its file as they were)."""
    target = path_of(instance_path, material)
    record_training_event(
        session,
        "training.material_remove",
        material.id,
        actor,
        object_type="training_material",
        reason=f"training {material.training_id}",
    )
    session.delete(material)
    session.flush()
    return target


def discard(target: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
