"""The one shape of a figure: a titled table of counts with row and column labels and totals.

Every figure is a `Table`, whatever it counts, so the page, the SVG chart, the CSV and XLSX
exports and the suppression for publication all read the same thing. A cell is a count
(``int``) or, once suppressed for publication, ``None`` (shown as 「*」). A table with one
column is a list of counts by one dimension.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

SUPPRESSED = "*"


@dataclass(frozen=True)
class Table:
    key: str  # stable identifier, e.g. "referrals.by_month"; used in file and sheet names
    title: str  # Japanese, as staff read it
    rows: tuple[str, ...]  # row labels
    columns: tuple[str, ...]  # column labels
    cells: tuple[tuple[int | None, ...], ...]  # cells[row][column]
    row_totals: tuple[int | None, ...] = ()  # one per row; empty when totals make no sense
    column_totals: tuple[int | None, ...] = ()  # one per column
    grand_total: int | None = None
    unit: str = "件"
    notes: tuple[str, ...] = field(default=())  # e.g. which dimensions were coarsened

    @classmethod
    def of(
        cls,
        key: str,
        title: str,
        rows: tuple[str, ...] | list[str],
        columns: tuple[str, ...] | list[str],
        cells: list[list[int]] | tuple[tuple[int, ...], ...],
        *,
        totals: bool = True,
        unit: str = "件",
        notes: tuple[str, ...] = (),
    ) -> Table:
        """A table of exact counts, with its totals worked out when ``totals``."""
        grid = tuple(tuple(int(c) for c in row) for row in cells)
        if len(grid) != len(rows) or any(len(row) != len(columns) for row in grid):
            raise ValueError(f"{key}: cells do not match the labels")
        if not totals:
            return cls(key, title, tuple(rows), tuple(columns), grid, unit=unit, notes=notes)
        row_totals = tuple(sum(row) for row in grid)
        column_totals = tuple(sum(row[i] for row in grid) for i in range(len(columns)))
        return cls(
            key, title, tuple(rows), tuple(columns), grid,
            row_totals, column_totals, sum(row_totals), unit, notes,
        )  # fmt: skip

    @property
    def has_totals(self) -> bool:
        return self.grand_total is not None or bool(self.row_totals or self.column_totals)

    def with_cells(
        self,
        cells: tuple[tuple[int | None, ...], ...],
        row_totals: tuple[int | None, ...],
        column_totals: tuple[int | None, ...],
        grand_total: int | None,
        notes: tuple[str, ...] | None = None,
    ) -> Table:
        return replace(
            self, cells=cells, row_totals=row_totals, column_totals=column_totals,
            grand_total=grand_total, notes=self.notes if notes is None else notes,
        )  # fmt: skip


def shown(value: int | None) -> str:
    """A cell as a page or a file shows it: the count, or 「*」 when suppressed."""
    return SUPPRESSED if value is None else str(value)
