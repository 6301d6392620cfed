"""Web origins as the municipality profile keeps them: the partner sites that may frame the
public widget (`Profile.partner_origins`), each in the one form a Content-Security-Policy
``frame-ancestors`` source takes.

Decision: any host over https; plain http only for the loopback hosts, so a partner page served
on a developer's own machine can try the widget. Such an origin may be stored anywhere (the demo
or a test may list one) but a production policy never names it (`Profile.frame_origins`), and
the back office refuses to add one in production.
"""

from __future__ import annotations

import ipaddress
import re

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def normalise_origin(text: str) -> str | None:
    """``text`` as an origin in the one form a Content-Security-Policy source takes, or None.

    An origin is a scheme, a host and perhaps a port, nothing else: https for any host, http
    only for the loopback hosts (``localhost``, ``127.0.0.1``, ``[::1]``). A trailing slash is
    dropped, the default port too, and the host is lower-cased (a non-ASCII host becomes its
    ``xn--`` form). A path, query, fragment, user name, wildcard or anything a policy would
    read as another source is refused.
    """
    text = text.strip()
    match = re.fullmatch(r"(https?)://([^/?#@\s]+?)/?", text, flags=re.IGNORECASE)
    if match is None:
        return None
    scheme, authority = match.group(1).lower(), match.group(2)
    host, port = _split_port(authority)
    host = _host(host)
    if host is None or port is False:
        return None
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        return None
    default = 443 if scheme == "https" else 80
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{scheme}://{host}{suffix}"


def is_loopback_origin(origin: str) -> bool:
    host, _port = _split_port(origin.split("://", 1)[-1])
    return host in LOOPBACK_HOSTS


def _split_port(authority: str) -> tuple[str, int | bool | None]:
    """Host and port (None: none given; False: not a port from 1 to 65535)."""
    host, colon, port = authority.rpartition(":")
    if not colon or (host.startswith("[") and not host.endswith("]")) or authority.endswith("]"):
        return authority, None
    if not (port.isascii() and port.isdigit() and len(port) <= 5 and 1 <= int(port) <= 65535):
        return host, False
    return host, int(port)


def _host(host: str) -> str | None:
    if host.startswith("[") and host.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return None
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    if not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return None
    if len(labels) == 1 and ascii_host != "localhost":
        return None  # a name with no dot is a typing slip, or a name only an intranet knows
    if labels[-1].isdigit():  # looks like an IPv4 address: only a real one
        try:
            return str(ipaddress.IPv4Address(ascii_host))
        except ValueError:
            return None
    return ascii_host
