"""支援会議: who took part in the support meetings, by kind, never by name.

A meeting's agencies are stored encrypted (`referrals.casework.SupportMeeting.agencies`): the
ids of directory organisations, or names staff typed, which may say more than a name. So they
are read here, in Python, for the meetings of a period only (never a case), and each agency
counts under a fixed kind: 支援機関一覧の機関 (the id of an organisation in the directory) or
名前で記録した機関 (anything else). No name becomes a label. The NPO's liaisons who took part
are rows of `MeetingParticipant` (ids only), kept for good.

Anonymising a case clears its meetings' agencies with everything else personal: a meeting of an
anonymised case still counts as held, and its agencies as 参加機関の記録なし (the one figure
anonymisation changes; the daily totals of its days are recomputed then).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from backoffice.referrals.casework import MeetingParticipant, SupportMeeting
from backoffice.referrals.models import Referral
from backoffice.statistics import figures_sql as sql
from backoffice.statistics.periods import Period
from directory.models import Organization

# Kind code -> label; a meeting counts once under each kind that took part.
KINDS = {
    "liaison": "つなぎ支援員（NPO）が参加",
    "directory": "支援機関一覧の機関が参加",
    "named": "名前で記録した機関が参加",
    "none": "関係機関の参加なし（職員のみ）",
    "unknown": "参加機関の記録なし（匿名化した案件）",
}
NOTES = (
    "1回の会議に複数の種類の参加者があるときは、それぞれの種類に数えています。",
    "匿名化した案件の会議は、参加機関の記録を消しているため「参加機関の記録なし」に数えています"
    "（つなぎ支援員の参加は数えています）。",
    "機関は種類だけを数え、名前は載せていません。",
)


def by_kind(session: Session, span: Period, bucket: Any) -> Iterator[tuple[Any, str, int]]:
    """(bucket, kind, meetings) for the meetings held in ``span``; ``bucket`` is the month or
    day expression of `SupportMeeting.held_on`."""
    took_part = exists().where(MeetingParticipant.meeting_id == SupportMeeting.id)
    rows = session.execute(
        select(bucket, SupportMeeting.agencies, Referral.anonymised_at.is_not(None), took_part)
        .join(Referral, Referral.id == SupportMeeting.referral_id)
        .where(sql.on_days(SupportMeeting.held_on, span))
    ).all()
    ids = {agency for row in rows for agency in row[1] or ()}
    known = _organisations(session, ids)
    counted: Counter[tuple[Any, str]] = Counter()
    for when, agencies, anonymised, liaison in rows:
        for kind in _kinds(agencies, bool(anonymised), bool(liaison), known):
            counted[(when, kind)] += 1
    for (when, kind), count in counted.items():
        yield when, kind, count


def _kinds(agencies: list[str] | None, anonymised: bool, liaison: bool, known: set[str]) -> set:
    kinds = {"liaison"} if liaison else set()
    if anonymised or agencies is None:
        return kinds | {"unknown"}
    if not agencies:
        return kinds | {"none"}
    kinds |= {"directory" if agency in known else "named" for agency in agencies}
    return kinds


def _organisations(session: Session, ids: set[str]) -> set[str]:
    """Which of ``ids`` are directory organisations (asked in slices: a long list of values)."""
    listed, ordered = set(), sorted(ids)
    for start in range(0, len(ordered), 500):
        part = ordered[start : start + 500]
        listed |= set(session.scalars(select(Organization.id).where(Organization.id.in_(part))))
    return listed
