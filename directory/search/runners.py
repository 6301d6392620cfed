"""Which runner answers a plan on this database, and a page with its total."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy.orm import Session

from directory.search.fts import FtsRunner
from directory.search.fts_tables import has_fts
from directory.search.loading import Found
from directory.search.plan import Plan
from directory.search.postgres import PostgresRunner, index_scans
from directory.search.scan import ScanRunner


class Runner(Protocol):
    found: Found  # summaries and statuses read with the ids so far (`loading.load_services`)
    scores: dict[str, int]  # the scores of the ids read by `ids` for a plan of several words

    def ids(self, limit: int, offset: int) -> list[str]:
        """Service ids of matches ``offset`` to ``offset + limit``, best first."""
        ...

    def count(self) -> int: ...

    def exists(self) -> bool: ...

    def tier_count(self) -> int:
        """How many relevance tiers a tiered plan has (`plan.Plan.tiered`)."""
        ...

    def tier_rows(
        self, tier: int, limit: int, hours: tuple[str, ...]
    ) -> list[tuple[str, bool]] | None:
        """The first ``limit`` ids of a tier in index order, each with whether the row has one
        of the ``hours`` tags; None where the two parts are read apart (`first_of`)."""
        ...

    def first_of(
        self, tier: int, limit: int, hours: tuple[str, ...], candidates: bool
    ) -> list[str]:
        """The first ``limit`` ids of a tier in index order, among the rows with one of the
        ``hours`` tags (``candidates``) or among those without."""
        ...


@contextmanager
def runners(session: Session) -> Iterator[Callable[[Plan], Runner]]:
    """Meanwhile, the runner for plans on this session's database (looked up once)."""
    if session.get_bind().dialect.name == "postgresql":
        with index_scans(session):
            yield lambda plan: PostgresRunner(session, plan)
    elif has_fts(session.connection()):
        yield (
            lambda plan: (
                FtsRunner(session, plan)
                if plan.words or plan.tag_groups
                else ScanRunner(session, plan)
            )
        )
    else:
        yield lambda plan: ScanRunner(session, plan)


def page(runner: Runner, limit: int, offset: int) -> tuple[list[str], int]:
    """A page of ids and the total; counted only when the page does not tell it."""
    ids = runner.ids(limit, offset)
    if len(ids) < limit and (ids or offset == 0):
        return ids, offset + len(ids)
    return ids, runner.count()
