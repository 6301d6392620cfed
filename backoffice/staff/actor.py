"""Who acts: one shape that every back-office service takes, with or without a request.

An ``Actor`` is a staff user (or nobody, before sign-in or from the server shell), the roles
in effect when the action began, and the client network the audit trail records. Views build
one with `backoffice.web.context.current_actor`; commands and tests with ``Actor.of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backoffice.staff.permissions import permissions_for

if TYPE_CHECKING:
    from backoffice.staff.models import StaffUser


@dataclass(frozen=True)
class Actor:
    user: StaffUser | None  # None before sign-in and for the server shell
    network: str | None = None  # the client address, truncated as configured
    roles: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.roles and self.user is not None:
            object.__setattr__(self, "roles", frozenset(self.user.roles))

    @classmethod
    def of(cls, user: StaffUser | None, network: str | None = None) -> Actor:
        return cls(user, network)

    @property
    def id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def login(self) -> str | None:
        return self.user.login if self.user is not None else None

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.roles)

    def may(self, permission: str) -> bool:
        return permission in self.permissions
