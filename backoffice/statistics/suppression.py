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
deterministic and pure Python.

Figures that are not counts (a median time, a rate per 100 cards) are left out of publication:
a rate beside a published number of cards handed out gives back a hidden number of scans, and a
median of one or two cases is a case's own time; no cell rule protects them.

Coarsening. Age bands are merged into wider bands before suppression (`coarsening`), and the
table's notes say so, as the report must.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from backoffice.statistics.coarsening import coarsen_age_bands
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

Position = tuple[int, str, int, int]  # table, kind ("c" cell, "r"/"k" row/column total, "g"), i, j


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


# --- suppression ---------------------------------------------------------------------------


@dataclass
class _Export:
    """The numbers of one export as classes (one per distinct number) and their equations."""

    values: list[int] = field(default_factory=list)  # per class
    first: list[Position] = field(default_factory=list)  # per class: where it first appears
    total_only: list[bool] = field(default_factory=list)  # per class: no cell among its places
    tables: list[set[int]] = field(default_factory=list)  # per class: the tables that show it
    where: dict[Position, int] = field(default_factory=dict)  # place -> class
    equations: list[dict[int, int]] = field(default_factory=list)  # class -> coefficient
    seen: dict[Position, int] = field(default_factory=dict)  # a class's first place -> class

    def add(self, position: Position, value: int, key: Position) -> int:
        number = self.seen.get(key)
        if number is None:
            number = self.seen[key] = len(self.values)
            self.values.append(value)
            self.first.append(position)
            self.total_only.append(True)
            self.tables.append(set())
        self.tables[number].add(position[0])
        if position[1] == "c":
            self.total_only[number] = False
        self.where[position] = number
        return number

    def equation(self, parts: list[tuple[int, int]]) -> None:
        coefficients: dict[int, int] = {}
        for number, coefficient in parts:
            coefficients[number] = coefficients.get(number, 0) + coefficient
        coefficients = {n: c for n, c in coefficients.items() if c}
        if coefficients:
            self.equations.append(coefficients)


def suppress(tables: Sequence[Table], threshold: int = DEFAULT_THRESHOLD) -> list[Table]:
    """Primary and secondary suppression over the tables of one export (see the module)."""
    export = _build(tables)
    hidden = {n for n, value in enumerate(export.values) if 0 < value < threshold}
    while True:
        exposed = recoverable(export.equations, hidden)
        if not exposed:
            break
        hidden.add(_complement(export, hidden, exposed))
    return [_apply(export, t, table, hidden, threshold) for t, table in enumerate(tables)]


def _signature(table: Table, kind: str, i: int, j: int) -> frozenset[str]:
    if kind == "g":
        return frozenset()
    one_column, one_row = len(table.columns) == 1, len(table.rows) == 1
    if kind == "r" or (kind == "c" and one_column):
        return frozenset({table.rows[i]})
    if kind == "k" or (kind == "c" and one_row):
        return frozenset({table.columns[j]})
    return frozenset({table.rows[i], table.columns[j]})


def _places(table: Table) -> list[tuple[tuple[str, int, int], int]]:
    if any(v is None for row in table.cells for v in row):
        raise ValueError(f"{table.key}: already suppressed")
    places = [(("c", i, j), v) for i, row in enumerate(table.cells) for j, v in enumerate(row)]
    places += [(("r", i, 0), v) for i, v in enumerate(table.row_totals)]
    places += [(("k", 0, j), v) for j, v in enumerate(table.column_totals)]
    if table.grand_total is not None:
        places.append((("g", 0, 0), table.grand_total))
    if any(v is None for _, v in places):
        raise ValueError(f"{table.key}: a total is missing")
    return places  # type: ignore[return-value]


def _build(tables: Sequence[Table]) -> _Export:
    export = _Export()
    every = [_places(table) for table in tables]
    # A table's grand total is the number most often shown again under another name (a fiscal
    # year's row, the first status of the flow): it is linked to every equal number elsewhere.
    grand: dict[int, set[int]] = {}
    for t, table in enumerate(tables):
        if table.grand_total:
            grand.setdefault(table.grand_total, set()).add(t)
    # Tables with the same columns break the same counts down by different rows (cards by
    # purpose and by batch): a row of one may be a row of the other under another label.
    columns = Counter(table.columns for table in tables if len(table.columns) > 1)
    links: dict[Position, list[object]] = {}
    for t, (table, places) in enumerate(zip(tables, every, strict=True)):
        for (kind, i, j), value in places:
            keys: list[object] = [(_signature(table, kind, i, j), value)]
            if (kind == "g" and value) or grand.get(value, set()) - {t}:
                keys.append(value)
            if kind == "c" and columns[table.columns] > 1:
                keys.append((table.columns, table.columns[j], value))
            links[(t, kind, i, j)] = keys
    classes = _linked(links)
    for t, (table, places) in enumerate(zip(tables, every, strict=True)):
        here: dict[Position, int] = {}
        for (kind, i, j), value in places:
            position = (t, kind, i, j)
            here[position] = export.add(position, value, classes[position])
        _equations(export, t, table, here)
    for a, b in itertools.permutations(range(len(tables)), 2):
        if tables[a].columns == tables[b].columns:
            _nested(export, a, tables[a], b, tables[b])
    return export


def _nested(export: _Export, a: int, coarse: Table, b: int, fine: Table) -> None:
    """Rows of ``fine`` whose label holds a row label of ``coarse`` (「abc（窓口）」 in 「窓口」)
    add up to that row when their counts say so: the reader sees it too, so it is an equation."""
    for r, label in enumerate(coarse.rows):
        members = [k for k, other in enumerate(fine.rows) if label in other and other != label]
        for j in range(len(coarse.columns)) if members else ():
            if sum(fine.cells[k][j] for k in members) == coarse.cells[r][j]:
                parts = [(export.where[(b, "c", k, j)], 1) for k in members]
                export.equation([*parts, (export.where[(a, "c", r, j)], -1)])


def _linked(links: dict[Position, list[object]]) -> dict[Position, Position]:
    """Each place's class, named by its first place: places sharing a key are one number."""
    parent: dict[Position, Position] = {}
    owner: dict[object, Position] = {}
    order = {place: n for n, place in enumerate(links)}

    def root(place: Position) -> Position:
        while parent.setdefault(place, place) != place:
            parent[place] = parent[parent[place]]
            place = parent[place]
        return place

    for place, keys in links.items():
        for key in keys:
            if key in owner:
                first, other = sorted((root(owner[key]), root(place)), key=order.__getitem__)
                parent[other] = first
            else:
                owner[key] = place
    return {place: root(place) for place in links}


def _equations(export: _Export, t: int, table: Table, here: dict[Position, int]) -> None:
    """Each line that adds up to its total gives an equation: sum of its parts - total = 0."""
    lines = []
    for i, total in enumerate(table.row_totals):
        lines.append(([(t, "c", i, j) for j in range(len(table.columns))], (t, "r", i, 0), total))
    for j, total in enumerate(table.column_totals):
        lines.append(([(t, "c", i, j) for i in range(len(table.rows))], (t, "k", 0, j), total))
    if table.grand_total is not None:
        for kind, size in (("r", len(table.row_totals)), ("k", len(table.column_totals))):
            if size:
                parts = [(t, kind, n, 0) if kind == "r" else (t, kind, 0, n) for n in range(size)]
                lines.append((parts, (t, "g", 0, 0), table.grand_total))
    for parts, total_at, total in lines:
        if sum(export.values[here[p]] for p in parts) != total:
            continue  # not a sum (e.g. people counted once across categories): no equation
        export.equation([(here[p], 1) for p in parts] + [(here[total_at], -1)])


def recoverable(equations: Sequence[dict[int, int]], hidden: set[int]) -> set[int]:
    """The hidden numbers that every solution of the equations gives the same value.

    In the reduced row echelon form of the equations restricted to the hidden numbers, a hidden
    number is fixed exactly when it leads a row that has no other nonzero entry.
    """
    rows = [{n: Fraction(c) for n, c in eq.items() if n in hidden} for eq in equations]
    rows = [row for row in rows if row]
    fixed: set[int] = set()
    for component in _components(rows):
        fixed |= _fixed(component)
    return fixed


def _components(rows: list[dict[int, Fraction]]) -> list[list[dict[int, Fraction]]]:
    """Equations grouped by the hidden numbers they share (eliminated separately: faster)."""
    parent: dict[int, int] = {}

    def root(n: int) -> int:
        while parent.setdefault(n, n) != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for row in rows:
        first, *rest = sorted(row)
        for n in rest:
            parent[root(n)] = root(first)
    groups: dict[int, list[dict[int, Fraction]]] = {}
    for row in rows:
        groups.setdefault(root(min(row)), []).append(row)
    return [groups[key] for key in sorted(groups)]


def _fixed(rows: list[dict[int, Fraction]]) -> set[int]:
    rows = [dict(row) for row in rows]
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    for column in sorted({n for row in rows for n in row}):
        at = next((k for k, row in enumerate(rows) if row.get(column)), None)
        if at is None:
            continue
        pivot = rows.pop(at)
        scale = pivot[column]
        pivot = {n: c / scale for n, c in pivot.items()}
        for other in [*rows, *(row for _, row in pivots)]:
            factor = other.get(column)
            if factor:
                for n, c in pivot.items():
                    value = other.get(n, 0) - factor * c
                    if value:
                        other[n] = value
                    else:
                        other.pop(n, None)
        pivots.append((column, pivot))
    return {column for column, row in pivots if len(row) == 1}


def _complement(export: _Export, hidden: set[int], exposed: set[int]) -> int:
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


def _apply(export: _Export, t: int, table: Table, hidden: set[int], threshold: int) -> Table:
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
