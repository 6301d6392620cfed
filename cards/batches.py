"""Card batches: short unguessable codes, create / print / retire (audited), and scan counting."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cards.models import (
    PUBLIC_DOWNLOAD,
    STAFF_PURPOSES,
    CardBatch,
    SavedDesign,
    ScanCount,
)
from core import audit
from core.db import utcnow
from core.problems import ProblemsError
from core.timezone import TOKYO

# No 0/o, 1/l/i: a code read aloud or typed from a card cannot be mistaken.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10  # 31**10: about 2**49, far beyond guessing one by requests
MAX_QUANTITY = 100_000
MAX_NOTE = 500


class BatchError(ProblemsError):
    """Values refused, by field."""


@dataclass(frozen=True)
class ScanTarget:
    """What the public landing page needs of a batch: never its note or who made it."""

    id: int
    code: str
    design_id: int
    active: bool


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(raw: str) -> str | None:
    """The code of a scanned URL, or None if it cannot be one (too long, other letters)."""
    code = raw.strip().lower()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def scan_url(public_base_url: str, code: str) -> str:
    return f"{public_base_url.rstrip('/')}/c/{code}"


def validate_batch(values: Mapping[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if values.get("purpose") not in STAFF_PURPOSES:
        problems["purpose"] = "用途を一覧から選んでください。"
    quantity = values.get("quantity")
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        problems["quantity"] = f"枚数は1から{MAX_QUANTITY:,}までの数字で入力してください。"
    if len(values.get("note") or "") > MAX_NOTE:
        problems["note"] = f"メモは{MAX_NOTE}文字以内にしてください。"
    return problems


def create_batch(
    session: Session,
    *,
    design: SavedDesign,
    purpose: str,
    quantity: int,
    note: str = "",
    actor: audit.Actor | None,
    network: str | None = None,
) -> CardBatch:
    """A new batch with a fresh code; refused with `BatchError` (nothing stored) when invalid."""
    values = {"purpose": purpose, "quantity": quantity, "note": note.strip()}
    problems = validate_batch(values)
    if problems:
        raise BatchError(problems)
    batch = _new_batch(session, design, purpose, quantity, note.strip(), _login(actor))
    audit.record(
        session,
        action="cards.batch.create",
        actor=actor,
        object_type="card_batch",
        object_id=batch.id,
        client_network=network,
    )
    return batch


def mark_printed(
    session: Session,
    batch: CardBatch,
    *,
    actor: audit.Actor | None,
    network: str | None = None,
    kind: str = "sheet.pdf",
) -> None:
    """Record that print files of ``batch`` were made; a retired batch is refused."""
    if batch.retired_at is not None:
        raise BatchError(
            {"batch": "終了したカードの束は印刷できません（読み取りが数えられません）。"}
        )
    batch.printed_at = utcnow()
    audit.record(
        session,
        action="cards.batch.print",
        actor=actor,
        object_type="card_batch",
        object_id=batch.id,
        client_network=network,
        reason=kind,
    )


def retire_batch(
    session: Session, batch: CardBatch, *, actor: audit.Actor | None, network: str | None = None
) -> bool:
    """Stop counting a batch's scans (its landing page still helps); False if already retired."""
    if batch.retired_at is not None:
        return False
    if batch.purpose == PUBLIC_DOWNLOAD:
        raise BatchError({"purpose": "公開ページからダウンロードするカードの束は終了できません。"})
    batch.retired_at = utcnow()
    batch.retired_by = _login(actor)
    audit.record(
        session,
        action="cards.batch.retire",
        actor=actor,
        object_type="card_batch",
        object_id=batch.id,
        client_network=network,
    )
    return True


def standing_batch(session: Session) -> CardBatch | None:
    """The batch of the generic card anyone may download from the public site."""
    return session.scalar(
        select(CardBatch)
        .where(CardBatch.purpose == PUBLIC_DOWNLOAD, CardBatch.retired_at.is_(None))
        .order_by(CardBatch.id)
        .limit(1)
    )


def ensure_standing_batch(session: Session, design: SavedDesign) -> CardBatch:
    """Create the public-download batch once; running it again changes nothing."""
    existing = standing_batch(session)
    if existing is not None:
        return existing
    return _new_batch(session, design, PUBLIC_DOWNLOAD, 0, "公開ページからのダウンロード用", "")


def find_scan_target(session: Session, code: str) -> ScanTarget | None:
    """The batch a code belongs to, reading only the columns the public role may read."""
    return _target(session, CardBatch.code == code)


def public_download_target(session: Session) -> ScanTarget | None:
    """The standing public-download batch, as the public site may see it."""
    return _target(session, CardBatch.purpose == PUBLIC_DOWNLOAD, CardBatch.retired_at.is_(None))


def _target(session: Session, *conditions: Any) -> ScanTarget | None:
    columns = (CardBatch.id, CardBatch.code, CardBatch.design_id, CardBatch.retired_at)
    row = session.execute(select(*columns).where(*conditions).order_by(CardBatch.id)).first()
    if row is None:
        return None
    return ScanTarget(row.id, row.code, row.design_id, active=row.retired_at is None)


def count_scan(session: Session, batch_id: int, *, now: datetime | None = None) -> None:
    """Add one to the batch's count for today, in one atomic statement (no read-then-write).

    Only the batch and the day are written: nothing about who scanned. On PostgreSQL the
    database's clock names the day (``now`` is for SQLite's tests only), so the public role
    cannot choose it.
    """
    if session.get_bind().dialect.name == "postgresql":
        # The function the public role may execute (migration 0018): active batches only.
        session.execute(text("SELECT count_card_scan(:batch)"), {"batch": batch_id})
        return
    day = today_in_tokyo(now)
    statement = sqlite_insert(ScanCount).values(batch_id=batch_id, day=day, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[ScanCount.batch_id, ScanCount.day],
        set_={"count": ScanCount.count + 1},
    )
    session.execute(statement)


def batches(session: Session, *, include_retired: bool = True) -> list[CardBatch]:
    statement = select(CardBatch).order_by(CardBatch.created_at.desc(), CardBatch.id.desc())
    if not include_retired:
        statement = statement.where(CardBatch.retired_at.is_(None))
    return list(session.scalars(statement))


def _new_batch(
    session: Session, design: SavedDesign, purpose: str, quantity: int, note: str, by: str
) -> CardBatch:
    code = new_code()
    while session.scalar(select(CardBatch.id).where(CardBatch.code == code)) is not None:
        code = new_code()  # astronomically rare; the unique constraint is the real guard
    batch = CardBatch(
        code=code,
        design=design,
        purpose=purpose,
        quantity=quantity,
        note=note,
        created_by=by,
    )
    session.add(batch)
    session.flush()
    return batch


def _login(actor: audit.Actor | None) -> str:
    return actor.login if actor is not None and getattr(actor, "login", None) else ""


def today_in_tokyo(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(TOKYO).date()
