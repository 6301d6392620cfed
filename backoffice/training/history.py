"""Each staff member's training history, and who has not yet attended the fiscal year's
required training. The requirement is profile data (``[training] required_kinds``,
``required_per_fiscal_year``); the fiscal year runs from 1 April to 31 March and is named by the
year it starts in (2026 = April 2026 to March 2027)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from backoffice.training.models import Training, TrainingParticipant
from backoffice.training.trail import record_training_event
from backoffice.training.vocabulary import KIND_BY_LABEL, KIND_LABELS
from core.profile import Profile

# Whose attendance the requirement counts: the staff who do the support work.
REQUIRED_ROLES = frozenset({"coordinator", "supervisor", "liaison"})


class RequirementError(ValueError):
    """The profile names a kind of meeting this version does not know."""


def fiscal_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """First and last day of fiscal ``year``."""
    return date(year, 4, 1), date(year + 1, 3, 31)


@dataclass(frozen=True)
class Requirement:
    kinds: frozenset[str]  # code names (`training`, ...)
    per_year: int

    @property
    def labels(self) -> list[str]:
        return [KIND_LABELS[k] for k in KIND_LABELS if k in self.kinds]


def requirement_of(profile: Profile) -> Requirement:
    unknown = [k for k in profile.training_required_kinds if k not in KIND_BY_LABEL]
    if unknown:
        raise RequirementError(
            "training.required_kinds: unknown kind "
            + ", ".join(unknown)
            + " (known: "
            + ", ".join(KIND_BY_LABEL)
            + ")"
        )
    kinds = frozenset(KIND_BY_LABEL[k] for k in profile.training_required_kinds)
    return Requirement(kinds, profile.training_required_per_fiscal_year)


def history_of(session: Session, staff_user_id: int) -> list[Training]:
    """The meetings a staff member took part in, latest first."""
    statement = (
        select(Training)
        .join(TrainingParticipant, TrainingParticipant.training_id == Training.id)
        .where(TrainingParticipant.staff_user_id == staff_user_id)
        .order_by(Training.held_on.desc(), Training.id.desc())
    )
    return list(session.scalars(statement))


def read_history(session: Session, staff: StaffUser, *, actor: Actor) -> list[Training]:
    """Someone else's history, the read audited (a page about one staff member)."""
    if staff.id != actor.id:
        record_training_event(
            session, "training.history_read", staff.id, actor, object_type="staff_user"
        )
    return history_of(session, staff.id)


@dataclass(frozen=True)
class Shortfall:
    staff: StaffUser
    attended: int


def not_attended(session: Session, requirement: Requirement, year: int) -> list[Shortfall]:
    """Active staff in a support role who attended fewer required meetings in fiscal ``year``
    than the profile asks, fewest first."""
    first, last = fiscal_year_bounds(year)
    counted = (
        select(TrainingParticipant.staff_user_id, func.count(Training.id))
        .join(Training, Training.id == TrainingParticipant.training_id)
        .where(Training.kind.in_(sorted(requirement.kinds)))
        .where(Training.held_on >= first, Training.held_on <= last)
        .group_by(TrainingParticipant.staff_user_id)
    )
    attended = {row[0]: row[1] for row in session.execute(counted)}
    staff = session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.display_name)
    )
    short = [
        Shortfall(user, attended.get(user.id, 0))
        for user in staff
        if user.roles & REQUIRED_ROLES and attended.get(user.id, 0) < requirement.per_year
    ]
    return sorted(short, key=lambda s: (s.attended, s.staff.display_name, s.staff.id))
