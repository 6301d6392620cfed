"""A figure as a bar chart drawn on the server: SVG markup of the same numbers as its table.

Horizontal bars, one per row of the table: in parts (one colour per column) when the columns
add up to the row's total, else one bar per column; each bar with its number beside it. The
labels sit above their bars, so a chart 320 units wide reads on a phone. No script and no style
attribute (the content security policy forbids inline style): sizes and colours are SVG
presentation attributes (``x``, ``width``, ``fill``), which are not CSS, and the stylesheet
sizes the picture by its class. Every label is escaped.

The chart is a picture of the table printed beside it: ``role="img"`` with a ``<title>`` named
by ``aria-labelledby``, so a screen reader announces it once and reads the numbers in the table.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from backoffice.statistics.tables import SUPPRESSED, Table

WIDTH = 320
LABEL_HEIGHT = 18  # a row's label, above its bars
BAR_HEIGHT = 12
BAR_GAP = 3
GROUP_GAP = 8
VALUE_ROOM = 56  # beside the longest bar, for its number
MAX_LABEL = 24  # characters of a label in the picture; the table has it whole
# Colours a reader tells apart (and that keep 3:1 against white): one per column.
PALETTE = ("#1f5f99", "#c05a00", "#2e7d32", "#7b3fa0", "#9c2b44", "#4d5a66")
INK = "#222222"
TEXT = f'font-size="13" fill="{INK}"'


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def stacks(table: Table) -> bool:
    """Whether a row's columns add up (the parts of one count, with a total per row): then the
    row is one bar in parts. Columns that measure different things (printed, handed out,
    scanned; a median and a percentile) have no row totals and are bars side by side."""
    return len(table.columns) > 1 and bool(table.row_totals)


def bar_chart(table: Table, chart_id: str) -> Markup:
    """The SVG of ``table``; ``chart_id`` (unique on the page) names its title."""
    title_id = f"{chart_id}-title"
    stacked = stacks(table)
    if stacked:
        values = [t for t in table.row_totals if t is not None]
    else:
        values = [v for row in table.cells for v in row if v is not None]
    peak = max(values, default=0) or 1
    span = WIDTH - VALUE_ROOM
    parts: list[str] = []
    y = 4
    if len(table.columns) > 1:  # a legend: which colour is which column
        for index, name in enumerate(table.columns):
            fill = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect class="stat-key" x="0" y="{y}" width="12" height="12" fill="{fill}"/>'
                f'<text x="18" y="{y + 11}" {TEXT}>{escape(_short(name))}</text>'
            )
            y += 18
        y += 6
    for index, (row_label, row) in enumerate(zip(table.rows, table.cells, strict=True)):
        parts.append(f'<text x="0" y="{y + 13}" {TEXT}>{escape(_short(row_label))}</text>')
        y += LABEL_HEIGHT + 2
        if stacked:
            x = 0.0
            for column, value in enumerate(row):
                width = span * (value or 0) / peak
                if width:
                    fill = PALETTE[column % len(PALETTE)]
                    parts.append(
                        f'<rect class="stat-bar" x="{x:.1f}" y="{y}" width="{width:.1f}" '
                        f'height="{BAR_HEIGHT}" '
                        f'fill="{fill}"/>'
                    )
                x += width
            parts.append(_value(x, y, table.row_totals[index]))
            y += BAR_HEIGHT + BAR_GAP
        else:
            for column, value in enumerate(row):
                width = span * (value or 0) / peak
                if width:
                    fill = PALETTE[column % len(PALETTE)]
                    parts.append(
                        f'<rect class="stat-bar" x="0" y="{y}" width="{width:.1f}" '
                        f'height="{BAR_HEIGHT}" '
                        f'fill="{fill}"/>'
                    )
                parts.append(_value(width, y, value))
                y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP
    height = y
    title = f"{table.title}のグラフ（単位: {table.unit}。数は表と同じです）"
    return Markup(  # noqa: S704  (every text in it is escaped above)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="stat-chart" viewBox="0 0 {WIDTH} '
        f'{height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{escape(title_id)}" focusable="false">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>{"".join(parts)}</svg>'
    )


def _value(x: float, y: int, value: int | None) -> str:
    """The number at the end of a bar; 「*」 for a suppressed one."""
    shown = SUPPRESSED if value is None else f"{value:,}"
    return (
        f'<text x="{x + 4:.1f}" y="{y + BAR_HEIGHT - 1}" font-size="12" '
        f'fill="{INK}">{escape(shown)}</text>'
    )
