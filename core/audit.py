"""The audit trail: an append-only, hash-chained record of who did what to which record.

Every read, change and export of personal data, and every security event, goes through
``record``. An event names the actor, the action and the object (type and id) but never holds the
personal data itself: no names of the people concerned, no message text, no contents of a referral.
``reason`` is the short justification a member of staff types when an action asks for one, and
must not repeat personal data either. The client address is kept only as a truncated network
(see ``truncate_address``).

Each event stores ``hash = HMAC-SHA256(TSUNAGU_AUDIT_KEY, prev_hash + canonical(event))``, with
``prev_hash`` the hash of the event before it and the event's ``position`` in the chain among the
signed fields (``core.audit_chain``). Altering, deleting or inserting a row breaks the chain and
``verify_chain`` finds where; without the key, nobody who can write the table can add an event
that verifies. Deleting the newest events leaves a shorter chain that still verifies: an anchor
(``audit anchor``, kept outside the database) catches that.

The database assigns ids and nothing here trusts them: the head is the signed event furthest
along the chain, so a row inserted with a huge id (or position) neither moves the head nor blocks
the next write.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, Integer, String, Text, func, select, tuple_
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.audit_chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    SCHEME_HMAC,
    SCHEME_SHA256,
    AuditKeyError,
    audit_key,
    canonical,
    chain_hash,
    hash_matches,
    signed_hash,
)
from core.db import Base, UTCDateTime, utcnow

__all__ = ["GENESIS_HASH", "canonical", "chain_hash", "record", "verify_chain"]

OUTCOMES = ("success", "failure", "denied")
# Fixed key of the PostgreSQL advisory lock that serialises audit writers ("tsunagu" + 0x01).
CHAIN_LOCK_KEY = 0x7473756E61677501
HEAD_BATCH = 100


class AuditEvent(Base):
    """One audited action. Rows are only ever inserted (see ``info``), never updated or deleted."""

    __tablename__ = "audit_event"
    # The PostgreSQL roles tool grants only INSERT and SELECT on tables flagged append-only.
    __table_args__ = {"info": {"append_only": True}}  # noqa: RUF012

    # Assigned by the database, never by the application, and trusted for nothing.
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
    # 1 for the first event, n for the n-th; signed, so the head is found without trusting ids.
    position: Mapped[int] = mapped_column(BigInteger, index=True)
    # "hmac-sha256" (signed with TSUNAGU_AUDIT_KEY) or "sha256" (before the key, decision 0005).
    scheme: Mapped[str] = mapped_column(String(16))
    # Not unique: a row forged to claim the head's successor must not block the real next event
    # (writers are serialised by ``_lock_chain``; ``verify_chain`` finds any fork).
    prev_hash: Mapped[str] = mapped_column(String(64), index=True)
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
class ChainHead:
    """Where the chain ends: the event the next one links to (position 0: the empty trail)."""

    position: int = 0
    hash: str = GENESIS_HASH
    id: int | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Anchor:
    """A head noted outside the database (``audit anchor``): the chain must still hold it."""

    position: int
    hash: str
    id: int | None = None


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # events read, up to and including the first broken one
    head_hash: str  # hash of the last intact event (GENESIS_HASH for an empty trail)
    broken_id: int | None = None
    problem: str | None = None
    head: ChainHead = ChainHead()


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
    """Add a signed event to the caller's transaction, chained to the head, and flush it.

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
    key = audit_key()  # before the lock: a process without the key fails at once
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
        scheme=SCHEME_HMAC,
    )
    _lock_chain(session)
    head = chain_head(session, key)
    event.position = head.position + 1
    event.prev_hash = head.hash
    event.hash = signed_hash(key, event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


def chain_head(session: Session, key: bytes) -> ChainHead:
    """The event the next one links to: the signed event with the highest position.

    Rows whose signature does not verify are passed over, so an event forged without the key
    (with any id or position) can neither become the head nor stop the next write. Before the
    first signed event, the head is the last of the unkeyed events the migration numbered.
    """
    columns = _row_columns()
    order = (AuditEvent.position.desc(), AuditEvent.id.desc())
    query = select(*columns).where(AuditEvent.scheme == SCHEME_HMAC).order_by(*order)
    seen_signed = False
    for rows in _batches(session, query, HEAD_BATCH, descending=True):
        seen_signed = True
        for row in rows:
            if hash_matches(row, key):
                return ChainHead(row.position, row.hash, row.id, row.occurred_at)
    if seen_signed:
        # Signed events exist but none verifies: the configured key is not the one they were
        # signed with. Writing on would fork the trail, so stop and say so.
        raise AuditKeyError(
            "no audit event verifies under TSUNAGU_AUDIT_KEY: is it the key the trail was "
            "signed with? Run 'flask --app wsgi audit verify'."
        )
    return _unkeyed_tail(session)


def _unkeyed_tail(session: Session) -> ChainHead:
    """The last event hashed before the key: the highest position the migration gave out.

    Positions 1..n were given to the n unkeyed events in id order, so a position beyond their
    count was written since, by someone without the key, and is not the tail.
    """
    unkeyed = AuditEvent.scheme == SCHEME_SHA256
    count = session.scalar(select(func.count()).select_from(AuditEvent).where(unkeyed)) or 0
    row = session.execute(
        select(*_row_columns())
        .where(unkeyed, AuditEvent.position <= count)
        .order_by(AuditEvent.position.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return ChainHead()
    return ChainHead(row.position, row.hash, row.id, row.occurred_at)


def _row_columns() -> list[Any]:
    names = ("id", "position", "scheme", "prev_hash", "hash", *HASHED_FIELDS)
    return [getattr(AuditEvent, name) for name in dict.fromkeys(names)]


def _batches(
    session: Session, query: Any, size: int, *, descending: bool = False
) -> Iterator[list[Any]]:
    """Keyset batches of rows by (position, id), so memory stays flat on a long trail."""
    last: tuple[int, int] | None = None
    key = tuple_(AuditEvent.position, AuditEvent.id)
    while True:
        page = query if last is None else query.where(key < last if descending else key > last)
        rows = session.execute(page.limit(size)).all()
        if not rows:
            return
        yield rows
        last = (rows[-1].position, rows[-1].id)


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


def verify_chain(
    session: Session,
    batch_size: int = 1000,
    *,
    key: bytes | None = None,
    anchor: Anchor | None = None,
) -> VerifyResult:
    """Recompute every hash and check every link, in chain order; stop at the first broken event.

    Unkeyed (``sha256``) events verify only as the unbroken beginning of the trail: one after a
    signed event was written without the key. With ``anchor``, the event at the anchored
    position must be the anchored one, and the chain must reach it (else events were removed).
    Reads plain rows in batches, so memory stays flat however long the trail is and stale
    objects in the session's identity map cannot hide a change made behind its back.
    """
    query = select(*_row_columns()).order_by(AuditEvent.position, AuditEvent.id)
    head, checked, signed = ChainHead(), 0, False
    for rows in _batches(session, query, batch_size):
        for row in rows:
            checked += 1
            if row.scheme == SCHEME_HMAC:
                key = key or audit_key()
                signed = True
            problem = _problem(row, head, key, after_signed=signed)
            if problem is None and anchor is not None and row.position == anchor.position:
                problem = _anchor_problem(row, anchor)
            if problem is not None:
                return VerifyResult(False, checked, head.hash, row.id, problem, head)
            head = ChainHead(row.position, row.hash, row.id, row.occurred_at)
    if anchor is not None and head.position < anchor.position:
        problem = (
            f"the chain ends at position {head.position}, before the anchored head at position "
            f"{anchor.position}: events were removed"
        )
        return VerifyResult(False, checked, head.hash, None, problem, head)
    return VerifyResult(ok=True, checked=checked, head_hash=head.hash, head=head)


def _problem(row: Any, before: ChainHead, key: bytes | None, *, after_signed: bool) -> str | None:
    # The hash covers prev_hash, so an edited row (prev_hash included) fails here first; a row
    # that hashes correctly but does not follow its predecessor was put there, or its
    # predecessor was taken away.
    if row.scheme == SCHEME_SHA256 and after_signed:
        return "unkeyed event after the signed chain began: written without the audit key"
    if not hash_matches(row, key):
        if row.scheme == SCHEME_HMAC:
            return "hash mismatch: row altered, or written without the audit key"
        return "hash mismatch: row altered"
    if row.prev_hash != before.hash:
        return "prev_hash does not match the previous event: row deleted or inserted"
    if row.position != before.position + 1:
        return f"position {row.position} where {before.position + 1} belongs: row out of place"
    return None


def _anchor_problem(row: Any, anchor: Anchor) -> str | None:
    if row.hash != anchor.hash or (anchor.id is not None and row.id != anchor.id):
        return (
            f"the event at the anchored position {anchor.position} is not the anchored head: "
            "the trail was rewritten"
        )
    return None
