"""A local Google Sheets API v4 server for the tests (issue 5 part 6).

Google cannot be reached from our machines, so the register's Google backend runs gspread,
unchanged, against this server: a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 with real state
(spreadsheets -> sheets -> cells) that speaks the subset of the v4 REST API gspread and Aduan use.
gspread is pointed at it through its session only (:meth:`SheetsServer.session`).

What is faithful, because the tool's correctness depends on it:

* A1 ranges: ``'Tab name'!A1:C3``, ``Tab!A:C``, ``Tab!2:5``, ``Tab``, ``A2:Z``, ``''`` escapes,
  percent-encoded paths; reads and writes outside the grid fail as Google's do
  ("exceeds grid limits"); responses trim trailing empty cells and rows.
* ``valueInputOption``: RAW stores strings as-is; USER_ENTERED turns ``=...`` into a formula,
  numeric-looking text into a number (``"0812"`` -> 812) and TRUE/FALSE into booleans.
  JSON ``null`` in written values leaves the cell unchanged, ``""`` clears it.
* ``values:append`` finds the "table" and writes under it, from its first column: for a
  one-cell range, the block that starts at that cell (none if it is empty: write right there);
  otherwise the block around the range's last non-empty cell. A block grows while any cell
  next to it (diagonals too) has data, so a fully empty row or column ends it. This matches
  Google's recorded answers in gspread's cassettes (``'Sheet1'`` with data in A1 and C1 only ->
  ``tableRange`` C1, appended at C2; ``'Sheet1'!A1`` -> A1, appended at A2). OVERWRITE grows
  the grid, INSERT_ROWS inserts rows.
* ``spreadsheets:batchUpdate`` is atomic (all requests or none) and applies the structural
  requests Aduan sends; unknown request kinds are a 400 like Google's.
* ``spreadsheets.get`` honours ``fields=`` masks and ``ranges=``; a mask that names ``data``
  returns grid data (``rowData.values.dataValidation``, ``columnMetadata``...) as Google does.

What is not emulated (documented so nobody relies on it): formulas are never evaluated (a formula
cell reads as ``#ERROR!`` unless ``valueRenderOption=FORMULA``), dates/percentages/currencies are
not parsed under USER_ENTERED, number formats are ignored, protection is recorded but not enforced
(use :meth:`SheetsServer.make_read_only`), ``majorDimension=COLUMNS`` is a 400.

Drive: the one call change detection makes (issue 19), ``GET /drive/v3/files/ID`` for a
spreadsheet here, with Google's ``fields`` mask; its ``version`` goes up by one and its
``modifiedTime`` moves on with every change to the spreadsheet — each accepted write request
(a batchUpdate as a whole), and each change made "as staff" through the state API below
(``set_cells``, ``apply`` and what builds on it, ``protect_as_staff``). Nothing else of Drive.
"""

from __future__ import annotations

import copy
import json
import logging
import random
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from tests import google_schema

logger = logging.getLogger(__name__)

__all__ = [
    "A1Error",
    "A1Range",
    "Formula",
    "RecordedRequest",
    "SheetsServer",
    "format_a1",
    "parse_a1",
    "parse_fields",
    "sheets_server",
]

REAL_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
FORMULA_DISPLAY = "#ERROR!"  # what an (unevaluated) formula cell shows when read as a value

# --------------------------------------------------------------------------- A1 notation


class A1Error(ValueError):
    """The text is not an A1 range the Sheets API would accept."""


@dataclass(frozen=True)
class A1Range:
    """A parsed A1 range: 0-based, end-exclusive; ``None`` ends run to the edge of the grid."""

    sheet: str | None
    r0: int = 0
    r1: int | None = None
    c0: int = 0
    c1: int | None = None
    cell: bool = False  # written as one cell ("B3"): an anchor that writes may grow from


_ENDPOINT = re.compile(r"\$?([A-Za-z]{0,3})\$?([0-9]{0,7})")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELLISH = re.compile(r"[A-Za-z]{1,3}[0-9]+")


def col_index(letters: str) -> int:
    """``"A"`` -> 0, ``"AA"`` -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    """0 -> ``"A"``, 26 -> ``"AA"``."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _endpoint(text: str) -> tuple[str, str]:
    m = _ENDPOINT.fullmatch(text)
    if not m or not (m.group(1) or m.group(2)) or m.group(2).startswith("0"):
        raise A1Error(text)
    return m.group(1).upper(), m.group(2)


def _parse_ref(ref: str, sheet: str | None) -> A1Range:
    parts = ref.split(":")
    if len(parts) == 1:
        col, row = _endpoint(parts[0])
        if not (col and row):
            raise A1Error(ref)
        r, c = int(row) - 1, col_index(col)
        return A1Range(sheet, r, r + 1, c, c + 1, cell=True)
    if len(parts) != 2:
        raise A1Error(ref)
    (ca, ra), (cb, rb) = _endpoint(parts[0]), _endpoint(parts[1])
    # Shapes the API accepts: A1:B2, A2:B (open-ended), A2:5, A:B, 2:5 - not "A:5" or "A:B5".
    if not (ca and ra) and not (ca and cb and not rb) and not (ra and rb and not cb):
        raise A1Error(ref)
    r0, c0 = (int(ra) - 1 if ra else 0), (col_index(ca) if ca else 0)
    r1, c1 = (int(rb) if rb else None), (col_index(cb) + 1 if cb else None)
    # Google accepts reversed corners ("B5:A1") and normalises them.
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    if c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    return A1Range(sheet, r0, r1, c0, c1)


def parse_a1(text: str) -> A1Range:
    """Parse an A1 range as the API does; a bare name that is not a cell reference is a tab."""
    text = text.strip()
    if not text:
        raise A1Error(text)
    if text.startswith("'"):
        buf, i = [], 1
        while True:
            if i >= len(text):
                raise A1Error(f"unterminated quote in {text}")
            if text[i] == "'":
                if text[i + 1 : i + 2] == "'":
                    buf.append("'")
                    i += 2
                    continue
                i += 1
                break
            buf.append(text[i])
            i += 1
        sheet, rest = "".join(buf), text[i:]
        if not rest:
            return A1Range(sheet)
        if not rest.startswith("!") or not sheet:
            raise A1Error(text)
        return _parse_ref(rest[1:], sheet)
    if "!" in text:
        sheet, ref = text.split("!", 1)
        if not sheet:
            raise A1Error(text)
        return _parse_ref(ref, sheet)
    try:
        return _parse_ref(text, None)
    except A1Error:
        if ":" in text:
            raise
        return A1Range(text)


def quote_title(title: str) -> str:
    """A tab title as Google writes it in a range: quoted unless it is a plain identifier."""
    if _PLAIN_TITLE.fullmatch(title) and not _CELLISH.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_a1(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """``'Tab'!A1:C3`` for concrete 0-based, end-exclusive bounds (one cell -> ``Tab!B2``)."""
    start = f"{col_letters(c0)}{r0 + 1}"
    if r1 == r0 + 1 and c1 == c0 + 1:
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{col_letters(c1 - 1)}{r1}"


# --------------------------------------------------------------------------- cell values


@dataclass(frozen=True)
class Formula:
    """A stored formula (what USER_ENTERED makes of ``=...``); never evaluated here."""

    text: str


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _number(value: float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def stored_value(value: Any, option: str) -> Any:
    """What the API stores for one JSON value under ``valueInputOption`` (None = empty)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number(value)
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid values: {json.dumps(value)[:80]} is not a string/number/bool")
    if value == "":
        return None
    if option == "RAW":
        return value
    # USER_ENTERED: parsed as if a person typed it into the cell.
    if value.startswith("'"):
        return value[1:] or None
    if value.startswith("=") and len(value) > 1:
        return Formula(value)
    if value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    if _NUMBER.fullmatch(value.strip()):
        return _number(float(value.strip().replace(",", "")))
    return value


def _format_number(value: int | float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}".replace("e+", "E+").replace("e-", "E-")


def render(cell: Any, option: str) -> Any:
    """One stored cell as ``valueRenderOption`` shows it (empty -> ``""``)."""
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        return cell.text if option == "FORMULA" else FORMULA_DISPLAY
    if option == "FORMATTED_VALUE":
        if isinstance(cell, bool):
            return "TRUE" if cell else "FALSE"
        if isinstance(cell, int | float):
            return _format_number(cell)
    return cell


def _extended_value(cell: Any) -> dict:
    if isinstance(cell, Formula):
        return {"formulaValue": cell.text}
    if isinstance(cell, bool):
        return {"boolValue": cell}
    if isinstance(cell, int | float):
        return {"numberValue": cell}
    return {"stringValue": cell}


def _from_extended(value: dict | None) -> Any:
    if not value:
        return None
    if "formulaValue" in value:
        return Formula(value["formulaValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "numberValue" in value:
        return _number(value["numberValue"])
    return value.get("stringValue") or None


# --------------------------------------------------------------------------- field masks


def parse_fields(mask: str) -> dict | None:
    """Parse a partial-response mask (``sheets(properties,data(rowData))``, ``a.b,a/c``).

    Returns a tree ``{name: subtree}`` where a subtree of ``None`` means "everything below";
    ``"*"`` alone returns None.
    """
    pos = 0

    def name() -> list[str]:
        nonlocal pos
        m = re.compile(r"[A-Za-z0-9_*]+(?:[./][A-Za-z0-9_*]+)*").match(mask, pos)
        if not m:
            raise ApiError(400, f"Invalid field selection {mask!r}")
        pos = m.end()
        return re.split(r"[./]", m.group())

    def items() -> dict:
        nonlocal pos
        tree: dict = {}
        while True:
            path = name()
            sub = None
            if mask[pos : pos + 1] == "(":
                pos += 1
                sub = items()
                if mask[pos : pos + 1] != ")":
                    raise ApiError(400, f"Invalid field selection {mask!r}")
                pos += 1
            node = tree
            for part in path[:-1]:
                if part in node and node[part] is None:
                    break
                node = node.setdefault(part, {})
            else:
                leaf = path[-1]
                if sub is None or node.get(leaf, {}) is None:
                    node[leaf] = None
                else:
                    node.setdefault(leaf, {}).update(sub)
            if mask[pos : pos + 1] != ",":
                return tree
            pos += 1

    mask = mask.replace(" ", "")
    tree = items()
    if pos != len(mask):
        raise ApiError(400, f"Invalid field selection {mask!r}")
    return None if tree == {"*": None} else tree


def _sub(tree: dict | None, key: str) -> dict | None:
    """The subtree of ``key`` (None = all), assuming ``_wants(tree, key)``."""
    if tree is None or "*" in tree:
        return None
    return tree[key]


def _wants(tree: dict | None, key: str) -> bool:
    return tree is None or key in tree or "*" in tree


def prune(obj: Any, tree: dict | None) -> Any:
    """Keep only what the mask selects (lists are pruned element-wise)."""
    if tree is None:
        return obj
    if isinstance(obj, list):
        return [prune(x, tree) for x in obj]
    if not isinstance(obj, dict):
        return obj
    return {k: prune(v, _sub(tree, k)) for k, v in obj.items() if _wants(tree, k)}


def masked_merge(target: dict, source: dict, tree: dict | None) -> None:
    """Copy the masked fields of ``source`` onto ``target``; masked but absent -> removed."""
    keys = source.keys() if tree is None or "*" in tree else tree.keys()
    for key in list(keys):
        sub = None if tree is None or "*" in tree else tree[key]
        if sub is None or not isinstance(source.get(key), dict):
            if key in source and source[key] is not None:
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
        else:
            node = target.get(key)
            if not isinstance(node, dict):
                node = target[key] = {}
            masked_merge(node, source[key], sub)


def _drop_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_nulls(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- state


class ApiError(Exception):
    """A Google-style error response."""

    STATUS = {
        400: "INVALID_ARGUMENT",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        408: "DEADLINE_EXCEEDED",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }

    def __init__(self, code: int, message: str, status: str | None = None):
        super().__init__(message)
        self.code, self.message = code, message
        self.status = status or self.STATUS.get(code, "UNKNOWN")

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def _grid_error(title: str, r0: int, r1: int, c0: int, c1: int, rows: int, cols: int) -> ApiError:
    rng = format_a1(title, r0, max(r1, r0 + 1), c0, max(c1, c0 + 1))
    return ApiError(
        400, f"Range ({rng}) exceeds grid limits. Max rows: {rows}, max columns: {cols}"
    )


def _shift(lo: int | None, hi: int | None, start: int, n: int) -> tuple[int | None, int | None]:
    """Move an interval's ends for ``n`` inserted (n>0) or deleted (n<0) indexes at ``start``."""

    def move(x: int | None, is_end: bool) -> int | None:
        if x is None:
            return None
        if n > 0:
            return x + n if (x > start if is_end else x >= start) else x
        end = start - n
        return x + n if x >= end else (start if x > start else x)

    return move(lo, False), move(hi, True)


_DIM_KEYS = {
    "ROWS": ("startRowIndex", "endRowIndex"),
    "COLUMNS": ("startColumnIndex", "endColumnIndex"),
}


def _shift_grid_range(gr: dict, dim: str, start: int, n: int) -> bool:
    """Adjust a GridRange in place; False when a deletion emptied it."""
    ks, ke = _DIM_KEYS[dim]
    lo, hi = _shift(gr.get(ks), gr.get(ke), start, n)
    for key, val in ((ks, lo), (ke, hi)):
        if val is not None:
            gr[key] = val
    return not (lo is not None and hi is not None and hi <= lo)


@dataclass
class Sheet:
    """One tab: properties as the API shows them, cells, and the structural things on it."""

    props: dict
    cells: list[list[Any]] = field(default_factory=list)
    validations: dict[tuple[int, int], dict] = field(default_factory=dict)  # (row, col) 0-based
    conditional_formats: list[dict] = field(default_factory=list)
    protected_ranges: list[dict] = field(default_factory=list)
    formats: list[dict] = field(default_factory=list)  # repeatCell records, in order
    basic_filter: dict | None = None
    charts: list[dict] = field(default_factory=list)  # EmbeddedChart, as addChart made them
    dim_props: dict[str, dict[int, dict]] = field(
        default_factory=lambda: {"ROWS": {}, "COLUMNS": {}}
    )

    @property
    def sheet_id(self) -> int:
        return self.props["sheetId"]

    @property
    def title(self) -> str:
        return self.props["title"]

    @property
    def row_count(self) -> int:
        return self.props["gridProperties"]["rowCount"]

    @property
    def column_count(self) -> int:
        return self.props["gridProperties"]["columnCount"]

    def get(self, r: int, c: int) -> Any:
        if r < len(self.cells) and c < len(self.cells[r]):
            return self.cells[r][c]
        return None

    def put(self, r: int, c: int, value: Any) -> None:
        if value is None and self.get(r, c) is None:
            return
        while len(self.cells) <= r:
            self.cells.append([])
        row = self.cells[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = value

    def bounds(self, rng: A1Range) -> tuple[int, int, int, int]:
        """Concrete bounds of a range on this grid; outside the grid is Google's 400."""
        r1 = self.row_count if rng.r1 is None else rng.r1
        c1 = self.column_count if rng.c1 is None else rng.c1
        if r1 > self.row_count or c1 > self.column_count or rng.r0 >= r1 or rng.c0 >= c1:
            raise _grid_error(self.title, rng.r0, r1, rng.c0, c1, self.row_count, self.column_count)
        return rng.r0, r1, rng.c0, c1

    def grid_bounds(self, gr: dict) -> tuple[int, int, int, int]:
        """Concrete bounds of a GridRange (missing ends = the whole dimension), clamped."""
        r0 = max(0, gr.get("startRowIndex", 0))
        r1 = min(self.row_count, gr.get("endRowIndex", self.row_count))
        c0 = max(0, gr.get("startColumnIndex", 0))
        c1 = min(self.column_count, gr.get("endColumnIndex", self.column_count))
        return r0, r1, c0, c1

    def read(self, r0: int, r1: int, c0: int, c1: int, option: str) -> list[list[Any]]:
        """Rendered values, with trailing empty cells and rows trimmed as Google does."""
        out: list[list[Any]] = []
        for r in range(r0, min(r1, len(self.cells))):
            row = self.cells[r][c0:c1]
            while row and row[-1] is None:
                row = row[:-1]
            out.append([render(v, option) for v in row])
        while out and not out[-1]:
            out.pop()
        return out

    def row_empty(self, r: int, c0: int, c1: int) -> bool:
        return r >= len(self.cells) or all(v is None for v in self.cells[r][c0:c1])

    def last_cell(self, r0: int, r1: int, c0: int, c1: int) -> tuple[int, int] | None:
        """The last non-empty cell of the bounds: the last such row, its rightmost cell."""
        for r in range(min(r1, len(self.cells)) - 1, r0 - 1, -1):
            row = self.cells[r][c0:c1]
            for c in range(len(row) - 1, -1, -1):
                if row[c] is not None:
                    return r, c0 + c
        return None

    def region(
        self, seed: tuple[int, int], r0: int, r1: int, c0: int, c1: int
    ) -> tuple[int, int, int, int]:
        """The "table" around ``seed``: grown (within the bounds) while any cell next to it,
        diagonals included, is non-empty - so a fully empty row or column ends it.
        Returns top, bottom, left, right with exclusive ends."""
        top, left = seed
        bottom, right = top + 1, left + 1
        grown = True
        while grown:
            grown = False
            lo, hi = max(left - 1, c0), min(right + 1, c1)
            while top > r0 and not self.row_empty(top - 1, lo, hi):
                top, grown = top - 1, True
            while bottom < r1 and not self.row_empty(bottom, lo, hi):
                bottom, grown = bottom + 1, True
            a, b = max(top - 1, r0), min(bottom + 1, r1)
            while left > c0 and any(self.get(r, left - 1) is not None for r in range(a, b)):
                left, grown = left - 1, True
            while right < c1 and any(self.get(r, right) is not None for r in range(a, b)):
                right, grown = right + 1, True
        return top, bottom, left, right

    def metadata(self) -> dict:
        props = copy.deepcopy(self.props)
        grid = props["gridProperties"]
        for key in [k for k, v in grid.items() if v in (0, False) and k not in _SIZE_KEYS]:
            del grid[key]
        if not props.get("hidden"):
            props.pop("hidden", None)
        out: dict[str, Any] = {"properties": props}
        if self.conditional_formats:
            out["conditionalFormats"] = copy.deepcopy(self.conditional_formats)
        if self.protected_ranges:
            out["protectedRanges"] = copy.deepcopy(self.protected_ranges)
        if self.basic_filter:
            out["basicFilter"] = copy.deepcopy(self.basic_filter)
        if self.charts:
            out["charts"] = copy.deepcopy(self.charts)
        return out

    def cell_format(self, r: int, c: int) -> dict:
        fmt: dict = {}
        for rec in self.formats:
            r0, r1, c0, c1 = self.grid_bounds(rec["range"])
            if r0 <= r < r1 and c0 <= c < c1 and _wants(rec["mask"], "userEnteredFormat"):
                source = rec["cell"].get("userEnteredFormat", {})
                masked_merge(fmt, source, _sub(rec["mask"], "userEnteredFormat"))
        return fmt

    def grid_data(self, r0: int, r1: int, c0: int, c1: int, mask: dict | None) -> dict:
        """One GridData object for the bounds, building only the parts the mask asks for."""
        out: dict[str, Any] = {}
        if r0:
            out["startRow"] = r0
        if c0:
            out["startColumn"] = c0
        if _wants(mask, "rowData"):
            vmask = _sub(mask, "rowData")
            vmask = _sub(vmask, "values") if _wants(vmask, "values") else {}
            last = max([len(self.cells)] + [r + 1 for r, _ in self.validations])
            if self.formats and _wants(vmask, "userEnteredFormat"):
                last = r1
            rows = []
            for r in range(r0, min(r1, last)):
                values = [self._cell_data(r, c, vmask) for c in range(c0, c1)]
                while values and not values[-1]:
                    values.pop()
                rows.append({"values": values} if values else {})
            while rows and not rows[-1]:
                rows.pop()
            if rows:
                out["rowData"] = rows
        for key, dim, lo, hi, size in (
            ("rowMetadata", "ROWS", r0, r1, 21),
            ("columnMetadata", "COLUMNS", c0, c1, 100),
        ):
            if _wants(mask, key):
                props = self.dim_props[dim]
                out[key] = [{"pixelSize": size, **props.get(i, {})} for i in range(lo, hi)]
        return out

    def _cell_data(self, r: int, c: int, mask: dict | None) -> dict:
        out: dict[str, Any] = {}
        value = self.get(r, c)
        if value is not None:
            out["userEnteredValue"] = _extended_value(value)
            if isinstance(value, Formula):
                out["effectiveValue"] = {"errorValue": {"type": "ERROR", "message": "emulated"}}
            else:
                out["effectiveValue"] = _extended_value(value)
            out["formattedValue"] = render(value, "FORMATTED_VALUE")
        if (r, c) in self.validations:
            out["dataValidation"] = copy.deepcopy(self.validations[(r, c)])
        if self.formats and _wants(mask, "userEnteredFormat"):
            fmt = self.cell_format(r, c)
            if fmt:
                out["userEnteredFormat"] = fmt
        return prune(out, mask)

    def shift(self, dim: str, start: int, n: int) -> None:
        """Insert (n>0) or delete (n<0) rows/columns at ``start`` and move everything on them."""
        if dim == "ROWS":
            if n > 0:
                self.cells[start:start] = [[] for _ in range(n)] if start < len(self.cells) else []
            else:
                del self.cells[start : start - n]
        else:
            for row in self.cells:
                if n > 0 and start < len(row):
                    row[start:start] = [None] * n
                elif n < 0:
                    del row[start : start - n]
        axis = 0 if dim == "ROWS" else 1

        def moved(i: int) -> int | None:
            if n > 0:
                return i + n if i >= start else i
            return None if start <= i < start - n else (i + n if i >= start - n else i)

        new: dict[tuple[int, int], dict] = {}
        for key, rule in self.validations.items():
            i = moved(key[axis])
            if i is not None:
                new[(i, key[1]) if axis == 0 else (key[0], i)] = rule
        self.validations = new
        props = {}
        for i, p in self.dim_props[dim].items():
            j = moved(i)
            if j is not None:
                props[j] = p
        self.dim_props[dim] = props
        for rule in self.conditional_formats:
            rule["ranges"] = [
                g for g in rule.get("ranges", []) if _shift_grid_range(g, dim, start, n)
            ]
        self.conditional_formats = [r for r in self.conditional_formats if r.get("ranges")]
        self.protected_ranges = [
            p for p in self.protected_ranges if _shift_grid_range(p.get("range", {}), dim, start, n)
        ]
        self.formats = [f for f in self.formats if _shift_grid_range(f["range"], dim, start, n)]
        if self.basic_filter and not _shift_grid_range(
            self.basic_filter.get("range", {}), dim, start, n
        ):
            self.basic_filter = None
        grid = self.props["gridProperties"]
        grid["rowCount" if dim == "ROWS" else "columnCount"] += n

    def truncate(self) -> None:
        """Drop what lies outside the grid after a resize."""
        rows, cols = self.row_count, self.column_count
        del self.cells[rows:]
        for row in self.cells:
            del row[cols:]
        self.validations = {
            k: v for k, v in self.validations.items() if k[0] < rows and k[1] < cols
        }


_SIZE_KEYS = ("rowCount", "columnCount")


@dataclass
class Spreadsheet:
    """One spreadsheet: its tabs and how the caller may use it."""

    id: str
    title: str
    sheets: list[Sheet]
    read_only: bool = False  # shared as viewer: reads work, writes are 403
    private: bool = False  # not shared at all: every request is 403
    # Drive's view of the file (issue 19): every change moves both
    version: int = 1
    modified: float = field(default_factory=time.time)

    def touch(self) -> None:
        """One change to the file, as Drive counts it."""
        self.version += 1
        self.modified = max(time.time(), self.modified + 0.001)

    def drive_file(self) -> dict:
        """The file as Drive's ``files.get`` answers (before the ``fields`` mask)."""
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.modified))
        return {
            "kind": "drive#file",
            "id": self.id,
            "name": self.title,
            "mimeType": "application/vnd.google-apps.spreadsheet",
            "version": str(self.version),  # int64 as a string, as Google sends it
            "modifiedTime": f"{at}.{int(self.modified * 1000) % 1000:03d}Z",
        }

    def find(self, title: str) -> Sheet | None:
        """The tab with this title; like Sheets, a range may spell it in another case."""
        exact = next((s for s in self.sheets if s.title == title), None)
        folded = title.casefold()
        return exact or next((s for s in self.sheets if s.title.casefold() == folded), None)

    def by_id(self, sheet_id: Any) -> Sheet:
        sheet = next((s for s in self.sheets if s.sheet_id == sheet_id), None)
        if sheet is None:
            raise ApiError(400, f"No grid with id: {sheet_id}")
        return sheet

    def reindex(self) -> None:
        self.sheets.sort(key=lambda s: s.props["index"])
        for i, s in enumerate(self.sheets):
            s.props["index"] = i

    def resolve(self, text: str) -> tuple[A1Range, Sheet]:
        """The range and tab an A1 text names (no tab name = the first tab)."""
        try:
            rng = parse_a1(text)
        except A1Error:
            raise ApiError(400, f"Unable to parse range: {text}") from None
        sheet = self.sheets[0] if rng.sheet is None else self.find(rng.sheet)
        if sheet is None:
            raise ApiError(400, f"Unable to parse range: {text}")
        return rng, sheet

    def snapshot(self) -> list[Sheet]:
        """A copy to roll back to if a batch fails halfway (cells are immutable values)."""
        return [
            Sheet(
                props=copy.deepcopy(s.props),
                cells=[row[:] for row in s.cells],
                validations=dict(s.validations),
                conditional_formats=copy.deepcopy(s.conditional_formats),
                protected_ranges=copy.deepcopy(s.protected_ranges),
                formats=copy.deepcopy(s.formats),
                basic_filter=copy.deepcopy(s.basic_filter),
                charts=copy.deepcopy(s.charts),
                dim_props=copy.deepcopy(s.dim_props),
            )
            for s in self.sheets
        ]


# --------------------------------------------------------------------------- requests


class RecordedRequest(NamedTuple):
    """One HTTP request as received: raw (percent-encoded) path, query lists, JSON body."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any

    @property
    def kind(self) -> str:
        """``get``, ``batchUpdate``, ``values.get``, ``values.batchGet``, ``values.update``,
        ``values.batchUpdate``, ``values.append``, ``values.clear``, ``values.batchClear``,
        ``drive.files.get`` (issue 19), or ``other``."""
        return request_kind(self.method, self.path)

    @property
    def spreadsheet_id(self) -> str | None:
        m = _PATH.match(self.path) or _DRIVE_FILE.match(self.path)
        return m.group(1) if m else None


_PATH = re.compile(r"^/v4/spreadsheets/([^/:]+)(.*)$")
_DRIVE_FILE = re.compile(r"^/drive/v3/files/([^/:]+)$")
#: the requests that change a spreadsheet (Drive counts each as one new version)
WRITE_KINDS = frozenset(
    ("batchUpdate", "values.update", "values.append", "values.clear")
    + ("values.batchUpdate", "values.batchClear")
)


def request_kind(method: str, path: str) -> str:
    """Which API method a request calls (see :attr:`RecordedRequest.kind`)."""
    if _DRIVE_FILE.match(path):
        return "drive.files.get" if method == "GET" else "other"
    m = _PATH.match(path)
    if not m:
        return "other"
    rest = m.group(2)
    if rest == "":
        return "get" if method == "GET" else "other"
    if rest == ":batchUpdate":
        return "batchUpdate" if method == "POST" else "other"
    if rest in ("/values:batchGet", "/values:batchUpdate", "/values:batchClear"):
        return "values." + rest.split(":")[1]
    if rest.startswith("/values/"):
        if method == "GET":
            return "values.get"
        if method == "PUT":
            return "values.update"
        if method == "POST" and rest.endswith(":append"):
            return "values.append"
        if method == "POST" and rest.endswith(":clear"):
            return "values.clear"
    return "other"


Matcher = str | Callable[[RecordedRequest], bool] | None


def _matches(match: Matcher, req: RecordedRequest) -> bool:
    if match is None:
        return True
    if isinstance(match, str):
        if match in ("read", "write"):
            return (req.method == "GET") == (match == "read")
        return req.kind == match
    return bool(match(req))


@dataclass
class _Fault:
    status: int
    remaining: int
    match: Matcher
    message: str
    html: bool = False


class HtmlPage(str):
    """A body that is not JSON: the HTML error page Google's front end answers with."""


#: roughly what Google's front end sends for a 502 (gspread cannot parse it as JSON)
GFE_502 = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
    "  <title>Error 502 (Server Error)!!1</title>\n"
    "  <p><b>502.</b> <ins>That’s an error.</ins>\n"
    "  <p>The server encountered a temporary error and could not complete your request."
    "<p>Please try again in 30 seconds. <ins>That’s all we know.</ins>\n"
)


@dataclass
class _Hook:
    callback: Callable[[RecordedRequest], Any]
    match: Matcher
    once: bool


_FAULT_MESSAGES = {
    # As recorded from Google (gspread's cassettes); {kind} is "Read" or "Write".
    429: "Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per "
    "minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:0'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests.Session uses it
    timeout = 30  # an idle keep-alive connection ends its thread eventually
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK cost 40 ms
        # per request on loopback.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, payload = self.server.owner._serve(self.command, self.path, raw)
        if isinstance(payload, HtmlPage):
            data, kind = payload.encode(), "text/html; charset=UTF-8"
        else:
            data, kind = json.dumps(payload, ensure_ascii=False).encode(), "application/json"
            kind += "; charset=UTF-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _any

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sheets_server: " + format, *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: SheetsServer


class RedirectSession(requests.Session):
    """A requests session that sends Google API calls to the local server instead."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        for real in REAL_HOSTS:
            if url.startswith(real):
                url = self.base_url + url[len(real) :]
        return super().request(method, url, *args, **kwargs)


# --------------------------------------------------------------------------- the server


class SheetsServer:
    """A stateful Sheets API v4 server on 127.0.0.1 with test hooks.

    Hooks: ``requests`` (every RecordedRequest), ``count(kind)``, ``reset_counts()``,
    ``batch_requests(kind)`` (structural sub-requests received), ``fail_next(status, n, match)``,
    ``latency_s``, ``before_request(callback, match, once)``. State, neither recorded nor
    counted: ``create_spreadsheet``, ``make_read_only``, ``make_private``, ``cells``,
    ``set_cells``, ``sheet`` (live tab state), ``sheet_id``, ``apply`` (batchUpdate requests as
    staff), ``sort_rows``, ``insert_rows``, ``delete_rows``.

    Example::

        with SheetsServer() as server:
            key = server.create_spreadsheet("Register", tabs=["Register Aduan"])
            gc = server.client()
            ws = gc.open_by_key(key).worksheet("Register Aduan")
    """

    def __init__(self, latency_s: float = 0.0, seed: int = 0):
        self.latency_s = latency_s
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # internal errors and failing hooks (the fixture fails on them)
        self.violations: list[google_schema.Violation] = []  # breaches of the discovery doc
        self.cell_limit = 10_000_000  # Google's per-spreadsheet limit (tests may lower it)
        # issue 18 item 8, unsettled on Google: True models appendCells counting rows that
        # hold only a dropdown as data (``aduan check --deep`` asks the real sheet)
        self.validation_is_data = False
        self._later: list[tuple[Matcher, int]] = []  # apply_later(): answers to lose
        self._deferred: list[RecordedRequest] = []  # accepted, applied at apply_deferred()
        self._batch: list[tuple[str, dict]] = []
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._faults: list[_Fault] = []
        self._hooks: list[_Hook] = []
        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle

    def start(self) -> SheetsServer:
        """Listen on a free loopback port and serve in a daemon thread."""
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            # A short poll interval: shutdown() waits for it, once per test.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="sheets-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SheetsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: what replaces ``https://sheets.googleapis.com``."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def session(self) -> RedirectSession:
        """A requests session that redirects gspread's calls here."""
        return RedirectSession(self.base_url)

    def client(self, backoff: bool = False) -> Any:
        """A gspread Client (dummy credentials) talking to this server."""
        import gspread
        from google.oauth2.credentials import Credentials

        http_client = gspread.BackOffHTTPClient if backoff else gspread.HTTPClient
        return gspread.Client(Credentials("dummy"), session=self.session(), http_client=http_client)

    # ---- test hooks

    def count(self, kind: Matcher = None) -> int:
        """Requests received (injected failures included, as Google counts them against the
        quota): all, one kind (see RecordedRequest.kind), ``read``/``write``, or a predicate."""
        with self._lock:
            return sum(1 for r in self.requests if _matches(kind, r))

    def reset_counts(self) -> None:
        """Forget recorded requests (and the batchUpdate sub-requests)."""
        with self._lock:
            self.requests.clear()
            self._batch.clear()

    def batch_requests(self, kind: str | None = None) -> list[dict]:
        """The ``spreadsheets:batchUpdate`` sub-requests received, e.g. ``("addSheet")``."""
        with self._lock:
            return [body for k, body in self._batch if kind is None or k == kind]

    def fail_next(
        self,
        status: int,
        n: int = 1,
        match: Matcher = None,
        message: str | None = None,
        html: bool = False,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` and Google's error body.

        ``match`` is None (any), a request kind, ``read``/``write``, or a predicate.
        ``html``: the body is the front end's HTML error page instead of JSON (a
        502/504 from a gateway). The failed requests are recorded and counted but
        change nothing.
        """
        msg = message or _FAULT_MESSAGES.get(status, "Injected failure.")
        with self._lock:
            self._faults.append(_Fault(status, n, match, msg, html))

    def protect_as_staff(
        self, spreadsheet_id: str, tab: str, rng: dict | None = None, warning_only: bool = False
    ) -> int:
        """A protection staff set in the UI (``rng``: GridRange keys without sheetId; None:
        the whole tab). Unless warning-only, the tool's account may not edit inside it."""
        with self._lock:
            sheet = self.sheet(spreadsheet_id, tab)
            pid = self._random.randrange(10**8, 2 * 10**9)
            pr: dict[str, Any] = {
                "protectedRangeId": pid,
                "range": {"sheetId": sheet.sheet_id, **(rng or {})},
                "description": "dikunci staf",
                "requestingUserCanEdit": warning_only,
            }
            if warning_only:
                pr["warningOnly"] = True
            else:
                pr["editors"] = {"users": ["kepala@kantor.go.id"]}
            sheet.protected_ranges.append(pr)
            self._spreadsheets[spreadsheet_id].touch()
            return pid

    def apply_later(self, match: Matcher = "batchUpdate", status: int = 503) -> None:
        """The next matching request is accepted but its answer is lost (``status``, as
        when the client times out while Google keeps working): it takes effect only at
        :meth:`apply_deferred`, minutes later for the client."""
        with self._lock:
            self._later.append((match, status))

    def apply_deferred(self) -> int:
        """Apply the requests held by :meth:`apply_later` now; return how many."""
        with self._lock:
            held, self._deferred = self._deferred, []
            for req in held:
                self._route_and_touch(req)
            return len(held)

    def before_request(
        self,
        callback: Callable[[RecordedRequest], Any],
        match: Matcher = None,
        once: bool = False,
    ) -> Callable[[RecordedRequest], Any]:
        """Call ``callback(request)`` before each matching request is handled.

        The callback runs in the server thread with the state lock held, so it can edit the
        sheet "as staff" (``set_cells``, ``sort_rows``, ``insert_rows``...) between two
        requests of the tool. ``once`` removes it after it fired. A callback must use that
        direct state API, never HTTP: a request to this server from inside a callback would
        deadlock.
        """
        with self._lock:
            self._hooks.append(_Hook(callback, match, once))
        return callback

    def clear_hooks(self) -> None:
        with self._lock:
            self._hooks.clear()
            self._faults.clear()

    # ---- direct state access (not recorded, not counted)

    def create_spreadsheet(
        self,
        title: str = "Register",
        tabs: Sequence[str] = ("Sheet1",),
        rows: int = 1000,
        cols: int = 26,
    ) -> str:
        """Create a spreadsheet whose tabs have ``rows`` x ``cols`` grids; return its id."""
        key = "1" + secrets.token_urlsafe(32)[:43]
        sheets = [
            Sheet(
                props={
                    "sheetId": 0 if i == 0 else self._new_sheet_id(),
                    "title": tab,
                    "index": i,
                    "sheetType": "GRID",
                    "gridProperties": {"rowCount": rows, "columnCount": cols},
                }
            )
            for i, tab in enumerate(tabs)
        ]
        with self._lock:
            self._spreadsheets[key] = Spreadsheet(key, title, sheets)
        return key

    def make_read_only(self, spreadsheet_id: str, read_only: bool = True) -> None:
        """Shared with the caller as a viewer: reads work, every write is a 403."""
        with self._lock:
            self._spreadsheets[spreadsheet_id].read_only = read_only

    def make_private(self, spreadsheet_id: str, private: bool = True) -> None:
        """Not shared with the caller at all: every request is a 403 (a wrong key is a 404)."""
        with self._lock:
            self._spreadsheets[spreadsheet_id].private = private

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        """The live state of one spreadsheet (hold no reference across requests)."""
        return self._spreadsheets[spreadsheet_id]

    def sheet(self, spreadsheet_id: str, tab: str) -> Sheet:
        """The live state of one tab: props, validations, conditional_formats, ..."""
        sheet = self._spreadsheets[spreadsheet_id].find(tab)
        if sheet is None:
            raise KeyError(tab)
        return sheet

    def sheet_id(self, spreadsheet_id: str, tab: str) -> int:
        return self.sheet(spreadsheet_id, tab).sheet_id

    def cells(self, spreadsheet_id: str, tab: str) -> list[list[Any]]:
        """A copy of the stored cells: str, int/float, bool, Formula, None for empty;
        trailing empty cells and rows trimmed."""
        with self._lock:
            sheet = self.sheet(spreadsheet_id, tab)
            out = []
            for row in sheet.cells:
                row = row[:]
                while row and row[-1] is None:
                    row.pop()
                out.append(row)
            while out and not out[-1]:
                out.pop()
            return out

    def set_cells(
        self, spreadsheet_id: str, tab: str, values: Sequence[Sequence[Any]], start: str = "A1"
    ) -> None:
        """Type values in "as staff" from ``start``; stored as given ("" or None clears).
        The grid grows if needed."""
        with self._lock:
            sheet = self.sheet(spreadsheet_id, tab)
            rng = parse_a1(start)
            grid = sheet.props["gridProperties"]
            grid["rowCount"] = max(grid["rowCount"], rng.r0 + len(values))
            width = max((len(r) for r in values), default=0)
            grid["columnCount"] = max(grid["columnCount"], rng.c0 + width)
            for i, row in enumerate(values):
                for j, value in enumerate(row):
                    sheet.put(rng.r0 + i, rng.c0 + j, None if value == "" else value)
            self._spreadsheets[spreadsheet_id].touch()

    def apply(self, spreadsheet_id: str, batch: Sequence[dict]) -> list[dict]:
        """Apply ``spreadsheets:batchUpdate`` requests directly, as staff would in the UI."""
        with self._lock:
            ss = self._spreadsheets[spreadsheet_id]
            out = self._batch_update(ss, list(batch))
            ss.touch()
            return out

    def sort_rows(
        self,
        spreadsheet_id: str,
        tab: str,
        column: str | int,
        descending: bool = False,
        header_rows: int = 1,
    ) -> None:
        """Sort the tab's rows below ``header_rows`` by a column (letter or 0-based index)."""
        col = col_index(column) if isinstance(column, str) else column
        sheet_id = self.sheet_id(spreadsheet_id, tab)
        order = "DESCENDING" if descending else "ASCENDING"
        rng = {"sheetId": sheet_id, "startRowIndex": header_rows}
        spec = {"dimensionIndex": col, "sortOrder": order}
        self.apply(spreadsheet_id, [{"sortRange": {"range": rng, "sortSpecs": [spec]}}])

    def insert_rows(self, spreadsheet_id: str, tab: str, row: int, n: int = 1) -> None:
        """Insert ``n`` empty rows before sheet row ``row`` (1-based, as staff see it)."""
        self._dimension(spreadsheet_id, tab, "insertDimension", row, n)

    def delete_rows(self, spreadsheet_id: str, tab: str, row: int, n: int = 1) -> None:
        """Delete ``n`` rows starting at sheet row ``row`` (1-based)."""
        self._dimension(spreadsheet_id, tab, "deleteDimension", row, n)

    def _dimension(self, spreadsheet_id: str, tab: str, kind: str, row: int, n: int) -> None:
        rng = {
            "sheetId": self.sheet_id(spreadsheet_id, tab),
            "dimension": "ROWS",
            "startIndex": row - 1,
            "endIndex": row - 1 + n,
        }
        self.apply(spreadsheet_id, [{kind: {"range": rng}}])

    def _new_sheet_id(self) -> int:
        return self._random.randrange(10**8, 2 * 10**9)

    # ---- HTTP dispatch

    def _serve(self, method: str, raw_path: str, raw_body: bytes) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        bad_json = False
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            body, bad_json = None, True
        req = RecordedRequest(method, parts.path, query, body)
        with self._lock:
            self.requests.append(req)
            fault = next((f for f in self._faults if _matches(f.match, req)), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
        if self.latency_s:
            time.sleep(self.latency_s)
        if fault is not None:
            if fault.html:
                return fault.status, HtmlPage(GFE_502)
            kind = "Read" if method == "GET" else "Write"
            return fault.status, ApiError(
                fault.status, fault.message.replace("{kind}", kind)
            ).body()
        with self._lock:
            try:
                for hook in list(self._hooks):
                    if _matches(hook.match, req):
                        if hook.once:
                            self._hooks.remove(hook)
                        hook.callback(req)
            except Exception as exc:
                logger.exception("before_request hook failed")
                self.errors.append(f"before_request hook failed: {exc!r}")
                return 500, ApiError(500, f"before_request hook failed: {exc!r}").body()
            try:
                if bad_json:
                    raise ApiError(400, "Invalid JSON payload received.")
                # issue 18: Google's own description judges the request before anything runs
                api = google_schema.drive() if _DRIVE_FILE.match(parts.path) else None
                found = (api or google_schema.sheets()).check(method, parts.path, query, body)
                google_schema.LOG.add(found)
                self.violations += found
                refused = [v for v in found if v.kind == "schema"]
                if refused:
                    return 400, google_schema.error_body(refused)
                later = next((x for x in self._later if _matches(x[0], req)), None)
                if later is not None:
                    self._later.remove(later)
                    self._deferred.append(req)
                    return later[1], ApiError(later[1], _FAULT_MESSAGES[503]).body()
                return 200, self._route_and_touch(req)
            except ApiError as err:
                return err.code, err.body()
            except Exception as exc:  # a bug in this server: fail the test, not just the call
                logger.exception("sheets_server internal error on %s %s", method, raw_path)
                self.errors.append(f"{method} {raw_path}: {exc!r}")
                return 500, ApiError(500, f"emulator bug: {exc!r}").body()

    def _route_and_touch(self, req: RecordedRequest) -> Any:
        """Answer a request; one that changed a spreadsheet is one new Drive version."""
        out = self._route(req)
        if req.kind in WRITE_KINDS:
            self._spreadsheets[unquote(req.spreadsheet_id or "")].touch()
        return out

    def _drive_get(self, req: RecordedRequest) -> dict:
        """Drive ``files.get`` of a spreadsheet: 404 like Drive's when not shared with us."""
        fid = unquote(req.spreadsheet_id or "")
        ss = self._spreadsheets.get(fid)
        if ss is None or ss.private:
            raise ApiError(404, f"File not found: {fid}.")
        q = {k: v[-1] for k, v in req.query.items()}
        out = ss.drive_file()
        # without a mask Drive answers a few default fields only (never version)
        mask = q.get("fields") or "kind,id,name,mimeType"
        return prune(out, parse_fields(mask))

    def _route(self, req: RecordedRequest) -> Any:
        if req.kind == "drive.files.get":
            return self._drive_get(req)
        if req.method == "POST" and req.path == "/v4/spreadsheets":
            return self._create(req.body if isinstance(req.body, dict) else {})
        m = _PATH.match(req.path)
        kind = req.kind
        if not m or kind == "other":
            raise ApiError(404, f"Method not found: {req.method} {req.path}")
        ss = self._spreadsheets.get(unquote(m.group(1)))
        if ss is None:
            raise ApiError(404, "Requested entity was not found.")
        if ss.private or (ss.read_only and req.method != "GET"):
            raise ApiError(403, "The caller does not have permission")
        q = {k: v[-1] for k, v in req.query.items()}
        body = req.body if isinstance(req.body, dict) else {}
        rest = m.group(2)
        if kind == "get":
            return self._get(ss, q, req.query.get("ranges", []))
        if kind == "batchUpdate":
            requests_ = body.get("requests") or []
            replies = self._batch_update(ss, requests_, record=True)
            out: dict[str, Any] = {"spreadsheetId": ss.id, "replies": replies}
            if body.get("includeSpreadsheetInResponse"):
                # the spreadsheet as it is after the batch, in the same response (atomic)
                grid = "true" if body.get("responseIncludeGridData") else "false"
                ranges = list(body.get("responseRanges") or [])
                out["updatedSpreadsheet"] = self._get(ss, {"includeGridData": grid}, ranges)
            if q.get("fields"):
                out = prune(out, parse_fields(q["fields"]))
            return out
        if kind == "values.batchGet":
            ranges = req.query.get("ranges", [])
            return {
                "spreadsheetId": ss.id,
                "valueRanges": [self._values_get(ss, r, q) for r in ranges],
            }
        if kind == "values.batchUpdate":
            return self._values_batch_update(ss, body)
        if kind == "values.batchClear":
            cleared = [self._clear(ss, r) for r in body.get("ranges") or []]
            return {"spreadsheetId": ss.id, "clearedRanges": cleared}
        text = unquote(rest[len("/values/") :])
        if kind == "values.get":
            return self._values_get(ss, text, q)
        if kind == "values.update":
            option = _input_option(q.get("valueInputOption"))
            result = self._write(ss, text, body, option, q)
            return {"spreadsheetId": ss.id, **result}
        if kind == "values.append":
            return self._append(ss, text.removesuffix(":append"), body, q)
        return {
            "spreadsheetId": ss.id,
            "clearedRange": self._clear(ss, text.removesuffix(":clear")),
        }

    def _create(self, body: dict) -> dict:
        """``spreadsheets.create`` (issue 18: the yearly archive): the tabs the body
        names, as wide and high as asked (Google's default 1000 x 26 otherwise)."""
        title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
        tabs = [s.get("properties") or {} for s in body.get("sheets") or []] or [{}]
        key = "1" + secrets.token_urlsafe(32)[:43]
        sheets = []
        for i, p in enumerate(tabs):
            grid = {"rowCount": 1000, "columnCount": 26} | (p.get("gridProperties") or {})
            props = {
                "sheetId": p.get("sheetId", 0 if i == 0 else self._new_sheet_id()),
                "title": p.get("title") or f"Sheet{i + 1}",
                "index": i,
                "sheetType": "GRID",
                "gridProperties": grid,
            }
            sheets.append(Sheet(props=props))
        ss = Spreadsheet(key, title, sheets)
        self._spreadsheets[key] = ss  # under the lock: _route runs inside it
        return self._get(ss, {}, [])

    # ---- values

    def _values_get(self, ss: Spreadsheet, text: str, q: dict[str, str]) -> dict:
        rng, sheet = ss.resolve(text)
        r0, r1, c0, c1 = sheet.bounds(rng)
        _rows_only(q.get("majorDimension"))
        option = q.get("valueRenderOption") or "FORMATTED_VALUE"
        if option not in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
            raise ApiError(400, f"Invalid value at 'value_render_option' ({option})")
        out: dict[str, Any] = {"range": format_a1(sheet.title, r0, r1, c0, c1)}
        out["majorDimension"] = "ROWS"
        values = sheet.read(r0, r1, c0, c1, option)
        if values:
            out["values"] = values
        return out

    def _write(
        self, ss: Spreadsheet, text: str, body: dict, option: str, q: dict[str, str]
    ) -> dict:
        """values.update / one entry of values.batchUpdate."""
        rng, sheet = ss.resolve(text)
        _rows_only(body.get("majorDimension"))
        values = body.get("values") or []
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise ApiError(400, "Invalid values: expected a list of rows")
        nrows, ncols = len(values), max((len(r) for r in values), default=0)
        shown = format_a1(sheet.title, *sheet.bounds(rng))
        if not rng.cell:
            if rng.r1 is not None and rng.r0 + nrows > rng.r1:
                raise ApiError(
                    400,
                    f"Requested writing within range [{shown}], but tried writing to row "
                    f"[{rng.r0 + nrows}]",
                )
            if rng.c1 is not None and rng.c0 + ncols > rng.c1:
                raise ApiError(
                    400,
                    f"Requested writing within range [{shown}], but tried writing to column "
                    f"[{col_letters(rng.c0 + ncols - 1)}]",
                )
        if not nrows or not ncols:
            return {"updatedRange": shown}
        r0, c0 = rng.r0, rng.c0
        if r0 + nrows > sheet.row_count or c0 + ncols > sheet.column_count:
            raise _grid_error(
                sheet.title, r0, r0 + nrows, c0, c0 + ncols, sheet.row_count, sheet.column_count
            )
        return self._put_values(sheet, r0, c0, values, option, q)

    def _put_values(
        self, sheet: Sheet, r0: int, c0: int, values: list, option: str, q: dict[str, str]
    ) -> dict:
        converted = [
            [None if v is None else stored_value(v, option) for v in row] for row in values
        ]
        rows_written, cols_written, cells = set(), set(), 0
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if value is None:  # null: leave the cell as it is
                    continue
                sheet.put(r0 + i, c0 + j, converted[i][j])
                rows_written.add(i)
                cols_written.add(j)
                cells += 1
        ncols = max((len(r) for r in values), default=0)
        rng = format_a1(sheet.title, r0, r0 + len(values), c0, c0 + ncols)
        out: dict[str, Any] = {
            "updatedRange": rng,
            "updatedRows": len(rows_written),
            "updatedColumns": len(cols_written),
            "updatedCells": cells,
        }
        if str(q.get("includeValuesInResponse", "")).lower() == "true":
            option_out = q.get("responseValueRenderOption") or "FORMATTED_VALUE"
            data = sheet.read(r0, r0 + len(values), c0, c0 + ncols, option_out)
            out["updatedData"] = {"range": rng, "majorDimension": "ROWS", "values": data}
        return out

    def _values_batch_update(self, ss: Spreadsheet, body: dict) -> dict:
        option = _input_option(body.get("valueInputOption"))
        q = {
            "includeValuesInResponse": str(body.get("includeValuesInResponse") or ""),
            "responseValueRenderOption": body.get("responseValueRenderOption") or "",
        }
        saved = ss.snapshot()
        try:
            responses = [
                {"spreadsheetId": ss.id, **self._write(ss, d.get("range", ""), d, option, q)}
                for d in body.get("data") or []
            ]
        except ApiError:
            ss.sheets = saved
            raise
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        if responses:
            touched = {r["updatedRange"].rsplit("!", 1)[0] for r in responses}
            out |= {
                "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
                "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
                "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
                "totalUpdatedSheets": len(touched),
                "responses": responses,
            }
        return out

    def _append(self, ss: Spreadsheet, text: str, body: dict, q: dict[str, str]) -> dict:
        option = _input_option(q.get("valueInputOption"))
        insert = q.get("insertDataOption") or "OVERWRITE"
        if insert not in ("OVERWRITE", "INSERT_ROWS"):
            raise ApiError(400, f"Invalid value at 'insert_data_option' ({insert})")
        rng, sheet = ss.resolve(text)
        _rows_only(body.get("majorDimension"))
        values = body.get("values") or []
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise ApiError(400, "Invalid values: expected a list of rows")
        if rng.cell:  # one cell: the table that starts there, however far it goes
            r0, r1, c0, c1 = rng.r0, sheet.row_count, rng.c0, sheet.column_count
            seed = (r0, c0) if sheet.get(r0, c0) is not None else None
        else:
            r0, r1, c0, c1 = sheet.bounds(rng)
            seed = sheet.last_cell(r0, r1, c0, c1)
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        if seed is None:
            start_row, start_col = r0, c0
        else:
            top, bottom, left, right = sheet.region(seed, r0, r1, c0, c1)
            out["tableRange"] = format_a1(sheet.title, top, bottom, left, right)
            start_row, start_col = bottom, left
        nrows, ncols = len(values), max((len(r) for r in values), default=0)
        if insert == "INSERT_ROWS" and nrows and start_row < sheet.row_count:
            sheet.shift("ROWS", start_row, nrows)
        grid = sheet.props["gridProperties"]
        # Appending past the end grows the grid, also under OVERWRITE (documented by Google).
        grid["rowCount"] = max(grid["rowCount"], start_row + nrows)
        grid["columnCount"] = max(grid["columnCount"], start_col + ncols)
        out["updates"] = {"spreadsheetId": ss.id}
        out["updates"] |= self._put_values(sheet, start_row, start_col, values, option, q)
        return out

    def _clear(self, ss: Spreadsheet, text: str) -> str:
        rng, sheet = ss.resolve(text)
        r0, r1, c0, c1 = sheet.bounds(rng)
        for r in range(r0, min(r1, len(sheet.cells))):
            for c in range(c0, min(c1, len(sheet.cells[r]))):
                sheet.cells[r][c] = None
        return format_a1(sheet.title, r0, r1, c0, c1)

    # ---- spreadsheets.get

    def _get(self, ss: Spreadsheet, q: dict[str, str], ranges: list[str]) -> dict:
        mask = parse_fields(q["fields"]) if q.get("fields") else None
        smask = _sub(mask, "sheets") if mask is not None and _wants(mask, "sheets") else None
        # Google: includeGridData "is ignored if a field mask was set in the request".
        if mask is not None:
            want_data = _wants(mask, "sheets") and _wants(smask, "data")
        else:
            want_data = q.get("includeGridData", "false").lower() == "true"
        dmask = _sub(smask, "data") if want_data and mask is not None else None
        wanted: dict[int, list[tuple[int, int, int, int]]] = {}
        for text in ranges:
            rng, sheet = ss.resolve(text)
            wanted.setdefault(sheet.sheet_id, []).append(sheet.bounds(rng))
        sheets = []
        for sheet in ss.sheets:
            if ranges and sheet.sheet_id not in wanted:
                continue
            entry = sheet.metadata()
            if want_data:
                full = [(0, sheet.row_count, 0, sheet.column_count)]
                entry["data"] = [
                    sheet.grid_data(*b, dmask) for b in wanted.get(sheet.sheet_id, full)
                ]
            sheets.append(entry)
        out = {
            "spreadsheetId": ss.id,
            "properties": {
                "title": ss.title,
                "locale": "en_US",
                "autoRecalc": "ON_CHANGE",
                "timeZone": "Asia/Jakarta",
            },
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.id}/edit",
        }
        return prune(out, mask)

    # ---- spreadsheets:batchUpdate

    def _batch_update(self, ss: Spreadsheet, batch: list, record: bool = False) -> list[dict]:
        """Apply every request or none (Google's batchUpdate is atomic)."""
        saved = ss.snapshot()
        before = sum(sh.row_count * sh.column_count for sh in ss.sheets)
        replies = []
        for i, request in enumerate(batch):
            if not isinstance(request, dict) or len(request) != 1:
                ss.sheets = saved
                raise ApiError(400, f"Invalid requests[{i}]: exactly one kind of request expected")
            ((kind, params),) = request.items()
            handler = getattr(self, f"_do_{kind}", None)
            if handler is None:
                ss.sheets = saved
                raise ApiError(
                    400,
                    f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                    "Cannot find field.",
                )
            try:
                if record:  # an API caller, not staff: real protections hold
                    self._enforce_protection(ss, kind, params or {})
                replies.append(handler(ss, _drop_nulls(params or {})) or {})
            except ApiError as err:
                ss.sheets = saved
                raise ApiError(err.code, f"Invalid requests[{i}].{kind}: {err.message}") from None
            if record:
                self._batch.append((kind, copy.deepcopy(request[kind])))
        used = sum(sh.row_count * sh.column_count for sh in ss.sheets)
        # Google counts every cell of every grid, empty or not, and refuses what grows past
        if used > self.cell_limit and used > before:
            ss.sheets = saved
            raise ApiError(
                400,
                "This action would increase the number of cells in the workbook above the "
                f"limit of {self.cell_limit} cells.",
            )
        return replies

    def _enforce_protection(self, ss: Spreadsheet, kind: str, p: dict) -> None:
        """A real (not warning-only) protection the caller may not edit refuses writes
        into its cells; a second whole-tab protection is refused whoever asks."""
        if kind == "addProtectedRange":
            gr = (p.get("protectedRange") or {}).get("range") or {}
            sheet = ss.by_id(gr.get("sheetId", 0))
            whole = not (set(gr) - {"sheetId"})
            if whole and any(
                not (set(x.get("range", {})) - {"sheetId"}) for x in sheet.protected_ranges
            ):
                raise ApiError(400, f"The sheet '{sheet.title}' already has sheet protection.")
            return
        if kind == "appendCells":
            sheet = ss.by_id(p.get("sheetId", 0))
            r0 = self._append_row(sheet)
            width = max((len(r.get("values") or []) for r in p.get("rows") or []), default=0)
            box = (r0, r0 + len(p.get("rows") or []), 0, width)
        elif kind in ("updateCells", "repeatCell"):
            if "start" in p:
                gc = p["start"]
                sheet = ss.by_id(gc.get("sheetId", 0))
                rows = p.get("rows") or []
                r0, c0 = gc.get("rowIndex", 0), gc.get("columnIndex", 0)
                width = max((len(r.get("values") or []) for r in rows), default=0)
                box = (r0, r0 + len(rows), c0, c0 + width)
            else:
                gr = p.get("range") or {}
                sheet = ss.by_id(gr.get("sheetId", 0))
                box = sheet.grid_bounds(gr)
        else:
            return
        for pr in sheet.protected_ranges:
            if pr.get("warningOnly") or pr.get("requestingUserCanEdit", True):
                continue
            pr0, pr1, pc0, pc1 = sheet.grid_bounds(pr.get("range", {}))
            if box[0] < pr1 and pr0 < box[1] and box[2] < pc1 and pc0 < box[3]:
                raise ApiError(
                    400,
                    "You are trying to edit a protected cell or object. Please contact the "
                    "spreadsheet owner to remove protection if you need to edit.",
                )

    # One handler per request kind, named after it (camelCase on purpose): _do_<kind>.

    def _do_addSheet(self, ss: Spreadsheet, p: dict) -> dict:
        props = copy.deepcopy(p.get("properties", {}))
        taken = {s.title.casefold() for s in ss.sheets}
        title = props.get("title")
        if not title:
            n = len(ss.sheets) + 1
            while f"sheet{n}" in taken:
                n += 1
            title = f"Sheet{n}"
        if title.casefold() in taken:
            raise ApiError(
                400,
                f'A sheet with the name "{title}" already exists. Please enter another name.',
            )
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = self._new_sheet_id()
        elif any(s.sheet_id == sheet_id for s in ss.sheets):
            raise ApiError(400, f"Sheet with id {sheet_id} already exists.")
        grid = {"rowCount": 1000, "columnCount": 26, **props.get("gridProperties", {})}
        index = min(props.get("index", len(ss.sheets)), len(ss.sheets))
        for s in ss.sheets:
            if s.props["index"] >= index:
                s.props["index"] += 1
        props |= {"sheetId": sheet_id, "title": title, "index": index, "sheetType": "GRID"}
        props["gridProperties"] = grid
        sheet = Sheet(props=props)
        ss.sheets.append(sheet)
        ss.reindex()
        return {"addSheet": {"properties": sheet.metadata()["properties"]}}

    def _do_deleteSheet(self, ss: Spreadsheet, p: dict) -> None:
        sheet = ss.by_id(p.get("sheetId", 0))
        if len(ss.sheets) == 1:
            raise ApiError(400, "You can't remove all the sheets in a document.")
        ss.sheets.remove(sheet)
        ss.reindex()

    def _do_updateSheetProperties(self, ss: Spreadsheet, p: dict) -> None:
        new = p.get("properties", {})
        sheet = ss.by_id(new.get("sheetId", 0))
        if not p.get("fields"):
            raise ApiError(400, "At least one field must be updated, but 'fields' is empty.")
        before = copy.deepcopy(sheet.props)
        masked_merge(sheet.props, new, parse_fields(p["fields"]))
        for key in ("sheetId", "sheetType"):
            sheet.props[key] = before[key]
        for key in ("title", "index"):
            sheet.props.setdefault(key, before[key])
        grid = sheet.props.setdefault("gridProperties", {})
        for key in _SIZE_KEYS:
            grid.setdefault(key, before["gridProperties"][key])
        title = sheet.props["title"]
        if any(s is not sheet and s.title.casefold() == title.casefold() for s in ss.sheets):
            raise ApiError(
                400,
                f'A sheet with the name "{title}" already exists. Please enter another name.',
            )
        if sheet.props["index"] != before["index"]:
            target = sheet.props["index"]
            ss.sheets.remove(sheet)
            ss.sheets.sort(key=lambda s: s.props["index"])
            ss.sheets.insert(min(target, len(ss.sheets)), sheet)
            for i, s in enumerate(ss.sheets):
                s.props["index"] = i
        if grid["rowCount"] < 1 or grid["columnCount"] < 1:
            raise ApiError(400, "A sheet must have at least one row and one column.")
        if grid.get("frozenRowCount", 0) >= grid["rowCount"]:
            raise ApiError(400, "You can't freeze all visible rows on the sheet.")
        sheet.truncate()

    def _dimension_range(self, ss: Spreadsheet, rng: dict) -> tuple[Sheet, str, int, int]:
        sheet = ss.by_id(rng.get("sheetId", 0))
        dim = rng.get("dimension")
        if dim not in _DIM_KEYS:
            raise ApiError(400, f"Invalid dimension: {dim}")
        size = sheet.row_count if dim == "ROWS" else sheet.column_count
        start = rng.get("startIndex", 0)
        end = rng.get("endIndex", size)
        if not 0 <= start < end:
            raise ApiError(400, f"Invalid dimension range: [{start}, {end})")
        return sheet, dim, start, end

    def _do_insertDimension(self, ss: Spreadsheet, p: dict) -> None:
        sheet, dim, start, end = self._dimension_range(ss, p.get("range", {}))
        size = sheet.row_count if dim == "ROWS" else sheet.column_count
        if start > size:
            raise ApiError(400, f"Cannot insert at index {start}, the sheet has {size}")
        inherit_before = bool(p.get("inheritFromBefore"))
        sheet.shift(dim, start, end - start)
        # New rows/columns take the data validation of their neighbour, as in the UI.
        source = start - 1 if inherit_before else end
        axis = 0 if dim == "ROWS" else 1
        for key, rule in list(sheet.validations.items()):
            if key[axis] == source:
                for i in range(start, end):
                    sheet.validations[(i, key[1]) if axis == 0 else (key[0], i)] = rule

    def _do_deleteDimension(self, ss: Spreadsheet, p: dict) -> None:
        sheet, dim, start, end = self._dimension_range(ss, p.get("range", {}))
        size = sheet.row_count if dim == "ROWS" else sheet.column_count
        end = min(end, size)
        if start == 0 and end >= size:
            what = "rows" if dim == "ROWS" else "columns"
            raise ApiError(400, f"You can't delete all the {what} on the sheet.")
        sheet.shift(dim, start, -(end - start))

    def _do_appendDimension(self, ss: Spreadsheet, p: dict) -> None:
        sheet = ss.by_id(p.get("sheetId", 0))
        key = "rowCount" if p.get("dimension") == "ROWS" else "columnCount"
        sheet.props["gridProperties"][key] += int(p.get("length", 0))

    def _do_setDataValidation(self, ss: Spreadsheet, p: dict) -> None:
        gr = p.get("range", {})
        sheet = ss.by_id(gr.get("sheetId", 0))
        r0, r1, c0, c1 = sheet.grid_bounds(gr)
        rule = p.get("rule")
        for r in range(r0, r1):
            for c in range(c0, c1):
                if rule:
                    sheet.validations[(r, c)] = rule
                else:
                    sheet.validations.pop((r, c), None)

    def _do_addConditionalFormatRule(self, ss: Spreadsheet, p: dict) -> None:
        rule = copy.deepcopy(p.get("rule", {}))
        ranges = rule.get("ranges") or []
        if not ranges:
            raise ApiError(400, "A conditional format rule needs at least one range.")
        sheet = ss.by_id(ranges[0].get("sheetId", 0))
        for gr in ranges:
            gr.setdefault("sheetId", 0)
        index = p.get("index", 0)
        if not 0 <= index <= len(sheet.conditional_formats):
            raise ApiError(400, f"Invalid index: {index}")
        sheet.conditional_formats.insert(index, rule)

    def _do_deleteConditionalFormatRule(self, ss: Spreadsheet, p: dict) -> dict:
        sheet = ss.by_id(p.get("sheetId", 0))
        index = p.get("index", 0)
        if not 0 <= index < len(sheet.conditional_formats):
            raise ApiError(400, f"No conditional format on the sheet at index: {index}")
        return {"deleteConditionalFormatRule": {"rule": sheet.conditional_formats.pop(index)}}

    def _do_addProtectedRange(self, ss: Spreadsheet, p: dict) -> dict:
        pr = copy.deepcopy(p.get("protectedRange", {}))
        gr = pr.setdefault("range", {})
        gr.setdefault("sheetId", 0)
        sheet = ss.by_id(gr["sheetId"])
        ids = {x["protectedRangeId"] for s in ss.sheets for x in s.protected_ranges}
        pid = pr.get("protectedRangeId") or self._random.randrange(10**8, 2 * 10**9)
        if pid in ids:
            raise ApiError(400, f"Protected range with id {pid} already exists.")
        pr["protectedRangeId"] = pid
        pr["requestingUserCanEdit"] = True  # read-only in the API: the caller is the owner
        if pr.get("warningOnly"):
            pr.pop("editors", None)
        else:
            pr.pop("warningOnly", None)
        sheet.protected_ranges.append(pr)
        return {"addProtectedRange": {"protectedRange": copy.deepcopy(pr)}}

    def _do_deleteProtectedRange(self, ss: Spreadsheet, p: dict) -> None:
        pid = p.get("protectedRangeId")
        for s in ss.sheets:
            for pr in s.protected_ranges:
                if str(pr["protectedRangeId"]) == str(pid):
                    s.protected_ranges.remove(pr)
                    return
        raise ApiError(400, f"No protected range with id: {pid}")

    def _do_updateDimensionProperties(self, ss: Spreadsheet, p: dict) -> None:
        sheet, dim, start, end = self._dimension_range(ss, p.get("range", {}))
        if not p.get("fields"):
            raise ApiError(400, "At least one field must be updated, but 'fields' is empty.")
        mask = parse_fields(p["fields"])
        for i in range(start, end):
            props = sheet.dim_props[dim].setdefault(i, {})
            masked_merge(props, p.get("properties", {}), mask)
            if not props:
                del sheet.dim_props[dim][i]

    def _do_repeatCell(self, ss: Spreadsheet, p: dict) -> None:
        gr = copy.deepcopy(p.get("range", {}))
        gr.setdefault("sheetId", 0)
        sheet = ss.by_id(gr["sheetId"])
        if not p.get("fields"):
            raise ApiError(400, "At least one field must be updated, but 'fields' is empty.")
        mask = parse_fields(p["fields"])
        cell = p.get("cell", {})
        # Google keeps formats per cell: an open range means the grid as it is now, so rows
        # added later (appendDimension, appendCells) have no format
        gr.setdefault("endRowIndex", sheet.row_count)
        gr.setdefault("endColumnIndex", sheet.column_count)
        sheet.formats.append({"range": gr, "cell": copy.deepcopy(cell), "mask": mask})
        r0, r1, c0, c1 = sheet.grid_bounds(gr)
        for key in ("userEnteredValue", "dataValidation"):
            if _wants(mask, key):
                for r in range(r0, r1):
                    for c in range(c0, c1):
                        if key == "userEnteredValue":
                            sheet.put(r, c, _from_extended(cell.get(key)))
                        elif cell.get(key):
                            sheet.validations[(r, c)] = cell[key]
                        else:
                            sheet.validations.pop((r, c), None)

    def _do_sortRange(self, ss: Spreadsheet, p: dict) -> None:
        gr = p.get("range", {})
        sheet = ss.by_id(gr.get("sheetId", 0))
        r0, r1, c0, c1 = sheet.grid_bounds(gr)
        r1 = min(r1, max(len(sheet.cells), r0))  # rows past the data are empty: nothing moves
        rows = [
            (
                [sheet.get(r, c) for c in range(c0, c1)],
                [sheet.validations.get((r, c)) for c in range(c0, c1)],
            )
            for r in range(r0, r1)
        ]
        for spec in reversed(p.get("sortSpecs") or []):
            col = spec.get("dimensionIndex", 0) - c0
            if not 0 <= col < c1 - c0:
                raise ApiError(
                    400, f"Sort column {spec.get('dimensionIndex')} is outside the range"
                )
            filled = [row for row in rows if row[0][col] is not None]
            blank = [row for row in rows if row[0][col] is None]
            filled.sort(
                key=lambda row: _sort_key(row[0][col]),
                reverse=spec.get("sortOrder") == "DESCENDING",
            )
            rows = filled + blank  # empty cells go last in both orders, as in Sheets
        for r, (values, rules) in enumerate(rows, start=r0):
            for c, (value, rule) in enumerate(zip(values, rules, strict=True), start=c0):
                sheet.put(r, c, value)
                if rule:
                    sheet.validations[(r, c)] = rule
                else:
                    sheet.validations.pop((r, c), None)

    def _do_updateCells(self, ss: Spreadsheet, p: dict) -> None:
        """Write CellData from ``start`` (or over ``range``); under the ``fields`` mask a
        cell without the field is cleared, as Google does."""
        if not p.get("fields"):
            raise ApiError(400, "At least one field must be updated, but 'fields' is empty.")
        mask = parse_fields(p["fields"])
        rows = p.get("rows") or []
        if "start" in p:
            gc = p["start"]
            sheet = ss.by_id(gc.get("sheetId", 0))
            r0, c0 = gc.get("rowIndex", 0), gc.get("columnIndex", 0)
            r1 = r0 + len(rows)
            c1 = c0 + max((len(r.get("values") or []) for r in rows), default=0)
        else:
            gr = p.get("range") or {}
            sheet = ss.by_id(gr.get("sheetId", 0))
            r0, r1, c0, c1 = sheet.grid_bounds(gr)
            if (
                gr.get("endRowIndex", 0) > sheet.row_count
                or gr.get("endColumnIndex", 0) > sheet.column_count
            ):
                raise _grid_error(
                    sheet.title,
                    r0,
                    gr["endRowIndex"],
                    c0,
                    gr.get("endColumnIndex", c1),
                    sheet.row_count,
                    sheet.column_count,
                )
        if r1 > sheet.row_count or c1 > sheet.column_count:
            raise _grid_error(sheet.title, r0, r1, c0, c1, sheet.row_count, sheet.column_count)
        self._put_cells(sheet, r0, r1, c0, c1, rows, mask)

    def _put_cells(
        self, sheet: Sheet, r0: int, r1: int, c0: int, c1: int, rows: list, mask: dict | None
    ) -> None:
        for r in range(r0, r1):
            values = (rows[r - r0].get("values") or []) if r - r0 < len(rows) else []
            for c in range(c0, c1):
                cell = values[c - c0] if c - c0 < len(values) else {}
                if _wants(mask, "userEnteredValue"):
                    value = _from_extended(cell.get("userEnteredValue"))
                    if isinstance(value, str) and len(value) > 50000:
                        raise ApiError(
                            400,
                            "Your input contains more than the maximum of 50000 characters "
                            "in a single cell.",
                        )
                    sheet.put(r, c, value)
                if _wants(mask, "dataValidation"):
                    if cell.get("dataValidation"):
                        sheet.validations[(r, c)] = cell["dataValidation"]
                    else:
                        sheet.validations.pop((r, c), None)

    def _do_appendCells(self, ss: Spreadsheet, p: dict) -> None:
        """Rows after the last row with data in the sheet; the grid grows as needed."""
        if not p.get("fields"):
            raise ApiError(400, "At least one field must be updated, but 'fields' is empty.")
        sheet = ss.by_id(p.get("sheetId", 0))
        rows = p.get("rows") or []
        r0 = self._append_row(sheet)
        width = max((len(r.get("values") or []) for r in rows), default=0)
        grid = sheet.props["gridProperties"]
        grid["rowCount"] = max(grid["rowCount"], r0 + len(rows))
        grid["columnCount"] = max(grid["columnCount"], width)
        self._put_cells(sheet, r0, r0 + len(rows), 0, width, rows, parse_fields(p["fields"]))

    def _append_row(self, sheet: Sheet) -> int:
        """Where appendCells starts: after the last row with a value, or (the other answer
        to issue 18's item 8, ``validation_is_data``) after the last row with a dropdown."""
        last = sheet.last_cell(0, len(sheet.cells), 0, sheet.column_count)
        r0 = 0 if last is None else last[0] + 1
        if self.validation_is_data and sheet.validations:
            r0 = max(r0, max(r for r, _ in sheet.validations) + 1)
        return r0

    def _do_addChart(self, ss: Spreadsheet, p: dict) -> dict:
        """An embedded chart on the sheet its anchor cell (or its sources) names; the
        reply carries the chart with its new id, as Google's does."""
        chart = copy.deepcopy(p.get("chart") or {})
        anchor = ((chart.get("position") or {}).get("overlayPosition") or {}).get("anchorCell")
        spec = chart.get("spec") or {}
        basic = spec.get("basicChart")
        if not basic or not basic.get("series"):
            raise ApiError(400, "Invalid chart spec: a basic chart needs at least one series.")
        sid = (anchor or {}).get("sheetId")
        if sid is None:
            raise ApiError(400, "Invalid chart position: an overlay position needs an anchor cell.")
        sheet = ss.by_id(sid)
        for part in [*basic.get("domains", []), *basic["series"]]:
            src = (part.get("domain") or part.get("series") or {}).get("sourceRange") or {}
            for gr in src.get("sources") or []:
                ss.by_id(gr.get("sheetId", 0))  # an unknown sheet is Google's 400
        chart["chartId"] = chart.get("chartId") or self._new_sheet_id()
        sheet.charts.append(chart)
        return {"addChart": {"chart": copy.deepcopy(chart)}}

    def _do_setBasicFilter(self, ss: Spreadsheet, p: dict) -> None:
        flt = copy.deepcopy(p.get("filter", {}))
        flt.setdefault("range", {}).setdefault("sheetId", 0)
        ss.by_id(flt["range"]["sheetId"]).basic_filter = flt

    def _do_clearBasicFilter(self, ss: Spreadsheet, p: dict) -> None:
        ss.by_id(p.get("sheetId", 0)).basic_filter = None

    def _do_autoResizeDimensions(self, ss: Spreadsheet, p: dict) -> None:
        ss.by_id(p.get("dimensions", {}).get("sheetId", 0))  # recorded; widths stay as they are


def _sort_key(value: Any) -> tuple:
    """Sheets' ascending order: numbers, then text (case-insensitive), then booleans."""
    if isinstance(value, bool):
        return (2, value, "")
    if isinstance(value, int | float):
        return (0, value, "")
    if isinstance(value, Formula):
        return (3, 0, value.text)
    return (1, 0, str(value).casefold())


def _input_option(option: str | None) -> str:
    if not option:
        raise ApiError(400, "'valueInputOption' is required but not specified")
    if option not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, f"Invalid value at 'value_input_option' ({option})")
    return option


def _rows_only(major: str | None) -> None:
    if major not in (None, "", "ROWS", "DIMENSION_UNSPECIFIED"):
        raise ApiError(400, f"majorDimension={major} is not supported by this emulator (ROWS only)")


@pytest.fixture
def sheets_server() -> Iterator[SheetsServer]:
    """A fresh local Sheets API server; fails the test if the server hit an internal error."""
    with SheetsServer() as server:
        yield server
    if server.errors:
        pytest.fail("sheets_server errors:\n" + "\n".join(server.errors))
