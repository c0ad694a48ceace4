"""Request builders for ``spreadsheets:batchUpdate`` and the A1 notation: pure
functions from indexes and text to the dicts the Sheets API takes."""

from __future__ import annotations

import logging
import re
from typing import Any

from aduan.core.layout import HISTORY_HEADERS, REGISTER_TAB

__all__ = ["MAX_CELL", "a1_col", "quote_tab"]

logger = logging.getLogger(__name__)

MAX_CELL = 50_000  # Google refuses longer cell text
TRUNCATED = " …[dipotong]"
PIXELS_PER_WIDTH = 7  # layout widths are Excel characters

COLOURS = {  # header fill per column kind, as in the xlsx register
    "system": (0.85, 0.85, 0.85),
    "hidden": (0.85, 0.85, 0.85),
    "intake": (0.87, 0.92, 0.97),
    "staff": (0.89, 0.94, 0.85),
}
RED, GREY = (0.97, 0.80, 0.68), (0.93, 0.93, 0.93)

#: what a batchUpdate answers with when it returns the written rows
RESPONSE_FIELDS = (
    "spreadsheetId,updatedSpreadsheet.sheets(properties.sheetId,"
    "data(startRow,rowData.values.formattedValue))"
)


# ------------------------------------------------------------------ A1, text
def quote_tab(title: str) -> str:
    """A tab title as an A1 range: always quoted, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def a1_col(index: int) -> str:
    """0 -> ``A``, 26 -> ``AA``."""
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def row_range(r: int, width: int) -> str:
    """A1 range of one register row (0-based ``r``) across ``width`` columns."""
    return f"{quote_tab(REGISTER_TAB)}!A{r + 1}:{a1_col(max(width, 1) - 1)}{r + 1}"


def grid_rows(a1: str) -> int:
    """The last row of an A1 range such as ``'Register Aduan'!A1:Z1000`` (0 if none)."""
    m = re.search(r"![A-Z]*\d*:[A-Z]*(\d+)$", a1)
    return int(m.group(1)) if m else 0


def text(value: Any) -> str:
    """A value as the text written to a cell (Google's 50,000-character limit)."""
    out = "" if value is None else str(value)
    if len(out) > MAX_CELL:
        logger.warning("cell text of %d characters truncated to %d", len(out), MAX_CELL)
        out = out[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
    return out


def at(row: list[Any], c: int) -> str:
    """Cell ``c`` of a row as answered (rows are ragged), "" when absent."""
    return str(row[c]) if c < len(row) and row[c] is not None else ""


def cell(value: Any) -> dict:
    """CellData for a text value (RAW: never a formula); empty clears the cell
    under a userEnteredValue mask."""
    t = text(value)
    return {"userEnteredValue": {"stringValue": t}} if t else {}


def rgb(colour: tuple[float, float, float]) -> dict:
    return dict(zip(("red", "green", "blue"), colour, strict=True))


def runs(cols: list[int]) -> list[tuple[int, int]]:
    """Sorted column indexes -> contiguous [start, end) runs."""
    out: list[tuple[int, int]] = []
    for c in cols:
        if out and out[-1][1] == c:
            out[-1] = (out[-1][0], c + 1)
        else:
            out.append((c, c + 1))
    return out


def history_row(entry: dict[str, str]) -> list[str]:
    """A Riwayat event as a row in the tab's column order."""
    for k in entry:
        if k not in HISTORY_HEADERS:
            logger.warning("history key %r is not a Riwayat column; dropped", k)
    return [entry.get(h, "") for h in HISTORY_HEADERS]


# ------------------------------------------------------------------ requests
def cells_range(sid: int, r0: int, r1: int, c0: int, c1: int) -> dict:
    return {
        "sheetId": sid,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def row_requests(sid: int, r: int, cells: dict[int, str]) -> list[dict]:
    """updateCells per run of adjacent columns: cells between runs are not touched."""
    reqs = []
    for c0, c1 in runs(sorted(cells)):
        reqs.append(
            {
                "updateCells": {
                    "range": cells_range(sid, r, r + 1, c0, c1),
                    "rows": [{"values": [cell(cells[c]) for c in range(c0, c1)]}],
                    "fields": "userEnteredValue",
                }
            }
        )
    return reqs


def update_row(sid: int, r: int, values: list[str]) -> dict:
    return {
        "updateCells": {
            "start": {"sheetId": sid, "rowIndex": r, "columnIndex": 0},
            "rows": [{"values": [cell(v) for v in values]}],
            "fields": "userEnteredValue",
        }
    }


def update_rows(sid: int, rows: list[list[str]]) -> dict:
    """Values from A1 down (a whole tab's content)."""
    return {
        "updateCells": {
            "start": {"sheetId": sid, "rowIndex": 0, "columnIndex": 0},
            "rows": [{"values": [cell(v) for v in r]} for r in rows],
            "fields": "userEnteredValue",
        }
    }


def clear_values(sid: int) -> dict:
    return {"updateCells": {"range": {"sheetId": sid}, "fields": "userEnteredValue"}}


def append(sid: int, rows: list[list[str]]) -> dict:
    return {
        "appendCells": {
            "sheetId": sid,
            "rows": [{"values": [cell(v) for v in r]} for r in rows],
            "fields": "userEnteredValue",
        }
    }


def add_sheet(props: dict) -> dict:
    return {"addSheet": {"properties": props}}


def list_rule(choices: tuple[str, ...]) -> dict:
    return {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": x} for x in choices]},
        "showCustomUi": True,
    }


def dimension(sid: int, c: int, props: dict, fields: str) -> dict:
    return {
        "updateDimensionProperties": {
            "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
            "properties": props,
            "fields": fields,
        }
    }


def column_width(sid: int, c: int, chars: float) -> dict:
    """A column's width, given in Excel characters as the layout does."""
    return dimension(sid, c, {"pixelSize": chars * PIXELS_PER_WIDTH}, "pixelSize")


def resize(sid: int, rows: int, cols: int) -> dict:
    return {
        "updateSheetProperties": {
            "properties": {
                "sheetId": sid,
                "gridProperties": {"rowCount": rows, "columnCount": cols},
            },
            "fields": "gridProperties(rowCount,columnCount)",
        }
    }


def freeze_header(sid: int) -> dict:
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": sid, "gridProperties": {"frozenRowCount": 1}},
            "fields": "gridProperties.frozenRowCount",
        }
    }


def bold_row(sid: int, width: int) -> dict:
    fmt = {"textFormat": {"bold": True}, "wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
    return {
        "repeatCell": {
            "range": cells_range(sid, 0, 1, 0, width),
            "cell": {"userEnteredFormat": fmt},
            "fields": "userEnteredFormat(textFormat.bold,wrapStrategy,verticalAlignment)",
        }
    }


def protect(rng: dict, note: str) -> dict:
    return {
        "addProtectedRange": {
            "protectedRange": {"range": rng, "description": note, "warningOnly": True}
        }
    }


def rows_back(resp: dict, sid: int, n: int) -> list[list[str]] | None:
    """The rows a batchUpdate returned (responseRanges order) as text; None if
    the answer does not hold them."""
    if not n:
        return []
    for sheet in resp.get("updatedSpreadsheet", {}).get("sheets", []):
        if sheet.get("properties", {}).get("sheetId") == sid:
            out = []
            for grid in sheet.get("data", []):
                rd = grid.get("rowData") or [{}]
                out.append([v.get("formattedValue", "") for v in rd[0].get("values", [])])
            if len(out) == n:
                return out
    logger.warning("the batchUpdate answer lacks the written rows; checking by reading again")
    return None
