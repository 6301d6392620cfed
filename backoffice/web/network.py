"""Optional allow-list of client networks for the back office.

Behind a reverse proxy, set TSUNAGU_TRUSTED_PROXY_COUNT so the client address comes from the
proxy's X-Forwarded-For; nothing else a client sends is trusted.
"""

from __future__ import annotations

import ipaddress

from flask import Flask, abort, request

from core.config import ConfigError, Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in values)
    except ValueError as exc:
        raise ConfigError(f"TSUNAGU_BACKOFFICE_ALLOWED_NETWORKS: {exc}") from exc


def init_network_allowlist(app: Flask, settings: Settings) -> None:
    networks = parse_networks(settings.backoffice_allowed_networks)
    if not networks:
        return

    @app.before_request
    def only_allowed_networks() -> None:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            abort(403)
        if not any(address in network for network in networks):
            abort(403)
