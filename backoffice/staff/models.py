"""Back-office models: staff accounts, their roles and recovery codes, server-side sessions,
the sign-in attempt counts of logins that have no account, and security notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.staff.permissions import ACCOUNT_PERMISSIONS, permissions_for
from core.crypto import EncryptedString
from core.db import Base, UTCDateTime, utcnow


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Encrypted like the secret below, so the hash is bound to this row: a hash copied into a
    # colleague's account does not verify there. The secrets load only when a check reads them
    # (deferred): a list of accounts never decrypts them.
    password_hash: Mapped[str] = mapped_column(
        EncryptedString("staff_user.password_hash"), deferred=True
    )
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The second factor's secret is personal data: encrypted with the data key.
    totp_secret: Mapped[str | None] = mapped_column(
        EncryptedString("staff_user.totp_secret"), nullable=True, deferred=True
    )
    totp_pending_secret: Mapped[str | None] = mapped_column(
        EncryptedString("staff_user.totp_pending_secret"), nullable=True, deferred=True
    )
    # The time step of the last accepted code: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The sign-in attempt clock (backoffice/lockout.py), the same as ``LoginThrottle``'s.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    role_rows: Mapped[list[StaffRole]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="StaffRole.user_id",
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> frozenset[str]:
        """The roles in effect. A role waiting for a second administrator's approval grants
        nothing: the gate, the templates and every case scope read this."""
        return frozenset(row.role for row in self.role_rows if not row.pending)

    @property
    def permissions(self) -> frozenset[str]:
        """What the roles in effect grant, and the account's own pages (ACCOUNT_PERMISSIONS)
        as long as it holds any role, so an account whose roles all wait is told so."""
        granted = permissions_for(self.roles)
        return granted | ACCOUNT_PERMISSIONS if self.role_rows else granted

    @property
    def granted_roles(self) -> frozenset[str]:
        """Every role given, approved or not: what the account form shows and saves."""
        return frozenset(row.role for row in self.role_rows)

    @property
    def pending_roles(self) -> list[StaffRole]:
        return sorted((row for row in self.role_rows if row.pending), key=lambda row: row.role)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None


class StaffRole(Base):
    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    # Who gave the role, or last reset the account's password or second factor, and when.
    # None for the server shell and for roles given before these columns (migration 0023).
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A role is in effect once approved. A case role or the admin role an administrator gives
    # through the web waits (None) for a second administrator; approved_by is None when no
    # second look was needed (the server shell, roles that open no case, older rows).
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[StaffUser] = relationship(back_populates="role_rows", foreign_keys=[user_id])
    granted_by: Mapped[StaffUser | None] = relationship(foreign_keys=[granted_by_id])

    @property
    def pending(self) -> bool:
        return self.approved_at is None


class RecoveryCode(Base):
    """A one-time recovery code, stored only as a hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")


class StaffSession(Base):
    """A server-side session. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True
    )
    # "anonymous" before sign-in, "password" after the password, "active" after the code.
    stage: Mapped[str] = mapped_column(String(16), default="anonymous")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    authenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(32), default="")
    client_network: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[StaffUser | None] = relationship()


class LoginThrottle(Base):
    """The attempt clock of a login that names no active account, so it locks like a real one.

    The login is stored only as a keyed hash: what people type there is sometimes a password.
    """

    __tablename__ = "login_throttle"

    login_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StaffNotice(Base):
    """A change to an account's password or second factor, told to its owner.

    Shown once at the owner's next sign-in (``shown_at``) and listed on their account page, so
    someone who did not make the change notices it and tells an administrator.
    """

    __tablename__ = "staff_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # True when an administrator (or the server shell) made the change, not the owner.
    by_administrator: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
