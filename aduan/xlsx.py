"""The xlsx register: a local .xlsx file that staff edit in Excel or LibreOffice.

Reads go through python-calamine (about 20x faster than openpyxl on a 10,000-row
register); writes load the file with openpyxl, change only the cells that must
change, and replace the file atomically. Every value is written as text, so
nothing a complainant writes becomes a formula or loses its leading zeros.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import python_calamine
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from .errors import RegisterError
from .layout import (
    GUIDE_TAB,
    HISTORY_HEADERS,
    HISTORY_TAB,
    META_TAB,
    REGISTER_TAB,
    C,
    Layout,
)
from .model import Row, RowUpdate, Snapshot, WriteSet, row_fingerprint
from .register import WriteResult, guide_rows

__all__ = ["XlsxRegister", "cell_text"]

logger = logging.getLogger(__name__)

MAX_ROW = 1048576  # last row of a sheet: dropdowns and formatting cover whole columns
MAX_CELL = 32767  # Excel refuses longer cell text
TRUNCATED = " …[dipotong]"
META_HEADERS = ["key", "value"]
DONE_STATUSES = ("Selesai", "Disalurkan")
FRESH_S = 60  # a file modified this recently may be mid-save by an editor

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


@dataclass
class _Table:
    """The Register Aduan tab as text: what read() returns and write() locates by."""

    headers: list[str]
    cols: dict[str, int]  # layout header -> 0-based column (first occurrence)
    rows: list[list[str]]  # rows[i] is sheet row i + 2
    names: list[str]  # layout headers
    problems: list[str] = field(default_factory=list)

    def values(self, i: int) -> dict[str, str]:
        """The row's cells by layout header; a column the sheet lacks reads ""."""
        row = self.rows[i]
        out = {n: row[c] for n, c in self.cols.items()}
        if len(out) < len(self.names):
            out.update((n, "") for n in self.names if n not in out)
        return out

    def blank(self, i: int) -> bool:
        return not any(v.strip() for v in self.rows[i])

    def ticket(self, i: int) -> str:
        return self.rows[i][self.cols[C.TICKET]].strip()

    def last_used(self) -> int:
        """Index of the last data row with any text, -1 if none."""
        for i in range(len(self.rows) - 1, -1, -1):
            if not self.blank(i):
                return i
        return -1


def _scan(book: python_calamine.CalamineWorkbook, layout: Layout, path: Path) -> _Table:
    """Read the register tab; a missing tab or non-staff header is a RegisterError."""
    if REGISTER_TAB not in book.sheet_names:
        raise RegisterError(
            f"{path}: tab '{REGISTER_TAB}' tidak ditemukan (tab missing); "
            "jalankan `aduan init` atau kembalikan nama tabnya",
            permanent=True,
        )
    data = book.get_sheet_by_name(REGISTER_TAB).to_python(skip_empty_area=False)
    # calamine's range is rectangular, so every row has every column; strings
    # (nearly all cells) skip the conversion call: read() stays near calamine speed
    text = [[v if type(v) is str else cell_text(v) for v in r] for r in data]
    headers = [h.strip() for h in text[0]] if text else []
    cols: dict[str, int] = {}
    problems = []
    for i, h in enumerate(headers):
        if not h:
            continue
        if h in cols:
            problems.append(f"judul kolom '{h}' ada dua kali; kolom pertama yang dipakai")
        else:
            cols[h] = i
    missing = [n for n in layout.headers if n not in cols]
    fatal = [n for n in missing if layout.kind(n) != "staff"]
    if fatal:
        raise RegisterError(_missing_message(path, fatal), permanent=True)
    for n in missing:
        problems.append(
            f"kolom '{n}' tidak ditemukan di tab '{REGISTER_TAB}'; isinya dianggap kosong"
        )
    return _Table(
        headers,
        {n: cols[n] for n in layout.headers if n in cols},
        text[1:],
        layout.headers,
        problems,
    )


def _missing_message(path: Path, names: list[str]) -> str:
    quoted = ", ".join(f"'{n}'" for n in names)
    return (
        f"{path}: kolom {quoted} tidak ditemukan di baris judul tab '{REGISTER_TAB}' "
        f"(header not found: renamed or deleted?); kembalikan judul kolom persis seperti semula"
    )


def _read_meta(book: python_calamine.CalamineWorkbook) -> dict[str, str]:
    if META_TAB not in book.sheet_names:
        return {}
    meta = {}
    for r in book.get_sheet_by_name(META_TAB).to_python(skip_empty_area=False):
        cells = [cell_text(v) for v in r] + ["", ""]
        key = cells[0].strip()
        if key and cells[:2] != META_HEADERS:
            meta[key] = cells[1]
    return meta


def _set_text(cell: Any, value: Any) -> None:
    """Write a value as a plain string cell (never a formula, never a number)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    if not text:
        cell.value = None
        return
    if len(text) > MAX_CELL:
        logger.warning(
            "cell %s: %d characters, truncated to %d", cell.coordinate, len(text), MAX_CELL
        )
        text = text[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
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


def _header_row(ws: Worksheet) -> list[str]:
    if ws.max_row < 1:
        return []
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    return [cell_text(v).strip() for v in first]


def _is_empty(ws: Worksheet) -> bool:
    return ws.max_row <= 1 and ws.max_column <= 1 and ws.cell(1, 1).value is None


def _last_used_row(ws: Worksheet) -> int:
    for r in range(ws.max_row, 0, -1):
        if any(c.value not in (None, "") for c in ws[r]):
            return r
    return 0


class XlsxRegister:
    """A register kept in one .xlsx file (see :class:`aduan.register.Register`)."""

    def __init__(self, path: Path, layout: Layout) -> None:
        self.path = Path(path)
        self.layout = layout
        self._kinds = {c.name: c.kind for c in layout.columns}

    # ------------------------------------------------------------------ read
    def read(self) -> Snapshot:
        """Read rows and meta with calamine; blank rows skipped, indices kept."""
        with self._calamine(None) as book:
            table = _scan(book, self.layout, self.path)
            meta = _read_meta(book)
        rows = [Row(i, table.values(i)) for i in range(len(table.rows)) if not table.blank(i)]
        return Snapshot(headers=table.headers, rows=rows, meta=meta, problems=table.problems)

    def close(self) -> None:
        """Nothing to release: the file is opened and closed per call."""

    # ------------------------------------------------------------ report tabs
    def write_tab(self, title: str, rows: list[list[str]]) -> None:
        """Create or replace a whole tab's values (as text); one atomic save."""
        if title in (REGISTER_TAB, HISTORY_TAB, GUIDE_TAB, META_TAB):
            raise RegisterError(
                f"tab '{title}' milik register; tidak boleh ditimpa", permanent=True
            )
        if not title or len(title) > 31 or any(ch in title for ch in "[]:*?/\\"):
            raise RegisterError(f"nama tab tidak sah: {title!r}", permanent=True)
        self._check_unlocked()
        data, stamp = self._read_bytes()
        wb = self._load(data)
        at = wb.sheetnames.index(title) if title in wb.sheetnames else len(wb.sheetnames)
        if title in wb.sheetnames:
            wb.remove(wb[title])  # stale cells of a longer old recap must not survive
        ws = wb.create_sheet(title, at)
        for i, r in enumerate(rows, 1):
            for j, v in enumerate(r, 1):
                _set_text(ws.cell(i, j), v)
        self._save(wb, expect=stamp)

    # ------------------------------------------------------------------ init
    def init(self) -> list[str]:
        """Create the file, or add what is missing; save only if something changed."""
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            wb = Workbook()
            wb.active.title = REGISTER_TAB
            done = [f"Berkas register dibuat: {self.path}"] + self._repair(wb)
            self._save(wb)
            return done
        self._check_unlocked()
        data, stamp = self._read_bytes()
        wb = self._load(data)
        done = self._repair(wb)
        if done:
            self._save(wb, expect=stamp)
        return done

    def _repair(self, wb: Workbook) -> list[str]:
        done: list[str] = []
        if REGISTER_TAB not in wb.sheetnames:
            wb.create_sheet(REGISTER_TAB, 0)
            done.append(f"Tab '{REGISTER_TAB}' dibuat")
        ws = wb[REGISTER_TAB]
        if _is_empty(ws):
            self._write_headers(ws)
            done.append(
                f"Judul kolom tab '{REGISTER_TAB}' ditulis ({len(self.layout.columns)} kolom)"
            )
        headers = _header_row(ws)
        missing = [n for n in self.layout.headers if n not in headers]
        if missing:
            raise RegisterError(_missing_message(self.path, missing), permanent=True)
        col = {n: headers.index(n) + 1 for n in self.layout.headers}
        if ws.freeze_panes != "A2":
            ws.freeze_panes = "A2"
            done.append("Baris judul dibekukan")
        for c in self.layout.columns:
            if c.kind == "hidden" and not _is_hidden(ws, col[c.name]):
                _column_dim(ws, col[c.name]).hidden = True
                done.append(f"Kolom '{c.name}' disembunyikan")
        done += self._dropdowns(ws, col)
        done += self._formatting(ws, col)
        ws.sheet_state = "visible"
        wb.active = wb.sheetnames.index(REGISTER_TAB)

        if HISTORY_TAB not in wb.sheetnames:
            wb.create_sheet(HISTORY_TAB)
            done.append(f"Tab '{HISTORY_TAB}' dibuat")
        hist = wb[HISTORY_TAB]
        if _is_empty(hist):
            for j, h in enumerate(HISTORY_HEADERS, 1):
                _set_text(hist.cell(1, j), h)
                hist.cell(1, j).font = Font(bold=True)
                hist.column_dimensions[get_column_letter(j)].width = 20 if j < 5 else 50
            hist.freeze_panes = "A2"
            done.append(f"Judul kolom tab '{HISTORY_TAB}' ditulis")

        new_guide = GUIDE_TAB not in wb.sheetnames
        if new_guide:
            wb.create_sheet(GUIDE_TAB)
        guide = wb[GUIDE_TAB]
        want = [r + [""] * (4 - len(r)) for r in guide_rows(self.layout)]
        have = [
            [cell_text(v) for v in r] + [""] * (4 - len(r))
            for r in guide.iter_rows(values_only=True)
        ]
        if have != want:
            # the guide is Aduan's own tab: keep it in step with the SOP's columns
            self._write_guide(guide, want)
            done.append(f"Tab '{GUIDE_TAB}' {'dibuat' if new_guide else 'diperbarui'}")

        if META_TAB not in wb.sheetnames:
            meta = wb.create_sheet(META_TAB)
            for j, h in enumerate(META_HEADERS, 1):
                _set_text(meta.cell(1, j), h)
            meta.sheet_state = "hidden"
            done.append(f"Tab tersembunyi '{META_TAB}' dibuat")
        elif wb[META_TAB].sheet_state != "hidden":
            wb[META_TAB].sheet_state = "hidden"
            done.append(f"Tab '{META_TAB}' disembunyikan")
        return done

    def _write_headers(self, ws: Worksheet) -> None:
        for j, c in enumerate(self.layout.columns, 1):
            cell = ws.cell(1, j)
            _set_text(cell, c.name)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=FILL.get(c.kind, "FFFFFF"))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            dim = ws.column_dimensions[get_column_letter(j)]
            dim.width = c.width
            # typed phone numbers keep their leading zero when the column is text
            dim.number_format = "@"

    def _dropdowns(self, ws: Worksheet, col: dict[str, int]) -> list[str]:
        done = []
        for c in self.layout.columns:
            if not c.choices:
                continue
            formula = '"' + ",".join(c.choices) + '"'
            if len(formula) > 257 or any("," in x or '"' in x for x in c.choices):
                # Excel's inline list is limited to 255 characters and cannot escape commas
                logger.warning(
                    "no dropdown for column %r: choices too long or contain a comma", c.name
                )
                continue
            first = f"{get_column_letter(col[c.name])}2"
            if any(
                dv.formula1 == formula and first in dv.sqref
                for dv in ws.data_validations.dataValidation
            ):
                continue
            dv = DataValidation(
                type="list", formula1=formula, allow_blank=True, showErrorMessage=False
            )
            letter = get_column_letter(col[c.name])
            dv.add(f"{letter}2:{letter}{MAX_ROW}")
            ws.add_data_validation(dv)
            done.append(f"Daftar pilihan kolom '{c.name}' dibuat")
        return done

    def _formatting(self, ws: Worksheet, col: dict[str, int]) -> list[str]:
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

    def _write_guide(self, ws: Worksheet, rows: list[list[str]]) -> None:
        ws.delete_rows(1, max(ws.max_row, 1))
        for i, r in enumerate(rows, 1):
            for j, v in enumerate(r, 1):
                _set_text(ws.cell(i, j), v)
        ws.cell(1, 1).font = Font(bold=True, size=14)
        head = next(i for i, r in enumerate(rows, 1) if r[0] == "Kolom")
        for j in range(1, 5):
            ws.cell(head, j).font = Font(bold=True)
        for letter, width in zip("ABCD", (28, 30, 30, 70), strict=True):
            ws.column_dimensions[letter].width = width

    # ----------------------------------------------------------------- write
    def write(self, ws: WriteSet) -> WriteResult:
        """Apply updates, appends, history and meta; one atomic save."""
        result = WriteResult()
        if ws.is_empty():
            return result
        self._check_unlocked()
        data, stamp = self._read_bytes()
        # locate rows on the same bytes openpyxl edits, read the way read() reads
        with self._calamine(data) as book:
            table = _scan(book, self.layout, self.path)
        wb = self._load(data)
        sheet = wb[REGISTER_TAB]
        col = {n: c + 1 for n, c in table.cols.items()}

        targets = self._locate(ws.updates, table, result)
        for upd, i in targets:
            self._put(sheet, i + 2, upd.values, col, new_row=False)
            result.updated += 1
        next_row = table.last_used() + 3
        for values in ws.appends:
            if dup := self._already_there(values, table):
                result.skipped.append(dup)
                continue
            self._put(sheet, next_row, values, col, new_row=True)
            next_row += 1
            result.appended += 1
        if ws.history:
            self._append_history(wb, ws.history)
        if ws.meta:
            self._upsert_meta(wb, ws.meta)
        self._save(wb, expect=stamp)
        for reason in result.skipped:
            logger.warning("register update skipped: %s", reason)
        return result

    def _locate(
        self, updates: list[RowUpdate], table: _Table, result: WriteResult
    ) -> list[tuple[RowUpdate, int]]:
        """Pair each update with the data row it belongs to now."""
        by_ticket: dict[str, int] = {}
        by_print: dict[str, list[int]] = {}
        prints: dict[int, str] = {}
        for i in range(len(table.rows)):
            if table.blank(i):
                continue
            t = table.ticket(i)
            if t:
                if t in by_ticket:
                    logger.warning(
                        "ticket %s is on rows %d and %d; writing to the first",
                        t,
                        by_ticket[t] + 2,
                        i + 2,
                    )
                by_ticket.setdefault(t, i)
            else:
                prints[i] = row_fingerprint(table.values(i))
                by_print.setdefault(prints[i], []).append(i)
        out: list[tuple[RowUpdate, int]] = []
        taken: set[int] = set()
        for upd in updates:
            if upd.ticket:
                i = by_ticket.get(upd.ticket.strip())
                if i is None:
                    result.skipped.append(f"{upd.ticket}: baris tidak ditemukan (dihapus?)")
                    continue
            elif upd.fingerprint is not None:
                i = upd.index if upd.index is not None else -1
                if prints.get(i) != upd.fingerprint or i in taken:
                    cands = [j for j in by_print.get(upd.fingerprint, []) if j not in taken]
                    if len(cands) != 1:
                        why = "diubah atau dihapus" if not cands else "ada beberapa baris yang sama"
                        result.skipped.append(
                            f"baris {(upd.index or 0) + 2} tanpa No. Aduan: {why} sejak dibaca; "
                            "dicoba lagi pada siklus berikutnya"
                        )
                        continue
                    i = cands[0]
                taken.add(i)
            else:
                result.skipped.append("pembaruan tanpa No. Aduan maupun sidik baris")
                continue
            out.append((upd, i))
        return out

    def _already_there(self, values: dict[str, str], table: _Table) -> str:
        """Why an append must not happen: a run killed after writing the register
        but before marking its mail processed appends the same complaint again."""
        for name in (C.TICKET, C.SOURCE):
            key = (values.get(name) or "").strip()
            c = table.cols.get(name)
            if key and c is not None and any(r[c].strip() == key for r in table.rows):
                return f"{name} {key} sudah ada di register; baris tidak ditambahkan lagi"
        return ""

    def _put(
        self,
        sheet: Worksheet,
        r: int,
        values: dict[str, str],
        col: dict[str, int],
        *,
        new_row: bool,
    ) -> None:
        """Write one row's values, respecting each column's kind."""
        for name, v in values.items():
            kind = self._kinds.get(name)
            if kind is None or name not in col:
                logger.warning("row %d: column %r is not in the register; value dropped", r, name)
                continue
            cell = sheet.cell(r, col[name])
            if not new_row:
                if kind == "staff":
                    logger.warning("row %d: refusing to write staff column %r", r, name)
                    continue
                if kind == "intake" and cell_text(cell.value).strip():
                    continue
            _set_text(cell, v)

    def _append_history(self, wb: Workbook, history: list[dict[str, str]]) -> None:
        if HISTORY_TAB not in wb.sheetnames:
            wb.create_sheet(HISTORY_TAB)
        hist = wb[HISTORY_TAB]
        headers = _header_row(hist) if not _is_empty(hist) else []
        for h in HISTORY_HEADERS:  # an append-only log may gain a column; no data is lost
            if h not in headers:
                headers.append(h)
                _set_text(hist.cell(1, len(headers)), h)
        r = max(_last_used_row(hist), 1) + 1
        for entry in history:
            for k, v in entry.items():
                if k not in headers:
                    logger.warning("history key %r is not a Riwayat column; dropped", k)
                    continue
                _set_text(hist.cell(r, headers.index(k) + 1), v)
            r += 1

    def _upsert_meta(self, wb: Workbook, meta: dict[str, str]) -> None:
        if META_TAB not in wb.sheetnames:
            m = wb.create_sheet(META_TAB)
            for j, h in enumerate(META_HEADERS, 1):
                _set_text(m.cell(1, j), h)
            m.sheet_state = "hidden"
        m = wb[META_TAB]
        where = {cell_text(m.cell(r, 1).value).strip(): r for r in range(1, m.max_row + 1)}
        nxt = max(_last_used_row(m), 1) + 1
        for k, v in meta.items():
            r = where.get(k)
            if r is None:
                r, nxt = nxt, nxt + 1
                _set_text(m.cell(r, 1), k)
            _set_text(m.cell(r, 2), v)

    # -------------------------------------------------------------- file I/O
    def _check_unlocked(self) -> None:
        """Refuse to write while Excel or LibreOffice has the file open:
        their next save would silently undo ours."""
        d, n = self.path.parent, self.path.name
        for lock, app in ((d / f".~lock.{n}#", "LibreOffice"), (d / f"~${n}", "Excel")):
            try:
                since = datetime.fromtimestamp(lock.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            except OSError:
                continue
            # the time helps the admin spot a stale lock left by a crashed editor
            raise RegisterError(
                f"register sedang dibuka di {app} sejak {since} ({lock}); perubahan ditunda ke "
                f"siklus berikutnya (register is open in {app}; delete the lock file if stale)",
                permanent=False,
            )

    def _read_bytes(self) -> tuple[bytes, tuple[int, int, int]]:
        """The file's bytes and its stamp (mtime, size, inode) as they were read."""
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                return f.read(), (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            raise RegisterError(
                f"{self.path}: berkas register tidak ada; jalankan `aduan init`", permanent=True
            ) from None
        except OSError as e:
            raise RegisterError(
                f"{self.path}: register tidak dapat dibaca ({e.strerror or e})",
                permanent=isinstance(e, PermissionError),
            ) from None

    @contextmanager
    def _calamine(self, data: bytes | None) -> Iterator[python_calamine.CalamineWorkbook]:
        if data is None:
            # calamine's own OSError carries no errno: read the bytes ourselves
            data = self._read_bytes()[0]
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (python_calamine.CalamineError, ValueError) as e:
            raise self._corrupt(e) from None
        try:
            yield book
        except python_calamine.CalamineError as e:
            raise self._corrupt(e) from None
        finally:
            book.close()

    def _corrupt(self, e: Exception) -> RegisterError:
        """A file that cannot be parsed: permanent, unless it was saved moments ago
        (an editor may be writing it right now; the next cycle will tell)."""
        try:
            fresh = time.time() - self.path.stat().st_mtime < FRESH_S
        except OSError:
            fresh = False
        return RegisterError(
            f"{self.path}: berkas register rusak atau bukan .xlsx ({type(e).__name__}: {e}); "
            "pulihkan dari cadangan atau simpan ulang sebagai .xlsx",
            permanent=not fresh,
        )

    def _load(self, data: bytes) -> Workbook:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                wb = load_workbook(io.BytesIO(data))
        except Exception as e:  # openpyxl raises a zoo of types on malformed files
            raise self._corrupt(e) from None
        # e.g. "Data Validation extension is not supported and will be removed":
        # what staff added in Excel that openpyxl cannot keep is lost on save
        for msg in sorted({str(w.message) for w in caught}):
            logger.warning("%s: openpyxl: %s", self.path.name, msg)
        return wb

    def _save(self, wb: Workbook, expect: tuple[int, int, int] | None = None) -> None:
        """Save beside the register, then rename over it: a crash never leaves half a file.

        ``expect`` is the stamp of the file as loaded: if someone saved it or opened
        it meanwhile (a write takes seconds on a big register), replacing it would
        throw their edit away, so the write is deferred instead."""
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(fd, "wb") as f:
                wb.save(f)
                f.flush()
                os.fsync(f.fileno())
            if expect is not None:
                self._check_unlocked()
                st = os.stat(self.path)
                if (st.st_mtime_ns, st.st_size, st.st_ino) != expect:
                    raise RegisterError(
                        f"{self.path}: register diubah orang lain saat sedang ditulis; "
                        "perubahan ditunda ke siklus berikutnya (file changed during write)",
                        permanent=False,
                    )
            if self.path.exists():
                shutil.copymode(self.path, tmp)
            else:
                os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, self.path)
        except OSError as e:
            Path(tmp).unlink(missing_ok=True)
            permanent = isinstance(e, PermissionError) or e.errno == errno.EROFS
            raise RegisterError(
                f"{self.path}: register tidak dapat disimpan ({e.strerror or e})",
                permanent=permanent,
            ) from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
