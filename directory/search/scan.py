"""Running a plan by reading every row: SQLite before the first reindex, or an empty query.

Slow on a large directory, but it needs no FTS5 tables and finds exactly what FTS5 finds: a
variant matches where it occurs as a substring of a normalised text.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, false, func, literal, or_, select
from sqlalchemy.orm import Session

from directory.search.index import ServiceSearchText
from directory.search.plan import Plan, Word, shortest

_INDEX = ServiceSearchText.__table__


class ScanRunner:
    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.plan = plan
        self.found: dict[str, tuple[str | None, str]] = {}  # summaries: read by `load_services`
        self.scores: dict[str, int] = {}
        self.conditions = [_contains(word) for word in plan.words] + [
            or_(*(func.instr(_INDEX.c.tags, f" {t} ") > 0 for t in group))
            for group in plan.tag_groups
        ]

    def ids(self, limit: int, offset: int) -> list[str]:
        score = sum(map(_level, self.plan.words), literal(0))
        statement = (
            select(_INDEX.c.service_id, score)
            .where(*self.conditions)
            .order_by(score.desc(), _INDEX.c.doc_id)
            .limit(limit)
            .offset(offset)
        )
        rows = self.session.execute(statement).all()
        self.scores |= {row[0]: row[1] for row in rows}
        return [row[0] for row in rows]

    def count(self) -> int:
        statement = select(func.count()).select_from(_INDEX).where(*self.conditions)
        return self.session.scalar(statement) or 0

    def exists(self) -> bool:
        statement = select(_INDEX.c.service_id).where(*self.conditions).limit(1)
        return self.session.execute(statement).first() is not None

    def tier_count(self) -> int:
        return len(self._tier_scores())

    def tier_rows(self, tier: int, limit: int, hours: tuple[str, ...]) -> list[tuple[str, bool]]:
        """The first ``limit`` of a tier in index order, each with whether it has one of the
        ``hours`` tags (`results.night_ids`)."""
        tagged = or_(false(), *(func.instr(_INDEX.c.tags, f" {t} ") > 0 for t in hours))
        score = sum(map(_level, self.plan.words), literal(0))
        statement = (
            select(_INDEX.c.service_id, tagged)
            .where(*self.conditions, score == self._tier_scores()[tier])
            .order_by(_INDEX.c.doc_id)
            .limit(limit)
        )
        return [(service_id, bool(has)) for service_id, has in self.session.execute(statement)]

    def first_of(
        self, tier: int, limit: int, hours: tuple[str, ...], candidates: bool
    ) -> list[str]:
        """The first ``limit`` of a tier in index order, with one of the ``hours`` tags or
        without (`results.night_ids`)."""
        tagged = or_(*(func.instr(_INDEX.c.tags, f" {t} ") > 0 for t in hours))
        score = sum(map(_level, self.plan.words), literal(0))
        statement = (
            select(_INDEX.c.service_id)
            .where(*self.conditions, score == self._tier_scores()[tier])
            .where(tagged if candidates else ~tagged)
            .order_by(_INDEX.c.doc_id)
            .limit(limit)
        )
        return list(self.session.scalars(statement))

    def _tier_scores(self) -> tuple[int, ...]:
        """The scores of a tiered plan's tiers, best first (`plan.Plan.tiered`)."""
        return (3, 2, 1) if self.plan.words else (0,)


def _level(word: Word) -> ColumnElement[int]:
    """3: the key in a name; 2: a synonym in a name, or a whole topic name; else 1.

    A whole word (`plan.Word.whole`) is in a name only as a word of its groups.
    """
    in_name = word.findable if word.whole else (word.key,)
    first = or_(false(), *(func.instr(_INDEX.c.name_text, v) > 0 for v in in_name))
    second = or_(
        *(func.instr(_INDEX.c.name_text, v) > 0 for v in word.synonyms if v in word.findable),
        *(func.instr(_INDEX.c.topic_text, f" {v} ") > 0 for v in word.variants),
    )
    return case((first, 3), (second, 2), else_=1)


def _contains(word: Word) -> ColumnElement[bool]:
    # Short texts first: most rows then stop before the long one.
    fields = (_INDEX.c.name_text, _INDEX.c.topic_text, _INDEX.c.body_text)
    found = [func.instr(f, v) > 0 for f in fields for v in shortest(word.findable)]
    if word.whole:  # or a whole topic name (`plan.Word.whole`)
        found += [func.instr(_INDEX.c.topic_text, f" {v} ") > 0 for v in word.variants]
    return or_(false(), *found)
