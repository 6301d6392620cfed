"""研修: trainings and exchange meetings held in the period, and who took part by organisation.

Staff participants are counted, never named; other participants are already counts by
organisation (`training.models.TrainingGuest`).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.statistics import figures_sql as sql
from backoffice.statistics.periods import Period
from backoffice.statistics.tables import Table
from backoffice.training.models import Training, TrainingGuest, TrainingParticipant
from backoffice.training.vocabulary import KIND_LABELS, ORGANISER_LABELS

STAFF_ROW = "職員（アカウントで記録した参加者）"


def tables(session: Session, period: Period) -> list[Table]:
    held = sql.on_days(Training.held_on, period)
    query = (
        select(Training.kind, Training.organiser, func.count())
        .where(held)
        .group_by(Training.kind, Training.organiser)
    )
    found = {(k, o): int(n) for k, o, n in session.execute(query)}
    meetings = Table.of(
        "training.meetings", "研修・情報交換会の開催（種類別・主催別）",
        list(KIND_LABELS.values()), list(ORGANISER_LABELS.values()),
        [[found.get((k, o), 0) for o in ORGANISER_LABELS] for k in KIND_LABELS], unit="回",
    )  # fmt: skip
    staff = (
        session.scalar(
            select(func.count(TrainingParticipant.id))
            .join(Training, Training.id == TrainingParticipant.training_id)
            .where(held)
        )
        or 0
    )
    guests = session.execute(
        select(TrainingGuest.organisation, func.sum(TrainingGuest.count))
        .join(Training, Training.id == TrainingGuest.training_id)
        .where(held)
        .group_by(TrainingGuest.organisation)
        .order_by(TrainingGuest.organisation)
    ).all()
    participants = Table.of(
        "training.participants", "研修・情報交換会の参加者（所属別・延べ人数）",
        [STAFF_ROW, *(name for name, _ in guests)], ["延べ参加者数"],
        [[staff], *([int(n)] for _, n in guests)], unit="人",
    )  # fmt: skip
    return [meetings, participants]
