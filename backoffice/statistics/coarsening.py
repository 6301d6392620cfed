"""Coarsening for publication: rows (or columns) of small groups merged into wider ones.

Figures by age band with small populations are the usual leak, so publication merges the
ten-year bands into twenty-year bands (20歳未満, 20〜39歳, 40〜59歳, 60歳以上, 不明・答えたくない)
before any suppression, and adds a note saying so to the table, which the files and the report
show. `merge_rows` is the general step (districts could be merged the same way).
"""

from __future__ import annotations

from backoffice.referrals.vocabulary import AGE_LABELS
from backoffice.statistics.tables import Table

# Publication age bands: each wider band and the bands of AGE_LABELS it takes.
PUBLICATION_AGE_BANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (AGE_LABELS["under_20"], (AGE_LABELS["under_20"],)),
    ("20〜39歳", (AGE_LABELS["20s"], AGE_LABELS["30s"])),
    ("40〜59歳", (AGE_LABELS["40s"], AGE_LABELS["50s"])),
    ("60歳以上", (AGE_LABELS["60s"], AGE_LABELS["70_plus"])),
    (AGE_LABELS["not_stated"], (AGE_LABELS["not_stated"],)),
)
AGE_NOTE = "年齢層は公表用に20歳刻み（20歳未満、20〜39歳、40〜59歳、60歳以上）にまとめています。"


def coarsen_age_bands(table: Table) -> Table:
    """The table with its age-band rows (or columns) merged into the publication bands."""
    groups = _age_groups(table.rows)
    if groups is not None:
        return merge_rows(table, groups, AGE_NOTE)
    groups = _age_groups(table.columns)
    if groups is not None:
        return _transpose(merge_rows(_transpose(table), groups, AGE_NOTE))
    return table


def _age_groups(labels: tuple[str, ...]) -> list[tuple[str, list[int]]] | None:
    """Which labels go into which wider band, or None when the labels are not age bands."""
    fine = {band for _, bands in PUBLICATION_AGE_BANDS for band in bands}
    if len(labels) < 2 or not set(labels) <= fine or len(set(labels)) != len(labels):
        return None
    groups = []
    for wide, bands in PUBLICATION_AGE_BANDS:
        members = [i for i, label in enumerate(labels) if label in bands]
        if members:
            groups.append((wide if len(members) > 1 else labels[members[0]], members))
    if len(groups) == len(labels):
        return None  # nothing to merge
    return groups


def merge_rows(table: Table, groups: list[tuple[str, list[int]]], note: str) -> Table:
    """Rows merged by group (a partition of the rows), each new row the sum of its members.

    Column totals and the grand total stay: merging rows moves nobody out of a column.
    """
    cells = tuple(
        tuple(_sum(table.cells[i][j] for i in members) for j in range(len(table.columns)))
        for _, members in groups
    )
    row_totals = (
        tuple(_sum(table.row_totals[i] for i in members) for _, members in groups)
        if table.row_totals
        else ()
    )
    return Table(
        table.key, table.title, tuple(label for label, _ in groups), table.columns, cells,
        row_totals, table.column_totals, table.grand_total, table.unit, (*table.notes, note),
    )  # fmt: skip


def _sum(values: object) -> int | None:
    values = list(values)  # type: ignore[call-overload]
    return None if any(v is None for v in values) else sum(values)


def _transpose(table: Table) -> Table:
    cells = tuple(zip(*table.cells, strict=True)) if table.cells else ()
    return Table(
        table.key, table.title, table.columns, table.rows, cells, table.column_totals,
        table.row_totals, table.grand_total, table.unit, table.notes,
    )  # fmt: skip
