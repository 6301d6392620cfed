"""Who is acting and from where: what services need for the audit trail, without a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request

from core.audit import truncate_address


@dataclass(frozen=True)
class Actor:
    user: Any | None  # a StaffUser, or None before sign-in
    network: str | None  # the client address, truncated as configured

    @property
    def id(self) -> int | None:
        return self.user.id if self.user is not None else None


def current_actor() -> Actor:
    settings = current_app.config["TSUNAGU_SETTINGS"]
    network = truncate_address(
        request.remote_addr, settings.audit_ipv4_prefix, settings.audit_ipv6_prefix
    )
    return Actor(g.get("staff_user"), network)
