"""An anonymised case is closed for good: no flush may change it or add anything to it.

Checked at flush, for every session, so no view or service can forget it: personal data written
to an anonymised case would never be purged again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from backoffice.referrals.models import Referral


class AnonymisedCaseError(RuntimeError):
    """A change to a case that was anonymised; nothing was written."""

    def __init__(self, case_number: str) -> None:
        super().__init__(f"{case_number} は匿名化されているため、変更できません。")
        self.case_number = case_number


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_anonymised_cases(session: Session, context: Any, instances: Any) -> None:
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, Referral):
                _check_case(session, obj)
            elif isinstance(getattr(obj, "referral_id", None), int):
                case = session.get(Referral, obj.referral_id)
                if case is not None and _was_anonymised(case):
                    raise AnonymisedCaseError(case.case_number)


def _check_case(session: Session, referral: Referral) -> None:
    if not _was_anonymised(referral) or not session.is_modified(referral):
        return
    raise AnonymisedCaseError(referral.case_number)


def _was_anonymised(referral: Referral) -> bool:
    """Anonymised before this flush (the flush that anonymises it may still clear it)."""
    history = inspect(referral).attrs.anonymised_at.history
    if history.has_changes():
        return bool(history.deleted and history.deleted[0] is not None)
    return referral.anonymised_at is not None
