"""The demo account, for trying the back office on a development machine only."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from backoffice.staff import accounts, totp
from backoffice.staff.actor import Actor
from backoffice.staff.credentials import temporary_password
from backoffice.staff.permissions import ROLES
from backoffice.staff.role_changes import approve_role
from core.db import utcnow

DEMO_LOGIN = "demo"


@dataclass(frozen=True)
class DemoAccount:
    login: str
    password: str
    totp_secret: str

    def instructions(self) -> str:
        uri = totp.provisioning_uri(self.totp_secret, self.login)
        return "\n".join(
            (
                "",
                "  Demo back-office account (development only; shown once):",
                f"    login:     {self.login}",
                f"    password:  {self.password}",
                f"    2FA key:   {totp.grouped(self.totp_secret)}",
                f"    2FA URI:   {uri}",
                "  Add the key to an authenticator app, or print the current code with",
                "    .venv/bin/flask --app wsgi tsunagu demo-code",
                "",
            )
        )


def load_demo_account(
    session: Session, hasher: PasswordHasher, *, reset: bool = False
) -> DemoAccount | None:
    """Create the demo account with every role, or give it fresh secrets when asked."""
    user = accounts.find_by_login(session, DEMO_LOGIN)
    if user is not None and not reset:
        return None
    password = temporary_password()
    secret = totp.new_secret()
    actor = Actor(None, "demo loader")
    if user is None:
        user = accounts.create_staff(
            session,
            login=DEMO_LOGIN,
            display_name="デモ職員",
            roles=set(ROLES),
            password=password,
            hasher=hasher,
            actor=actor,
            must_change_password=False,
        )
    else:
        user.password_hash = hasher.hash(password)
        user.recovery_codes = []
        # Development only, from the shell: roles left waiting by a reset in the web are given
        # back, as the `staff approve` command would.
        for row in user.pending_roles:
            approve_role(session, user, row.role, actor=actor, now=utcnow())
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_last_step, user.totp_enrolled_at = None, utcnow()
    user.failed_logins, user.locked_until, user.active = 0, None, True
    return DemoAccount(DEMO_LOGIN, password, secret)
