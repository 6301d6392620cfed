"""PDF stream filters undone, so that what a stream hides can be read: the standard filters of
a chain (ASCIIHex, ASCII85, Flate, LZW, RunLength), under a budget of decoded bytes shared by
every stream of a file. What cannot be undone is `UnreadableError` (a filter not listed here, an
object stream behind a predictor, a stream that does not decode), except image codecs (DCT,
JPX, CCITT fax, JBIG2), which hold pixels and never a dictionary; more than the budget is
`OverflowError`.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
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


class UnreadableError(Exception):
    """A part of the file that cannot be checked: encrypted, or packed by a filter not undone."""


def undo_filters(body: bytes, head: bytes, budget: list[int]) -> bytes | None:
    """The stream undone through every filter of its chain (``head`` is its dictionary);
    None for image data. ``budget`` holds the decoded bytes the file may still use."""
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
            body = ascii_hex_decode(body)
        elif name == b"ASCII85Decode":
            body = ascii85_decode(body)
        elif name == b"FlateDecode":
            body = flate_decode(body, budget[0])
        elif name == b"LZWDecode":
            body = lzw_decode(body, early_change, budget[0])
        elif name == b"RunLengthDecode":
            body = run_length_decode(body, budget[0])
        else:
            raise UnreadableError(f"filter {name!r}")
        budget[0] -= len(body)
        if budget[0] < 0:
            raise OverflowError("decoded streams too large")
    if is_object_stream and re.search(rb"/Predictor\s+([2-9]|1\d)", head):
        raise UnreadableError("object stream behind a predictor")
    return body


def ascii_hex_decode(body: bytes) -> bytes:
    digits = re.sub(rb"\s", b"", body.split(b">", 1)[0])
    if len(digits) % 2:
        digits += b"0"
    try:
        return binascii.unhexlify(digits)
    except (binascii.Error, ValueError) as error:
        raise UnreadableError("hex") from error


def ascii85_decode(body: bytes) -> bytes:
    end = body.find(b"~>")
    if end < 0:
        raise UnreadableError("ascii85 without its end")
    try:
        return base64.a85decode(body[: end + 2].strip(), adobe=True)
    except ValueError as error:
        raise UnreadableError("ascii85") from error


def flate_decode(body: bytes, budget: int) -> bytes:
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


def lzw_decode(body: bytes, early_change: int, budget: int) -> bytes:
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


def run_length_decode(body: bytes, budget: int) -> bytes:
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
