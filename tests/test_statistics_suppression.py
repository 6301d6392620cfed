"""Publication mode attacked: no suppressed number may be worked out from what is published.

The attacker knows every published number, that each line of a table adds up to its total,
which numbers of different tables count the same people (here: the same group of the
generating data), and that counts are whole and never negative. For each hidden group the test
solves that system twice: the rank test (is the group's value the same in every real solution?)
and the integer bounds (the smallest and largest whole value it can take, by mixed-integer
linear programming): the two bounds must differ.
"""

from __future__ import annotations

import itertools
import random
import tomllib
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from backoffice.referrals.vocabulary import AGE_LABELS
from backoffice.statistics.coarsening import AGE_NOTE, coarsen_age_bands
from backoffice.statistics.suppression import (
    for_publication,
    rule_text,
    suppress,
)
from backoffice.statistics.tables import Table, shown
from core.config import DEFAULT_PROFILE
from core.profile import ProfileError, profile_from_mapping

Group = frozenset[tuple[str, str]]  # the people a number counts: (attribute, value) pairs

# --- the attacker -------------------------------------------------------------------------


def grouping(table: Table, dims: tuple[str | None, str | None]) -> Callable[..., Group]:
    """The group a number of the table counts, from its row and column (None: a total)."""
    row_dim, column_dim = dims

    def group(row: int | None, column: int | None) -> Group:
        parts = set()
        if row is not None and row_dim:
            parts.add((row_dim, table.rows[row]))
        if column is not None and column_dim:
            parts.add((column_dim, table.columns[column]))
        return frozenset(parts)

    return group


def numbers(
    exact: Table, published: Table, dims: tuple[str | None, str | None]
) -> list[tuple[Group, int, int | None]]:
    """(group, true value, published value) for every number of one table."""
    group = grouping(exact, dims)
    found = []
    for i, j in itertools.product(range(len(exact.rows)), range(len(exact.columns))):
        found.append((group(i, j), exact.cells[i][j], published.cells[i][j]))
    for i, total in enumerate(exact.row_totals):
        found.append((group(i, None), total, published.row_totals[i]))
    for j, total in enumerate(exact.column_totals):
        found.append((group(None, j), total, published.column_totals[j]))
    if exact.grand_total is not None:
        found.append((frozenset(), exact.grand_total, published.grand_total))
    return found


def lines(exact: Table, dims: tuple[str | None, str | None]) -> list[tuple[list[Group], Group]]:
    """Each line of a table as (its parts, its total), by group."""
    group = grouping(exact, dims)
    found: list[tuple[list[Group], Group]] = []
    rows, columns = range(len(exact.rows)), range(len(exact.columns))
    if exact.row_totals:
        found += [([group(i, j) for j in columns], group(i, None)) for i in rows]
    if exact.column_totals:
        found += [([group(i, j) for i in rows], group(None, j)) for j in columns]
    if exact.grand_total is not None:
        if exact.row_totals:
            found.append(([group(i, None) for i in rows], frozenset()))
        if exact.column_totals:
            found.append(([group(None, j) for j in columns], frozenset()))
    return found


def attack(
    exact: Sequence[Table],
    published: Sequence[Table],
    dims: Sequence[tuple[str | None, ...]],
    known_sums: Sequence[tuple[list[Group], Group]] = (),
) -> dict[Group, tuple[int, int]]:
    """Each hidden group's whole-number range given everything published; asserts no leak."""
    truth: dict[Group, int] = {}
    known: dict[Group, int] = {}
    hidden: set[Group] = set()
    for table, shown_table, dim in zip(exact, published, dims, strict=True):
        for group, value, public in numbers(table, shown_table, dim):  # type: ignore[arg-type]
            assert truth.setdefault(group, value) == value
            if public is None:
                assert value > 0, "a zero was hidden"
                hidden.add(group)
            else:
                assert public == value
                known[group] = value
    assert not hidden & known.keys(), "a hidden number is published in another table"
    order = sorted(hidden, key=sorted)
    index = {group: k for k, group in enumerate(order)}
    matrix, rhs = [], []
    every_line = [line for t, d in zip(exact, dims, strict=True) for line in lines(t, d)]  # type: ignore[arg-type]
    for parts, total in [*every_line, *known_sums]:
        row = np.zeros(len(order))
        constant = 0
        for group, sign in [*((p, 1) for p in parts), (total, -1)]:
            if group in index:
                row[index[group]] += sign
            else:
                constant -= sign * known[group]
        if row.any():
            matrix.append(row)
            rhs.append(constant)
    if not order:
        return {}
    a = np.array(matrix) if matrix else np.zeros((0, len(order)))
    b = np.array(rhs, dtype=float)
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    ranges = {}
    for group, k in index.items():
        unit = np.zeros(len(order))
        unit[k] = 1
        pinned = np.linalg.matrix_rank(np.vstack([a, unit])) == rank
        assert not pinned, f"{sorted(group)} is fixed by the published numbers"
        ranges[group] = whole_range(a, b, k)
        low, high = ranges[group]
        assert low < high, f"{sorted(group)} can only be {low}"
        assert low <= truth[group] <= high
    return ranges


def whole_range(a: np.ndarray, b: np.ndarray, k: int) -> tuple[int, int]:
    """The smallest and largest whole value of variable k with a x = b, x whole and >= 0."""
    n = a.shape[1]
    constraints = [LinearConstraint(a, b, b)] if len(a) else []
    bounds = Bounds(np.zeros(n), np.full(n, 10**6))  # no count reaches a million
    ends = []
    for sign in (1, -1):
        objective = np.zeros(n)
        objective[k] = sign
        result = milp(objective, constraints=constraints, integrality=np.ones(n), bounds=bounds)
        assert result.success, result.message
        ends.append(round(result.x[k]))
    return ends[0], ends[1]


# --- generated data -----------------------------------------------------------------------


def crosstab(key: str, grid: np.ndarray, axes: tuple[str, str], totals: bool = True) -> Table:
    rows = [f"{axes[0]}{i}" for i in range(grid.shape[0])]
    columns = [f"{axes[1]}{j}" for j in range(grid.shape[1])]
    return Table.of(key, key, rows, columns, grid.tolist(), totals=totals)


def export_of(counts: np.ndarray) -> tuple[list[Table], list[tuple[str | None, str | None]]]:
    """Tables one export would hold, from counts by district x age x gender."""
    by_district_gender = counts.sum(axis=1)
    by_age_gender = counts.sum(axis=0)
    by_district = counts.sum(axis=(1, 2)).reshape(-1, 1)
    tables = [
        crosstab("a.district_gender", by_district_gender, ("地区", "性別")),
        crosstab("a.age_gender", by_age_gender, ("年齢", "性別")),
        crosstab("a.district", by_district, ("地区", "件数")),
        crosstab("a.gender_district", by_district_gender.T, ("性別", "地区")),
        # The year's count again under a label of its own (as a fiscal year's row is).
        Table.of("a.year", "年度", ["令和8年度"], ["受付件数"], [[int(counts.sum())]]),
    ]
    dims = [("地区", "性別"), ("年齢", "性別"), ("地区", None), ("性別", "地区"), (None, None)]
    return tables, dims


SMALL_COUNTS = st.sampled_from([0, 0, 1, 2, 3, 4, 6, 9, 15])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 5).flatmap(
        lambda rows: st.integers(1, 5).flatmap(
            lambda cols: st.lists(
                st.lists(SMALL_COUNTS, min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            )
        )
    ),
    st.integers(2, 6),
)
def test_no_hidden_cell_of_a_random_table_can_be_recovered(
    grid: list[list[int]], threshold: int
) -> None:
    table = crosstab("t", np.array(grid), ("行", "列"))
    published = suppress([table], threshold)

    attack([table], published, [("行", "列")])
    assert_nothing_small_is_shown(published, threshold)


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_number_can_be_recovered_across_the_tables_of_an_export(seed: int) -> None:
    rng = random.Random(seed)
    shape = (rng.randint(2, 5), rng.randint(2, 4), rng.randint(2, 3))
    counts = np.array([rng.choice([0, 0, 1, 1, 2, 3, 5, 8]) for _ in range(np.prod(shape))])
    tables, dims = export_of(counts.reshape(shape))

    published = suppress(tables, 5)

    attack(tables, published, dims)
    assert_nothing_small_is_shown(published, 5)


@pytest.mark.parametrize("seed", range(40))
def test_rows_nested_in_another_tables_rows_cannot_give_a_hidden_number_away(seed: int) -> None:
    # Cards by batch and by purpose: each batch's label names its purpose, so the reader adds
    # up a purpose's batches; the purpose table has a row of its own and no totals.
    rng = random.Random(seed)
    purposes, columns = ["訪問", "窓口", "学校"], ["配布", "読取"]
    batches = [f"b{k}（{rng.choice(purposes[:2])}）" for k in range(rng.randint(2, 5))]
    fine = [[rng.choice([0, 1, 2, 3, 6, 9, 12]) for _ in columns] for _ in batches]
    coarse = [
        [sum(fine[k][j] for k, b in enumerate(batches) if p in b) for j in range(2)]
        for p in purposes[:2]
    ] + [[rng.choice([0, 2, 7, 11]) for _ in columns]]
    by_purpose = Table.of("cards.p", "用途別", purposes, columns, coarse, totals=False)
    by_batch = Table.of("cards.b", "束別", batches, columns, fine)

    published = suppress([by_purpose, by_batch], 5)

    sums = [
        ([frozenset({("batch", b), ("c", c)}) for b in batches if p in b],
         frozenset({("purpose", p), ("c", c)}))
        for p in purposes[:2] for c in columns if any(p in b for b in batches)
    ]  # fmt: skip
    attack([by_purpose, by_batch], published, [("purpose", "c"), ("batch", "c")], sums)
    assert_nothing_small_is_shown(published, 5)


def assert_nothing_small_is_shown(tables: Sequence[Table], threshold: int) -> None:
    for table in tables:
        values = [v for row in table.cells for v in row]
        values += [*table.row_totals, *table.column_totals, table.grand_total]
        assert not [v for v in values if v is not None and 0 < v < threshold], table.key


# --- hand-made cases ----------------------------------------------------------------------


def grid_of(table: Table) -> list[list[str]]:
    body = [[shown(v) for v in row] for row in table.cells]
    if table.row_totals:
        body = [[*row, shown(total)] for row, total in zip(body, table.row_totals, strict=True)]
    if table.column_totals:
        body.append([shown(v) for v in (*table.column_totals, table.grand_total)])
    return body


def test_one_small_cell_is_hidden_with_three_others_that_close_a_rectangle() -> None:
    table = Table.of(
        "a", "地区別", ["A", "B", "C"], ["p", "q", "r"], [[3, 10, 12], [8, 9, 0], [20, 1, 7]]
    )

    (published,) = suppress([table], 5)

    assert grid_of(published) == [
        ["*", "*", "12", "25"],
        ["8", "9", "0", "17"],
        ["*", "*", "7", "28"],
        ["31", "20", "19", "70"],
    ]
    assert published.notes == (
        "公表用に一部の数を「*」としています（5未満の数と、そこから計算できる数）。",
    )


def test_a_two_by_two_table_with_one_small_cell_hides_all_four_cells() -> None:
    table = Table.of("a", "表", ["A", "B"], ["p", "q"], [[3, 10], [12, 20]])

    (published,) = suppress([table], 5)

    assert grid_of(published) == [["*", "*", "13"], ["*", "*", "32"], ["15", "30", "45"]]


def test_zeros_are_shown_and_never_hidden_as_complements() -> None:
    table = Table.of("a", "表", ["A", "B"], ["p", "q", "r"], [[0, 7, 0], [2, 0, 9]])

    (published,) = suppress([table], 5)

    # The 2 is hidden with the 9 of its line and the two column totals, never with a zero.
    assert grid_of(published) == [
        ["0", "7", "0", "7"],
        ["*", "0", "*", "11"],
        ["*", "7", "*", "18"],
    ]
    attack([table], [published], [("r", "c")])


def test_a_line_with_one_nonzero_cell_hides_its_total() -> None:
    table = Table.of("a", "表", ["A", "B"], ["p", "q"], [[3, 0], [6, 8]])

    (published,) = suppress([table], 5)

    attack([table], [published], [("r", "c")])
    assert published.row_totals[0] is None and published.cells[0][0] is None


def test_a_table_without_totals_hides_only_the_small_cells() -> None:
    table = Table.of("a", "表", ["A", "B"], ["p", "q"], [[3, 10], [12, 20]], totals=False)

    (published,) = suppress([table], 5)

    assert published.cells == ((None, 10), (12, 20))


def test_nothing_small_means_nothing_hidden_and_no_note() -> None:
    table = Table.of("a", "表", ["A", "B"], ["p", "q"], [[5, 10], [0, 20]])

    assert suppress([table], 5) == [table]


def test_a_total_hidden_in_one_table_is_hidden_where_another_table_publishes_it() -> None:
    by_gender = Table.of("a.x", "地区・性別", ["A", "B"], ["女性", "男性"], [[2, 2], [9, 8]])
    by_district = Table.of("a.y", "地区", ["A", "B"], ["件数"], [[4], [17]])

    crossed, listed = suppress([by_gender, by_district], 5)

    assert crossed.row_totals[0] is None and listed.cells[0][0] is None
    attack([by_gender, by_district], [crossed, listed], [("d", "g"), ("d", None)])


def test_rows_of_a_finer_table_with_the_same_columns_are_sums_the_reader_can_make() -> None:
    columns = ["配布枚数", "読み取り回数"]
    by_purpose = Table.of("cards.p", "用途別", ["訪問", "窓口"], columns, [[20, 3], [40, 9]])
    batches = ["abc（訪問）", "def（窓口）", "ghi（窓口）"]
    by_batch = Table.of("cards.b", "束別", batches, columns, [[20, 3], [25, 6], [15, 3]])

    published = suppress([by_purpose, by_batch], 5)

    # 訪問's single batch is the same row; 窓口 is the sum of two batches, which the reader
    # sees from the labels: the attack knows both.
    assert published[0].cells[0][1] is None and published[1].cells[0][1] is None
    nested = [
        ([frozenset({("batch", batch), ("c", column)}) for batch in members],
         frozenset({("purpose", purpose), ("c", column)}))
        for purpose, members in (("訪問", batches[:1]), ("窓口", batches[1:]))
        for column in columns
    ]  # fmt: skip
    attack([by_purpose, by_batch], published, [("purpose", "c"), ("batch", "c")], nested)


def test_a_total_that_is_not_the_sum_of_its_line_gives_no_equation() -> None:
    # People counted once each, in several categories: the total is less than the sum.
    table = Table("a", "相談内容", ("A", "B"), ("p", "q"), ((3, 9), (7, 8)), (10, 12), (10, 17), 20)

    (published,) = suppress([table], 5)

    # Only the columns add up: the 3 is hidden with the 7 of its column, the rows stay.
    assert published.cells == ((None, 9), (None, 8))
    assert published.row_totals == (10, 12) and published.column_totals == (10, 17)


def test_age_bands_are_merged_into_wider_bands_and_the_note_says_so() -> None:
    labels = list(AGE_LABELS.values())  # 不明, 20歳未満, 20代 ... 70歳以上
    table = Table.of("a.age", "年齢層別", labels, ["件数"], [[n] for n in range(1, 9)])

    merged = coarsen_age_bands(table)

    assert merged.rows == ("20歳未満", "20〜39歳", "40〜59歳", "60歳以上", "不明・答えたくない")
    assert [row[0] for row in merged.cells] == [2, 3 + 4, 5 + 6, 7 + 8, 1]
    assert merged.grand_total == table.grand_total == 36
    assert merged.notes == (AGE_NOTE,)


def test_age_bands_as_columns_are_merged_too() -> None:
    labels = [AGE_LABELS[k] for k in ("under_20", "20s", "30s")]
    table = Table.of("a.age", "性別・年齢層別", ["女性", "男性"], labels, [[1, 2, 3], [4, 5, 6]])

    merged = coarsen_age_bands(table)

    assert merged.columns == ("20歳未満", "20〜39歳")
    assert merged.cells == ((1, 5), (4, 11))
    assert merged.row_totals == (6, 15) and merged.column_totals == (5, 16)


def test_publication_coarsens_then_suppresses() -> None:
    labels = [AGE_LABELS[k] for k in ("20s", "30s", "40s")]
    table = Table.of("a.age", "年齢層別", labels, ["件数"], [[2], [2], [9]])

    (published,) = for_publication([table], 5)

    assert published.rows == ("20〜39歳", "40代")
    assert published.cells == ((None,), (None,)) and published.column_totals == (13,)
    assert AGE_NOTE in published.notes


def test_the_threshold_comes_from_the_profile() -> None:
    raw = tomllib.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))
    assert profile_from_mapping(raw).statistics_publication_threshold == 5
    raw["statistics"]["publication_threshold"] = 10
    assert profile_from_mapping(raw).statistics_publication_threshold == 10
    assert "10未満" in rule_text(10)


@pytest.mark.parametrize("value", [0, 1, "5", 2.5, True])
def test_a_threshold_that_would_hide_nothing_or_is_not_whole_is_refused(value: object) -> None:
    raw = tomllib.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))
    raw["statistics"]["publication_threshold"] = value

    with pytest.raises(ProfileError, match=r"statistics\.publication_threshold"):
        profile_from_mapping(raw)
