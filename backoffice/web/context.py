"""The actor of the current request: the signed-in user, their roles, their network."""

from __future__ import annotations

from flask import current_app, g, request

from backoffice.staff.actor import Actor
from core.audit import truncate_address


def current_actor() -> Actor:
    settings = current_app.config["TSUNAGU_SETTINGS"]
    network = truncate_address(
        request.remote_addr, settings.audit_ipv4_prefix, settings.audit_ipv6_prefix
    )
    return Actor.of(g.get("staff_user"), network)
