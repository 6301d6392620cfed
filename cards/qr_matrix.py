"""The QR matrix for a card, and its dark modules merged into runs for drawing."""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
import qrcode.constants

QUIET_ZONE = 4  # modules of white around the symbol, as the standard requires
MIN_MODULE_MM = 0.33  # smaller modules are unreliable for phone cameras at arm's length
URL_SCHEMES = ("https://", "http://")


class UrlError(ValueError):
    """The URL cannot go on a card; the message is Japanese, for staff."""


@dataclass(frozen=True)
class QrMatrix:
    data: str
    rows: tuple[tuple[bool, ...], ...]  # True is a dark module; no quiet zone included

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def size_with_quiet_zone(self) -> int:
        return self.size + 2 * QUIET_ZONE

    def runs(self) -> list[tuple[int, int, int]]:
        """Dark modules as horizontal runs (row, first column, length)."""
        found = []
        for row, modules in enumerate(self.rows):
            column = 0
            while column < self.size:
                if modules[column]:
                    start = column
                    while column < self.size and modules[column]:
                        column += 1
                    found.append((row, start, column - start))
                else:
                    column += 1
        return found


def qr_matrix(url: str) -> QrMatrix:
    """The symbol for ``url`` at error correction level M (15 % of the code can be damaged)."""
    if not url.startswith(URL_SCHEMES) or any(ch.isspace() for ch in url):
        raise UrlError("QRコードにするURLは https:// で始まり、空白を含まない形にしてください。")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return QrMatrix(url, tuple(tuple(bool(m) for m in row) for row in code.get_matrix()))
