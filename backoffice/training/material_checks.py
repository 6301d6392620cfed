"""What a training material's content must be, since a PDF is opened by readers that run what
it carries: within the size limit (the profile's ``[training] material_max_mb``); starting with
``%PDF-`` and ending with a PDF trailer (``startxref`` and ``%%EOF``), whatever the file is
called; and without active content (JavaScript, launch actions, embedded files, rich media, XFA
forms, form submission), looked for in the file and in each stream once undone through every
filter of its chain (`backoffice.training.pdf_filters`), with ``#xx`` escapes in names undone.
What cannot be checked is refused: an encrypted file, a stream behind any other filter (image
codecs aside, as pixels carry no script), an object stream behind a predictor, and action names
spelt with escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from backoffice.training.pdf_filters import UnreadableError, undo_filters

MB = 1024 * 1024
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
HEADER_LIMIT = 4096
INFLATE_LIMIT = 64 * MB  # more than this, once decoded, is refused rather than read on
# Action names that are refused only when spelt with #xx escapes (hiding them has no other use).
ACTIONS = frozenset({"AA", "OpenAction"})


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
        decoded = undo_filters(body, head, budget)
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
