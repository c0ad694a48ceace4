"""A report tab drawn on Google Sheets (issue 22), as the xlsx backend draws it:
numbers stored as numbers, widths, bold titles and headers, wrapped text, and
native charts (``addChart``). Pure request builders over a :class:`TabSheet`."""

from __future__ import annotations

from aduan.core.tabsheet import TabChart, TabSheet, typed
from aduan.register.sheets.batch import cell, column_width

__all__ = ["tab_requests"]


def _value(v: str) -> dict:
    value, kind = typed(v)
    if kind == "text":
        return cell(v)
    return {"userEnteredValue": {"numberValue": value}}


def _fmt(sid: int, r0: int, r1: int, c0: int, c1: int, fmt: dict, fields: str) -> dict:
    rng = {
        "sheetId": sid,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }
    return {"repeatCell": {"range": rng, "cell": {"userEnteredFormat": fmt}, "fields": fields}}


def _grid(sid: int, r0: int, r1: int, c: int) -> dict:
    return {
        "sheetId": sid,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c,
        "endColumnIndex": c + 1,
    }


def chart_request(sid: int, c: TabChart) -> dict:
    """``addChart``: a basic bar/column chart over the chart's block, header row included."""
    bar = c.kind == "bar"
    series = [
        {
            "series": {"sourceRange": {"sources": [_grid(sid, c.header, c.last + 1, col)]}},
            "targetAxis": "BOTTOM_AXIS" if bar else "LEFT_AXIS",
        }
        for col in c.values
    ]
    basic: dict = {
        "chartType": "BAR" if bar else "COLUMN",
        "legendPosition": "NO_LEGEND" if len(c.values) == 1 else "BOTTOM_LEGEND",
        "headerCount": 1,
        "domains": [
            {"domain": {"sourceRange": {"sources": [_grid(sid, c.header, c.last + 1, c.labels)]}}}
        ],
        "series": series,
    }
    if c.stacked:
        basic["stackedType"] = "STACKED"
    n = c.last - c.first + 1
    anchor = {"sheetId": sid, "rowIndex": c.at[0], "columnIndex": c.at[1]}
    position = {
        "overlayPosition": {
            "anchorCell": anchor,
            "widthPixels": 600,
            "heightPixels": max(240, 60 + 34 * n) if bar else 320,
        }
    }
    return {
        "addChart": {
            "chart": {"spec": {"title": c.title, "basicChart": basic}, "position": position}
        }
    }


def tab_requests(sid: int, sheet: TabSheet) -> list[dict]:
    """Values, formats, widths and charts of a freshly added tab ``sid``."""
    width = sheet.width
    reqs: list[dict] = [
        {
            "updateCells": {
                "start": {"sheetId": sid, "rowIndex": 0, "columnIndex": 0},
                "rows": [{"values": [_value(v) for v in r]} for r in sheet.rows],
                "fields": "userEnteredValue",
            }
        },
        _fmt(
            sid,
            0,
            len(sheet.rows),
            0,
            width,
            {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"},
            "userEnteredFormat(wrapStrategy,verticalAlignment)",
        ),
    ]
    for r in sorted(sheet.bold):
        size = 14 if r in sheet.title_rows else 10
        reqs.append(
            _fmt(
                sid,
                r,
                r + 1,
                0,
                width,
                {"textFormat": {"bold": True, "fontSize": size}},
                "userEnteredFormat.textFormat",
            )
        )
    for i, row in enumerate(sheet.rows):
        for j, v in enumerate(row):
            if typed(v)[1] == "percent":
                pct = {"numberFormat": {"type": "PERCENT", "pattern": "0.0%"}}
                reqs.append(_fmt(sid, i, i + 1, j, j + 1, pct, "userEnteredFormat.numberFormat"))
    for j, w in enumerate(sheet.widths):
        reqs.append(column_width(sid, j, w))
    reqs += [chart_request(sid, c) for c in sheet.charts]
    return reqs
