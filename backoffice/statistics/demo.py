"""Synthetic cases to try the statistics on (`tsunagu demo-cases N`), never real people.

``generate`` adds N referrals spread from 1 April two fiscal years back until now (Japan time),
in proportions like those of an SNS counselling service: mostly by LINE, age bands skewed
young, a few urgent, most ended with a reason, some consents withdrawn, links to directory
services and named agencies, follow-ups, support meetings; and beside them outreach subjects
(one for every ten referrals) with their visits, card batches with hand-outs and scans, and
trainings.

Everything is marked as synthetic: every case is a pseudonym named 「合成データ 000123」, every
free text starts with 「合成データ」, card batches and trainings say so in their note and title,
and case numbers start with ``S-`` (real ones with ``R-``). Runs are additive: each adds N more
cases after the highest ids already there, so nothing existing is touched.

The rows are inserted in bulk (hundreds of thousands in a minute), not through the services:
each encrypted value is a `RowBound` for its explicit id, as the ORM would write it, and
`sync_id_sequences` moves PostgreSQL's sequences past the ids given. The statistics' daily
totals see them: `stale` marks the days of rows inserted in bulk, read back by their ids. The
parts: `demo_rows` (ids, clock, inserts), `demo_cases`, `demo_outreach`. Rules only: no Flask.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from backoffice.statistics.demo_cases import CaseRows
from backoffice.statistics.demo_outreach import OutreachRows
from backoffice.statistics.demo_rows import FISCAL_YEARS, SYNTHETIC, DemoSummary, first_day

__all__ = ["FISCAL_YEARS", "SYNTHETIC", "DemoSummary", "first_day", "generate"]

OUTREACH_SHARE = 10  # one outreach subject for every ten referrals


class _Generator(CaseRows, OutreachRows):
    """Cases, then outreach, cards and trainings, sharing one clock and one set of ids."""


def generate(
    session: Session,
    count: int,
    *,
    staff_ids: Sequence[int],
    districts: Sequence[str],
    now: datetime | None = None,
    seed: int | None = None,
) -> DemoSummary:
    """Add ``count`` synthetic referrals and what goes with them; in the caller's transaction."""
    if count < 1:
        raise ValueError("the number of cases must be at least 1")
    if not staff_ids:
        raise ValueError("synthetic cases need at least one staff account")
    now = now or datetime.now(UTC)
    rng = random.Random(seed)  # noqa: S311  (made-up cases, not secrets)
    gen = _Generator(session, rng, now, list(staff_ids), list(districts) or ["(不明)"])
    gen.referrals(count)
    gen.outreach(max(1, count // OUTREACH_SHARE))
    gen.cards()
    gen.trainings(max(2 * FISCAL_YEARS, min(60, count // 500)))
    gen.sync()
    return gen.summary
