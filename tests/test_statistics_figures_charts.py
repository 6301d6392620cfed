"""The SVG chart of a table: the same numbers, escaped labels, a title a screen reader reads,
no style attribute or script; parts of one count stacked, different measures side by side."""

from __future__ import annotations

import re

from backoffice.statistics.charts import bar_chart, stacks
from backoffice.statistics.tables import Table


def test_a_chart_names_itself_and_escapes_every_label() -> None:
    table = Table.of("t.x", 'A <b>"表"</b>', ["<script>1</script>", "二"], ["件数"], [[3], [0]])
    svg = str(bar_chart(table, "chart-7"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="stat-chart"')
    assert 'role="img" aria-labelledby="chart-7-title"' in svg
    assert '<title id="chart-7-title">A &lt;b&gt;&#34;表&#34;&lt;/b&gt;のグラフ' in svg
    assert "&lt;script&gt;1&lt;/script&gt;" in svg and "<script" not in svg
    assert "style" not in svg
    assert re.findall(r">(\d+)</text>", svg) == ["3", "0"]


def test_parts_of_a_count_are_stacked_and_measures_side_by_side() -> None:
    months = Table.of("referrals.by_month", "月別", ["4月"], ["LINE", "電話"], [[2, 1]])
    cards = Table.of("cards.by_purpose", "用途別", ["訪問"], ["印刷", "配布", "読み取り"],
                     [[100, 30, 3]], totals=False)  # fmt: skip
    assert stacks(months) and not stacks(cards)
    stacked = str(bar_chart(months, "a"))
    assert re.findall(r">(\d+)</text>", stacked) == ["3"]  # one bar, its total
    bars = re.findall(r'<rect class="stat-bar" x="[\d.]+" y="(\d+)" width="([\d.]+)"', stacked)
    assert len(bars) == 2 and bars[0][0] == bars[1][0]  # one row: LINE 2, then 電話 1
    assert float(bars[0][1]) == 2 * float(bars[1][1])
    side = str(bar_chart(cards, "b"))
    assert re.findall(r">(\d+)</text>", side) == ["100", "30", "3"]


def test_a_suppressed_cell_is_a_star_without_a_bar() -> None:
    table = Table.of("t.y", "抑制", ["一", "二"], ["件数"], [[7], [2]])
    hidden = table.with_cells(((7,), (None,)), (7, None), (None,), None)
    svg = str(bar_chart(hidden, "c"))
    assert ">*</text>" in svg and svg.count('class="stat-bar"') == 1
