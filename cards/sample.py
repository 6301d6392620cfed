"""Whether a card's QR code leads somewhere the public can reach, or the card is only a sample.

A card printed while the site runs on a developer's machine, a test server or behind a private
address would send a resident in crisis to a page that never opens. Such cards are marked
「見本・配布しないでください」 on every face, so that a test print cannot end up in a letterbox.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SAMPLE_MARK = "見本・配布しないでください"
# Names that never resolve on the public internet: RFC 2606, 6761, 6762, 8375, and the
# suffixes commonly used inside offices (ICANN set aside ``.internal`` in 2024).
PRIVATE_SUFFIXES = (
    "example", "invalid", "localhost", "test", "local", "home.arpa", "internal", "intranet",
    "lan", "corp", "home", "private", "localdomain",
)  # fmt: skip
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")


def sample_reason(url: str) -> str | None:
    """Why a card whose QR code opens ``url`` is only a sample (Japanese, for staff), or None
    when ``url`` is a public https address that residents' phones can open."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return "QRコードの行き先のアドレスを読み取れません。"
    if parts.scheme != "https":
        return "QRコードの行き先が https:// で始まる公開用のアドレスではありません。"
    if not host:
        return "QRコードの行き先にホスト名がありません。"
    if _private_ip(host) or not _public_name(host):
        return f"QRコードの行き先（{host}）は、この端末や内部のネットワークでしか開けません。"
    return None


def is_public(url: str) -> bool:
    return sample_reason(url) is None


def _private_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def _public_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return True  # a global IP address: reachable, if unusual
    if "." not in host:
        return False  # a single label such as "tsunagu" resolves only inside a network
    if any(host == s or host.endswith("." + s) for s in PRIVATE_SUFFIXES):
        return False
    return not any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS)
