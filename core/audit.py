"""The audit trail: an append-only, hash-chained record of who did what to which record.

Every read, change and export of personal data, and every security event, goes through
``record``. An event names the actor, the action and the object (type and id) but never holds the
personal data itself: no names of the people concerned, no message text, no contents of a referral.
``reason`` is the short justification a member of staff types when an action asks for one, and
must not repeat personal data either. The client address is kept only as a truncated network
(see ``truncate_address``).

Each event stores ``hash = sha256(prev_hash + canonical(event))``, with ``prev_hash`` the hash of
the event before it, so altering, deleting or inserting a row breaks the chain and
``verify_chain`` finds where. Deleting the newest events leaves a shorter chain that still
verifies: to detect that too, keep the head hash that ``verify_chain`` reports somewhere else.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Integer, String, Text, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64
OUTCOMES = ("success", "failure", "denied")
# Fixed key of the PostgreSQL advisory lock that serialises audit writers ("tsunagu" + 0x01).
CHAIN_LOCK_KEY = 0x7473756E61677501
# The fields covered by the hash, in addition to prev_hash. The id is not among them: it is
# assigned on insert, and the prev_hash links already fix each event's place in the chain.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_login",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "client_network",
    "reason",
)


class AuditEvent(Base):
    """One audited action. Rows are only ever inserted (see ``info``), never updated or deleted."""

    __tablename__ = "audit_event"
    # The PostgreSQL roles tool grants only INSERT and SELECT on tables flagged append-only.
    __table_args__ = {"info": {"append_only": True}}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # No foreign key: the event must outlive the staff account it names.
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_login: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    client_network: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Unique, so two events can never claim the same predecessor: a writer that somehow read a
    # stale head fails loudly instead of forking the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainLock(Base):
    """SQLite only: writing this one-row table takes the database write lock (see ``_lock_chain``).

    Unused on PostgreSQL, where an advisory lock serialises writers without any table privilege.
    """

    __tablename__ = "audit_chain_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    writes: Mapped[int] = mapped_column(Integer, default=0)


class Actor(Protocol):
    """Whoever acts: in practice a staff user, but anything with these two attributes will do."""

    @property
    def id(self) -> int: ...

    @property
    def login(self) -> str: ...


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # events read, up to and including the first broken one
    head_hash: str  # hash of the last event checked (GENESIS_HASH for an empty trail)
    broken_id: int | None = None
    problem: str | None = None


def truncate_address(address: str | None, ipv4_prefix: int, ipv6_prefix: int) -> str | None:
    """The network an address belongs to, e.g. "203.0.113.77" with 24 -> "203.0.113.0/24".

    Enough to tell the office network from the outside world, too little to single out a
    household. Anything that is not an address gives None.
    """
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack socket reporting an IPv4 client
    prefix = ipv4_prefix if ip.version == 4 else ipv6_prefix
    # An out-of-range prefix is a configuration error, so it raises rather than returning None.
    return str(ipaddress.ip_network((ip, prefix), strict=False))


def canonical(event: Any) -> str:
    """The hashed fields of an event (an ``AuditEvent`` or a row) as stable JSON.

    Sorted keys, no whitespace, explicit nulls and UTC timestamps with microseconds, so the same
    event serialises to the same text on every backend and Python version.
    """
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["occurred_at"] = fields["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, event: Any) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    action: str,
    outcome: str = "success",
    actor: Actor | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    client_network: str | None = None,
    reason: str | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Add an event to the caller's transaction, chained to the last one, and flush it.

    Not committed here: the event commits or rolls back with the change it records. The chain
    lock taken here is held until that commit, so keep the transaction short after calling this.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {OUTCOMES}, not {outcome!r}")
    if not action or len(action) > 64:
        raise ValueError(f"audit action must be 1 to 64 characters: {action!r}")
    occurred_at = occurred_at or utcnow()
    if occurred_at.tzinfo is None:
        raise ValueError("audit occurred_at must be timezone-aware")
    event = AuditEvent(
        # Stored in UTC, so the hash computed now matches the one recomputed from the row.
        occurred_at=occurred_at.astimezone(UTC),
        actor_id=actor.id if actor is not None else None,
        actor_login=actor.login if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        outcome=outcome,
        client_network=client_network,
        reason=reason,
    )
    _lock_chain(session)
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event.prev_hash = last or GENESIS_HASH
    event.hash = chain_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


def _lock_chain(session: Session) -> None:
    """Serialise audit writers until the caller's transaction ends, before the head is read.

    PostgreSQL: a transaction-scoped advisory lock, which needs no table privilege and is released
    at commit or rollback; under the default READ COMMITTED the next statement then sees every
    event committed before the lock was granted.

    SQLite: an upsert into ``audit_chain_lock``. Any write takes SQLite's single database write
    lock, waiting out the busy timeout while another writer holds it, and keeps it until the
    transaction ends; once it is held, nothing can be committed that this transaction does not
    see (had the transaction already read an older snapshot, SQLite refuses the write as "database
    is locked" rather than go on stale). ``BEGIN IMMEDIATE`` would take the same lock but cannot be
    issued inside a transaction the caller has already begun. An upsert rather than an UPDATE of a
    seeded row, so that it works even when the row is missing.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    elif dialect == "sqlite":
        upsert = sqlite.insert(AuditChainLock).values(id=1, writes=1)
        session.execute(
            upsert.on_conflict_do_update(
                index_elements=[AuditChainLock.id], set_={"writes": AuditChainLock.writes + 1}
            )
        )
    else:
        raise NotImplementedError(f"no audit chain lock for the {dialect} database")


def verify_chain(session: Session, batch_size: int = 1000) -> VerifyResult:
    """Recompute every hash and check every link, oldest first; stop at the first broken event.

    Reads plain rows in id-ordered batches, so memory stays flat however long the trail is and
    stale objects in the session's identity map cannot hide a change made behind its back.
    """
    columns = [AuditEvent.id, AuditEvent.prev_hash, AuditEvent.hash] + [
        getattr(AuditEvent, name) for name in HASHED_FIELDS
    ]
    expected_prev, last_id, checked = GENESIS_HASH, 0, 0
    while True:
        rows = session.execute(
            select(*columns)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return VerifyResult(ok=True, checked=checked, head_hash=expected_prev)
        for row in rows:
            checked += 1
            # The hash covers prev_hash, so an edited row (prev_hash included) fails here first;
            # a row that hashes correctly but does not follow its predecessor was put there, or
            # its predecessor was taken away.
            if chain_hash(row.prev_hash, row) != row.hash:
                problem = "hash mismatch: row altered"
            elif row.prev_hash != expected_prev:
                problem = "prev_hash does not match the previous event: row deleted or inserted"
            else:
                expected_prev, last_id = row.hash, row.id
                continue
            return VerifyResult(False, checked, expected_prev, broken_id=row.id, problem=problem)
