"""研修: trainings and exchange meetings held in the period, and who took part by organisation.

Staff participants are counted, never named; other participants are counts by organisation
(`training.models.TrainingGuest`), whose name staff type freely: a person's name or a case number
could be typed there. So no typed name becomes a label: a guest row counts under a fixed kind,
the directory's organisations (the typed name is exactly the name of an organisation that runs a
published service, public data) or the others. Both modes (internal and publication) show the
kinds only, as the figures do not know the mode they are read for.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backoffice.statistics import figures_sql as sql
from backoffice.statistics.periods import Period
from backoffice.statistics.tables import Table
from backoffice.training.models import Training, TrainingGuest, TrainingParticipant
from backoffice.training.vocabulary import KIND_LABELS, ORGANISER_LABELS
from directory.models import Organization, Service

STAFF_ROW = "職員（アカウントで記録した参加者）"
DIRECTORY_ROW = "支援機関一覧にある機関"
OTHER_ROW = "その他の機関"


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
    published = select(Service.organization_id).where(Service.status == "published")
    in_directory = TrainingGuest.organisation.in_(
        select(Organization.name).where(Organization.id.in_(published))
    )
    kind = case((in_directory, DIRECTORY_ROW), else_=OTHER_ROW)
    guests = sql.counts(
        session,
        select(kind, func.sum(TrainingGuest.count))
        .join(Training, Training.id == TrainingGuest.training_id)
        .where(held)
        .group_by(kind),
    )
    participants = Table.of(
        "training.participants", "研修・情報交換会の参加者（所属の種類別・延べ人数）",
        [STAFF_ROW, DIRECTORY_ROW, OTHER_ROW], ["延べ参加者数"],
        [[staff], [guests.get(DIRECTORY_ROW, 0)], [guests.get(OTHER_ROW, 0)]], unit="人",
    )  # fmt: skip
    return [meetings, participants]
