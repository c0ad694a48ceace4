"""A report tab drawn with openpyxl (issue 22): numbers stored as numbers, widths,
bold titles and headers, wrapped text, and native Excel/LibreOffice charts."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from aduan.core.tabsheet import TabSheet, typed
from aduan.register.xlsx.setup import print_fit, set_text

__all__ = ["draw_tab"]


def draw_tab(ws: Worksheet, sheet: TabSheet) -> None:
    """Fill ``ws`` (empty) with ``sheet``: values, formats, charts."""
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, r in enumerate(sheet.rows, 1):
        for j, v in enumerate(r, 1):
            cell = ws.cell(i, j)
            value, kind = typed(v)
            if kind == "text":
                set_text(cell, v)
            else:
                cell.value = value
                cell.number_format = "0.0%" if kind == "percent" else "#,##0.##"
            cell.alignment = wrap
            if i - 1 in sheet.bold:
                cell.font = Font(bold=True, size=14 if i - 1 in sheet.title_rows else 11)
    for j, w in enumerate(sheet.widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = w
    # LibreOffice keeps a row without a height at one line: give wrapped rows room
    for i, r in enumerate(sheet.rows, 1):
        if len(r) < 2:
            continue  # a title or a note runs across the empty cells beside it
        lines = max(
            -(-len(v) // max(4, int((sheet.widths[j] if j < len(sheet.widths) else 10) * 1.15)))
            for j, v in enumerate(r)
        )
        if lines > 1:
            ws.row_dimensions[i].height = 15 * min(lines, 12)
    print_fit(ws, landscape=False, title_rows=None)  # the tables; charts print beside
    for c in sheet.charts:
        chart = BarChart()
        chart.type = "bar" if c.kind == "bar" else "col"
        chart.title = c.title
        chart.style = 10
        if c.stacked:
            chart.grouping, chart.overlap = "stacked", 100
        for col in c.values:
            data = Reference(ws, min_col=col + 1, min_row=c.header + 1, max_row=c.last + 1)
            chart.add_data(data, titles_from_data=True)
        cats = Reference(ws, min_col=c.labels + 1, min_row=c.first + 1, max_row=c.last + 1)
        chart.set_categories(cats)
        if c.percent:
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        if len(c.values) == 1:
            chart.legend = None
        n = c.last - c.first + 1
        chart.height = max(6.0, 1.2 + 0.9 * n) if c.kind == "bar" else 8.0
        chart.width = 16.0
        ws.add_chart(chart, f"{get_column_letter(c.at[1] + 1)}{c.at[0] + 1}")
