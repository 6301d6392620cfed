"""Publication mode: the tables of one export made safe to leave the office.

Primary suppression. Every number below the profile's ``[statistics] publication_threshold``
(5 by default) is hidden (None, shown as 「*」): cells and totals alike, since a district's total
of 2 tells about two people as much as a cell does.

Zeros are shown. A zero tells about nobody, and hiding zeros would hide most of a small
municipality's tables for no protection. For the same reason a zero is never hidden as a
complement: a reader may know a zero is structural (a category that cannot occur), so a hidden
zero would protect nothing; the protection below relies on every hidden number being at least 1.

Secondary suppression. An attacker knows every published number, that each row and column of a
table adds up to its total and the totals to the grand total, and that counts are never
negative. Across the tables of one export, a number may also be published in another table: the
numbers of two tables that may describe the same group and have the same value are treated as
one number, hidden in every table or in none: the same labels (a cell by its row and column
labels, a total by its line's label, a one-column table's cells as totals of their row), a
grand total with any equal number of another table whatever its label (the year's count is
also a fiscal year's row and the first status of the flow), and the cells of a column of
tables with the same columns whatever their row (cards by purpose and by batch: a purpose with
one batch is the same row under two labels). Between two such tables, rows whose labels hold
another's label (「abc（窓口）」 and 「窓口」) and add up to it give one more equation. This
over-approximates what can be shared, so it errs toward hiding more; a margin shown again
under another label and not as a grand total is outside it (linking every equal number instead
hides nearly everything in a small town's tables). A total that is not the sum of its line
(e.g. people counted once across several categories) gives no equation.

With those equations, a hidden number is recoverable when it is the same in every solution,
i.e. its unit vector lies in the row space of the equations restricted to the hidden numbers.
While some hidden number is recoverable, one more published, nonzero number that shares an
equation with it is hidden (`_complement` says which). Since every hidden number is at least 1,
one that the equations do not determine can move a little both ways while all others stay
non-negative: its range is never a single value. The elimination is exact (fractions),
deterministic and pure Python (`suppression_equations` holds the numbers and equations).

Figures that are not counts (a median time, a rate per 100 cards) are left out of publication:
a rate beside a published number of cards handed out gives back a hidden number of scans, and a
median of one or two cases is a case's own time; no cell rule protects them.

Coarsening. Age bands are merged into wider bands before suppression (`coarsening`), and the
table's notes say so, as the report must.
"""

from __future__ import annotations

from collections.abc import Sequence

from backoffice.statistics.coarsening import coarsen_age_bands
from backoffice.statistics.suppression_equations import Numbers, Position, build, recoverable
from backoffice.statistics.tables import Table

DEFAULT_THRESHOLD = 5
RULE = (
    "{threshold}未満の数（0を除く）は「*」としています。"
    "ほかの数や合計から計算で分からないよう、ほかの数や合計も「*」にしている場合があります。"
)
SUPPRESSED_NOTE = (
    "公表用に一部の数を「*」としています（{threshold}未満の数と、そこから計算できる数）。"
)
# Figures that are not counts, by unit or by key; `is_count` says which publication keeps.
NOT_COUNT_UNITS = frozenset({"分", "時間", "日", "%", "割合"})
NOT_COUNT_KEYS = frozenset({"referrals.response_times", "cards.scan_rate"})


def rule_text(threshold: int) -> str:
    """The suppression rule as the cover sheet and the report state it."""
    return RULE.format(threshold=threshold)


def is_count(table: Table) -> bool:
    """Whether the table holds counts (publication keeps only those: see the module)."""
    return table.unit not in NOT_COUNT_UNITS and table.key not in NOT_COUNT_KEYS


def for_publication(tables: Sequence[Table], threshold: int = DEFAULT_THRESHOLD) -> list[Table]:
    """The count tables of one export as published: age bands coarsened, small numbers hidden."""
    if threshold < 2:
        raise ValueError("the publication threshold must be 2 or more (1 would hide nothing)")
    return suppress([coarsen_age_bands(t) for t in tables if is_count(t)], threshold)


def suppress(tables: Sequence[Table], threshold: int = DEFAULT_THRESHOLD) -> list[Table]:
    """Primary and secondary suppression over the tables of one export (see the module)."""
    export = build(tables)
    hidden = {n for n, value in enumerate(export.values) if 0 < value < threshold}
    while True:
        exposed = recoverable(export.equations, hidden)
        if not exposed:
            break
        hidden.add(_complement(export, hidden, exposed))
    return [_apply(export, t, table, hidden, threshold) for t, table in enumerate(tables)]


def _complement(export: Numbers, hidden: set[int], exposed: set[int]) -> int:
    """The published number to hide next, so that fewer hidden numbers are recoverable.

    A line with one hidden number gives it away at once: the first exposed number alone on a
    line takes a complement from that line: one shown in as few tables as possible, a cell
    before a total, one that sits on another such line too (one more hidden number closes two
    leaks), the smallest, the first.
    """
    lone = [eq for eq in export.equations if len(hidden & eq.keys()) == 1]
    alone = {n for eq in lone for n in eq if n in hidden}
    target = min(exposed & alone or exposed, key=lambda n: export.first[n])
    lines = [eq for eq in lone if target in eq] or [eq for eq in export.equations if target in eq]
    closing = {n for eq in lone if target not in eq for n in eq}

    def rank(n: int) -> tuple[int, bool, bool, int, Position]:
        # A number published in several tables (a shared total) is hidden last: hiding it
        # hides it in every one of them and calls for complements in each.
        shared = len(export.tables[n])
        return (shared, export.total_only[n], n not in closing, export.values[n], export.first[n])

    def published(numbers: set[int]) -> list[int]:
        return [n for n in numbers if n not in hidden and export.values[n] > 0]

    beside = published({n for eq in lines for n in eq})
    if beside:
        return min(beside, key=rank)
    # Every neighbour is hidden or zero: look further along the equations. Something published
    # is always reachable, since with all of them hidden nothing would be recoverable.
    reached, frontier = {target}, {target}
    while frontier:
        frontier = {n for eq in export.equations if frontier & eq.keys() for n in eq} - reached
        reached |= frontier
    return min(published(reached), key=rank)


def _apply(export: Numbers, t: int, table: Table, hidden: set[int], threshold: int) -> Table:
    def shown(kind: str, i: int, j: int, value: int) -> int | None:
        return None if export.where[(t, kind, i, j)] in hidden else value

    cells = tuple(
        tuple(shown("c", i, j, v) for j, v in enumerate(row)) for i, row in enumerate(table.cells)
    )
    row_totals = tuple(shown("r", i, 0, v) for i, v in enumerate(table.row_totals))
    column_totals = tuple(shown("k", 0, j, v) for j, v in enumerate(table.column_totals))
    grand = None if table.grand_total is None else shown("g", 0, 0, table.grand_total)
    changed = (
        any(v is None for row in cells for v in row)
        or None in row_totals
        or None in column_totals
        or (table.grand_total is not None and grand is None)
    )
    notes = (*table.notes, SUPPRESSED_NOTE.format(threshold=threshold)) if changed else None
    return table.with_cells(cells, row_totals, column_totals, grand, notes)
