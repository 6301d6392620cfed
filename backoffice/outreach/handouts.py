"""Guidance cards handed out: at a contact (with its result), or on their own (an event, the
counter, a partner agency), and what a batch's cards became (printed, handed out, scanned),
per batch only, never per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.outreach.models import HANDOUT_KINDS, CardHandout, OutreachContact
from backoffice.outreach.subjects import OutreachError
from backoffice.staff.actor import Actor
from cards.models import CardBatch
from cards.stats import batch_total, shows_figures
from core import audit
from core.timezone import tokyo_today

HANDOUT_LIMIT = 100_000  # more than any batch holds: a typing slip


def cards_problems(
    session: Session, batch_id: int | None, count: int, done_on: date | None
) -> dict[str, str]:
    """The cards handed out at a contact: a batch on the list, a count, and a day done."""
    if not batch_id and not count:
        return {}
    if not batch_id or session.get(CardBatch, batch_id) is None:
        return {"batch_id": "配ったカードの束を一覧から選んでください。"}
    if count < 1 or count > HANDOUT_LIMIT:
        return {"cards": "配った枚数を1以上の数で入力してください。"}
    if done_on is None:
        return {"cards": "カードを配った記録は、実施した日とあわせて入力してください。"}
    return {}


def hand_out_at(
    session: Session, contact: OutreachContact, batch_id: int | None, cards: int, actor: Actor
) -> None:
    """The cards handed out at a contact done, counted as a visit's or (any other contact) an
    event's."""
    if batch_id and cards and contact.done_on is not None:
        session.add(
            CardHandout(
                batch_id=batch_id, kind="visit" if contact.kind == "home_visit" else "event",
                count=cards, handed_on=contact.done_on, contact_id=contact.id,
                recorded_by_id=actor.id,
            )
        )  # fmt: skip
        session.flush()


def record_handout(
    session: Session,
    *,
    batch_id: int | None,
    kind: str,
    count: int | None,
    handed_on: date | None,
    actor: Actor,
) -> CardHandout:
    """Cards handed out on their own (an event, the counter, a partner agency). Audited."""
    problems: dict[str, str] = {}
    if kind not in HANDOUT_KINDS:
        problems["kind"] = "配った場を一覧から選んでください。"
    if not batch_id or session.get(CardBatch, batch_id) is None:
        problems["batch_id"] = "配ったカードの束を一覧から選んでください。"
    if count is None or not 1 <= count <= HANDOUT_LIMIT:
        problems["count"] = "配った枚数を1以上の数で入力してください。"
    if handed_on is None:
        problems["handed_on"] = "配った日を入力してください。"
    elif handed_on > tokyo_today():
        problems["handed_on"] = "配った日に未来の日付は入力できません。"
    if problems or batch_id is None or count is None or handed_on is None:
        raise OutreachError(problems)
    handout = CardHandout(
        batch_id=batch_id, kind=kind, count=count, handed_on=handed_on, recorded_by_id=actor.id
    )
    session.add(handout)
    session.flush()
    audit_reason = f"batch {batch_id}: {count} ({kind})"
    audit.record(
        session, action="outreach.handout", actor=actor, object_type="card_batch",
        object_id=batch_id, client_network=actor.network, reason=audit_reason,
    )  # fmt: skip
    return handout


@dataclass(frozen=True)
class BatchOutreach:
    """A batch's cards: printed, handed out (by kind) and scanned; None where the batch is too
    small to show figures (`cards.stats.shows_figures`)."""

    printed: int
    handed_out: int
    by_kind: dict[str, int]
    scans: int


def batch_outreach(
    session: Session, batch: CardBatch, *, minimum_batch: int
) -> BatchOutreach | None:
    """Per batch only, never per person; nothing below the minimum batch size."""
    if not shows_figures(batch, minimum_batch):
        return None
    rows = session.execute(
        select(CardHandout.kind, func.sum(CardHandout.count))
        .where(CardHandout.batch_id == batch.id)
        .group_by(CardHandout.kind)
    ).all()
    by_kind = {kind: int(total or 0) for kind, total in rows}
    return BatchOutreach(
        printed=batch.quantity,
        handed_out=sum(by_kind.values()),
        by_kind={k: by_kind[k] for k in HANDOUT_KINDS if k in by_kind},
        scans=batch_total(session, batch.id),
    )
