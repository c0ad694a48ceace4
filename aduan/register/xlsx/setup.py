"""The openpyxl side of the xlsx register: create and repair the file
(tabs, headers, dropdowns, conditional formatting, the Petunjuk tab) and the
cell helpers that the fallback write shares.

``aduan init`` runs rarely and must understand the whole workbook, so it keeps
openpyxl; the write of every cycle patches the XML instead (:mod:`aduan.register.xlsx.patch`).
"""

from __future__ import annotations

import logging
from copy import copy
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from aduan.core.archive import archive_links
from aduan.core.layout import (
    GUIDE_TAB,
    HISTORY_HEADERS,
    HISTORY_TAB,
    META_TAB,
    REGISTER_TAB,
    C,
    Layout,
)
from aduan.errors import RegisterError
from aduan.register.base import guide_rows, missing_message
from aduan.register.xlsx.patch import clean_text

__all__ = [
    "META_HEADERS",
    "cell_text",
    "header_row",
    "last_used_row",
    "repair",
    "set_text",
]

logger = logging.getLogger(__name__)

MAX_ROW = 1048576  # last row of a sheet: dropdowns and formatting cover whole columns
META_HEADERS = ["key", "value"]
DONE_STATUSES = ("Selesai", "Disalurkan")

FILL = {
    "system": "D9D9D9",
    "hidden": "D9D9D9",
    "intake": "DDEBF7",
    "staff": "E2EFDA",
}
RED, GREY = "F8CBAD", "EDEDED"


def cell_text(value: Any) -> str:
    """A cell value as the text the engine sees: integral numbers without
    ``.0``, dates and times in ISO form, empty cells as ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        # calamine gives a date where openpyxl gives midnight: make both the same
        if value.time() == dtime(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | dtime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def set_text(cell: Any, value: Any) -> None:
    """Write a value as a plain string cell (never a formula, never a number)."""
    text = clean_text(value)
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"  # openpyxl turned "=..." into a formula; undo that


def _column_dim(ws: Worksheet, idx: int) -> ColumnDimension:
    """The column dimension of exactly one column, splitting a group
    (LibreOffice saves adjacent equal columns as one <col min max>)."""
    for key, dim in list(ws.column_dimensions.items()):
        lo = dim.min or column_index_from_string(key)
        hi = dim.max or lo
        if lo <= idx <= hi and lo != hi:
            del ws.column_dimensions[key]
            for j in range(lo, hi + 1):
                part = copy(dim)
                part.index = get_column_letter(j)
                part.min = part.max = j
                ws.column_dimensions[part.index] = part
            break
    return ws.column_dimensions[get_column_letter(idx)]


def _is_hidden(ws: Worksheet, idx: int) -> bool:
    for key, dim in ws.column_dimensions.items():
        lo = dim.min or column_index_from_string(key)
        if lo <= idx <= (dim.max or lo):
            return bool(dim.hidden)
    return False


def header_row(ws: Worksheet) -> list[str]:
    if ws.max_row < 1:
        return []
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    return [cell_text(v).strip() for v in first]


def is_empty(ws: Worksheet) -> bool:
    return ws.max_row <= 1 and ws.max_column <= 1 and ws.cell(1, 1).value is None


def last_used_row(ws: Worksheet) -> int:
    for r in range(ws.max_row, 0, -1):
        if any(c.value not in (None, "") for c in ws[r]):
            return r
    return 0


def repair(wb: Workbook, layout: Layout, path: Path) -> list[str]:
    """Add what the register lacks; one Indonesian line per change made."""
    done: list[str] = []
    if REGISTER_TAB not in wb.sheetnames:
        wb.create_sheet(REGISTER_TAB, 0)
        done.append(f"Tab '{REGISTER_TAB}' dibuat")
    ws = wb[REGISTER_TAB]
    if is_empty(ws):
        _write_headers(ws, layout)
        done.append(f"Judul kolom tab '{REGISTER_TAB}' ditulis ({len(layout.columns)} kolom)")
    headers = header_row(ws)
    missing = [n for n in layout.headers if n not in headers]
    if missing:
        raise RegisterError(missing_message(path, missing), permanent=True)
    col = {n: headers.index(n) + 1 for n in layout.headers}
    done += readable(ws, col, len(headers))
    for c in layout.columns:
        if c.kind == "hidden" and not _is_hidden(ws, col[c.name]):
            _column_dim(ws, col[c.name]).hidden = True
            done.append(f"Kolom '{c.name}' disembunyikan")
    done += _dropdowns(ws, col, layout)
    done += _formatting(ws, col)
    ws.sheet_state = "visible"
    wb.active = wb.sheetnames.index(REGISTER_TAB)

    if HISTORY_TAB not in wb.sheetnames:
        wb.create_sheet(HISTORY_TAB)
        done.append(f"Tab '{HISTORY_TAB}' dibuat")
    hist = wb[HISTORY_TAB]
    if is_empty(hist):
        for j, h in enumerate(HISTORY_HEADERS, 1):
            set_text(hist.cell(1, j), h)
            hist.cell(1, j).font = Font(bold=True)
            hist.column_dimensions[get_column_letter(j)].width = 20 if j < 5 else 50
        hist.freeze_panes = "A2"
        done.append(f"Judul kolom tab '{HISTORY_TAB}' ditulis")
    done += _history_readable(hist)

    new_guide = GUIDE_TAB not in wb.sheetnames
    if new_guide:
        wb.create_sheet(GUIDE_TAB)
    guide = wb[GUIDE_TAB]
    want = [r + [""] * (4 - len(r)) for r in guide_rows(layout, _archives(wb))]
    have = [
        [cell_text(v) for v in r] + [""] * (4 - len(r)) for r in guide.iter_rows(values_only=True)
    ]
    if have != want:
        # the guide is Aduan's own tab: keep it in step with the SOP's columns
        _write_guide(guide, want)
        print_fit(guide, landscape=False, title_rows=None)
        done.append(f"Tab '{GUIDE_TAB}' {'dibuat' if new_guide else 'diperbarui'}")

    if META_TAB not in wb.sheetnames:
        meta = wb.create_sheet(META_TAB)
        for j, h in enumerate(META_HEADERS, 1):
            set_text(meta.cell(1, j), h)
        meta.sheet_state = "hidden"
        done.append(f"Tab tersembunyi '{META_TAB}' dibuat")
    elif wb[META_TAB].sheet_state != "hidden":
        wb[META_TAB].sheet_state = "hidden"
        done.append(f"Tab '{META_TAB}' disembunyikan")
    return done


def _archives(wb: Workbook) -> dict[str, str]:
    """The yearly archives the meta names (issue 18), for *Petunjuk*."""
    if META_TAB not in wb.sheetnames:
        return {}
    rows = wb[META_TAB].iter_rows(min_row=2, max_col=2, values_only=True)
    return archive_links({cell_text(k).strip(): cell_text(v) for k, v in rows if k})


def _write_headers(ws: Worksheet, layout: Layout) -> None:
    for j, c in enumerate(layout.columns, 1):
        cell = ws.cell(1, j)
        set_text(cell, c.name)
        cell.font = Font(bold=True)
        # a system column staff may type in (Diterima) shows as theirs: blue
        cell.fill = PatternFill(
            "solid", fgColor=FILL.get("intake" if c.typeable else c.kind, "FFFFFF")
        )
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        dim = ws.column_dimensions[get_column_letter(j)]
        dim.width = c.width
        # typed phone numbers keep their leading zero when the column is text
        dim.number_format = "@"


def readable(ws: Worksheet, col: dict[str, int], width: int) -> list[str]:
    """A register staff can read and print (issue 22): the header row and No. Aduan
    frozen, a filter on the header row, every column wrapped and top-aligned (rows
    the cycle writes take the column's style), landscape A4 fitted to the page
    width with the header row repeated on every page."""
    done = []
    freeze = f"{get_column_letter(col[C.TICKET] + 1)}2"
    if ws.freeze_panes != freeze:
        ws.freeze_panes = freeze
        done.append("Baris judul dan kolom No. Aduan dibekukan")
    last = get_column_letter(width)
    if not ws.auto_filter.ref:
        ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 2)}"
        done.append("Filter baris judul dipasang")
    wrapped = False
    for j in range(1, width + 1):
        dim = _column_dim(ws, j)
        if not dim.alignment.wrap_text:
            dim.alignment = Alignment(wrap_text=True, vertical="top")
            wrapped = True
        for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            for cell in row:
                if cell.value is not None and not cell.alignment.wrap_text:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    wrapped = True
    if wrapped:
        done.append("Teks sel dibungkus (wrap) agar terbaca utuh")
    # 30 columns on one A4 page print at a fifth of their size: the register prints
    # in bands of about 250 characters (readable at ~60%), No. Aduan and the header
    # row repeated on every page, so each printed page names its complaints
    total = sum(
        (_column_dim(ws, j).width or 13) for j in range(1, width + 1) if not _is_hidden(ws, j)
    )
    bands = max(1, round(total / 250))
    if print_fit(ws, landscape=True, pages_wide=bands):
        ws.print_title_cols = f"A:{get_column_letter(col[C.TICKET])}"
        done.append(
            f"Cetak: lanskap A4, {bands} halaman selebar register, No. Aduan dan baris judul "
            "diulang tiap halaman"
        )
    return done


def print_fit(
    ws: Worksheet, *, landscape: bool, title_rows: str | None = "1:1", pages_wide: int = 1
) -> bool:
    """A4 fitted to ``pages_wide`` pages across (as many pages down as needed), the
    header row repeated on each page, page numbers in the footer; False when already so."""
    ps = ws.page_setup
    want = "landscape" if landscape else "portrait"
    if (
        ps.orientation == want
        and ws.sheet_properties.pageSetUpPr.fitToPage
        and ps.fitToWidth == pages_wide
    ):
        return False
    ps.orientation = want
    ps.paperSize = ws.PAPERSIZE_A4
    ps.fitToWidth, ps.fitToHeight = pages_wide, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "Halaman &P dari &N"
    return True


def _history_readable(hist: Worksheet) -> list[str]:
    """Riwayat for people (issue 22): the bookkeeping key column hidden, text wrapped."""
    headers = header_row(hist)
    if "Kunci" not in headers:
        return []
    j = headers.index("Kunci") + 1
    if _is_hidden(hist, j):
        return []
    _column_dim(hist, j).hidden = True
    for k in range(1, len(headers) + 1):
        _column_dim(hist, k).alignment = Alignment(wrap_text=True, vertical="top")
    print_fit(hist, landscape=True)
    return ["Kolom 'Kunci' tab Riwayat disembunyikan (catatan sistem)"]


def _dropdowns(ws: Worksheet, col: dict[str, int], layout: Layout) -> list[str]:
    done = []
    for c in layout.columns:
        if not c.choices:
            continue
        formula = '"' + ",".join(c.choices) + '"'
        if len(formula) > 257 or any("," in x or '"' in x for x in c.choices):
            # Excel's inline list is limited to 255 characters and cannot escape commas
            logger.warning("no dropdown for column %r: choices too long or contain a comma", c.name)
            continue
        first = f"{get_column_letter(col[c.name])}2"
        if any(
            dv.formula1 == formula and first in dv.sqref
            for dv in ws.data_validations.dataValidation
        ):
            continue
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
        letter = get_column_letter(col[c.name])
        dv.add(f"{letter}2:{letter}{MAX_ROW}")
        ws.add_data_validation(dv)
        done.append(f"Daftar pilihan kolom '{c.name}' dibuat")
    return done


def _formatting(ws: Worksheet, col: dict[str, int]) -> list[str]:
    late = get_column_letter(col[C.LATE])
    st = get_column_letter(col[C.STATUS])
    done_f = "OR(" + ",".join(f'${st}2="{s}"' for s in DONE_STATUSES) + ")"
    late_f = f'${late}2="Ya"'
    have = {f for cf in ws.conditional_formatting for r in cf.rules for f in (r.formula or [])}
    rng = f"A2:{get_column_letter(max(col.values()))}{MAX_ROW}"
    done = []
    # done first and stopping: a closed complaint is grey even if a step was late
    for formula, colour, what in (
        (done_f, GREY, "abu-abu: selesai/disalurkan"),
        (late_f, RED, "merah: terlambat"),
    ):
        if formula in have:
            continue
        rule = FormulaRule(
            formula=[formula],
            stopIfTrue=True,
            fill=PatternFill("solid", start_color=colour, end_color=colour),
        )
        ws.conditional_formatting.add(rng, rule)
        done.append(f"Format bersyarat baris {what} dibuat")
    return done


def _write_guide(ws: Worksheet, rows: list[list[str]]) -> None:
    ws.delete_rows(1, max(ws.max_row, 1))
    for i, r in enumerate(rows, 1):
        for j, v in enumerate(r, 1):
            set_text(ws.cell(i, j), v)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    head = next(i for i, r in enumerate(rows, 1) if r[0] == "Kolom")
    for j in range(1, 5):
        ws.cell(head, j).font = Font(bold=True)
    for i in range(head + 1, len(rows) + 1):  # the column table wraps (issue 22)
        for j in range(1, 5):
            ws.cell(i, j).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (28, 30, 30, 70), strict=True):
        ws.column_dimensions[letter].width = width
