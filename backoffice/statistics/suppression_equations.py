"""The numbers of one publication export and the equations a reader can write over them
(`suppression` says which and why): one class per distinct number, as numbers published in two
tables may be one number; each line that adds up to its total, and rows of one table that add
up to a row of another; and which hidden numbers those equations pin down (`recoverable`).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from backoffice.statistics.tables import Table

Position = tuple[int, str, int, int]  # table, kind ("c" cell, "r"/"k" row/column total, "g"), i, j


@dataclass
class Numbers:
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


def build(tables: Sequence[Table]) -> Numbers:
    export = Numbers()
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


def _nested(export: Numbers, a: int, coarse: Table, b: int, fine: Table) -> None:
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


def _equations(export: Numbers, t: int, table: Table, here: dict[Position, int]) -> None:
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
