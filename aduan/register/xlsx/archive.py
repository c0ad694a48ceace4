"""Yearly rotation on the xlsx backend (issue 18): the year's archive is a separate
.xlsx file beside the register (``register-arsip-2026.xlsx``), with the same
*Register Aduan* and *Riwayat* tabs, written as text and replaced atomically."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from aduan.core.archive import Table
from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C
from aduan.errors import RegisterError
from aduan.register.xlsx.setup import cell_text, header_row, set_text
from aduan.support.atomic import atomic_path

__all__ = ["XlsxArchiveFile", "archive_path", "read_tables", "remove_rows"]

logger = logging.getLogger(__name__)

ABOUT_TAB = "Tentang Arsip"


def archive_path(register: Path, year: int) -> Path:
    """Where the year's archive lives: beside the register."""
    return register.with_name(f"{register.stem}-arsip-{year}.xlsx")


def _table(ws: Worksheet | None) -> Table:
    if ws is None:
        return Table([])
    rows = [[cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    if not rows:
        return Table([])
    headers = [h.strip() for h in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    n = len(headers)
    body = [(r + [""] * n)[:n] for r in rows[1:] if any(v.strip() for v in r)]
    return Table(headers, body)


def read_tables(wb: Workbook) -> tuple[Table, Table]:
    """*Register Aduan* and *Riwayat* as text (a tab that is missing reads empty)."""
    get = lambda t: wb[t] if t in wb.sheetnames else None  # noqa: E731
    return _table(get(REGISTER_TAB)), _table(get(HISTORY_TAB))


def remove_rows(wb: Workbook, tickets: set[str]) -> tuple[int, int]:
    """Delete the rows of ``tickets`` from *Register Aduan* and *Riwayat* (in place);
    how many rows went from each."""
    counts = []
    for tab in (REGISTER_TAB, HISTORY_TAB):
        if tab not in wb.sheetnames:
            counts.append(0)
            continue
        ws = wb[tab]
        headers = header_row(ws)
        if C.TICKET not in headers:
            counts.append(0)
            continue
        c = headers.index(C.TICKET) + 1
        doomed = [
            r for r in range(2, ws.max_row + 1) if cell_text(ws.cell(r, c).value).strip() in tickets
        ]
        # bottom up, so each index still points at the row it was found on
        for r in reversed(doomed):
            ws.delete_rows(r)
        counts.append(len(doomed))
    return counts[0], counts[1]


class XlsxArchiveFile:
    """One year's archive file: read what it holds, add rows to it."""

    def __init__(self, path: Path, year: int, source: Path) -> None:
        self.path = path
        self.year = year
        self.source = source

    @property
    def where(self) -> str:
        """How *Petunjuk* names it: the file name (it sits beside the register)."""
        return self.path.name

    def read(self) -> tuple[Table, Table]:
        if not self.path.exists():
            return Table([]), Table([])
        return read_tables(self._load())

    def add(self, register: Table, history: Table) -> None:
        """Append the rows (already in the archive's column order) and save atomically;
        the tabs and headers are made on first use."""
        wb = self._load() if self.path.exists() else self._new()
        for tab, table in ((REGISTER_TAB, register), (HISTORY_TAB, history)):
            ws = wb[tab] if tab in wb.sheetnames else wb.create_sheet(tab)
            if not any(header_row(ws)):
                for j, h in enumerate(table.headers, 1):
                    set_text(ws.cell(1, j), h)
                    ws.cell(1, j).font = Font(bold=True)
                ws.freeze_panes = "A2"
            r = ws.max_row + 1 if any(header_row(ws)) else 2
            for row in table.rows:
                for j, v in enumerate(row, 1):
                    set_text(ws.cell(r, j), v)
                r += 1
        try:
            with atomic_path(self.path) as tmp:
                wb.save(tmp)
        except OSError as e:
            raise RegisterError(
                f"{self.path}: arsip tidak dapat disimpan ({e.strerror or e})",
                permanent=isinstance(e, PermissionError),
            ) from None

    def _new(self) -> Workbook:
        wb = Workbook()
        about = wb.active
        about.title = ABOUT_TAB
        lines = [
            f"Arsip register aduan tahun {self.year}",
            f"Dipindahkan dari {self.source.name}: aduan yang sudah selesai beserta riwayatnya.",
            "Berkas ini hanya untuk dibaca; sistem Aduan tidak mengubahnya lagi.",
        ]
        for i, line in enumerate(lines, 1):
            set_text(about.cell(i, 1), line)
        about.cell(1, 1).font = Font(bold=True)
        about.column_dimensions["A"].width = 90
        return wb

    def _load(self) -> Workbook:
        try:
            return load_workbook(io.BytesIO(self.path.read_bytes()))
        except Exception as e:  # openpyxl raises many types on a damaged file
            raise RegisterError(
                f"{self.path}: arsip tidak terbaca ({type(e).__name__}); pulihkan atau "
                "pindahkan berkas itu, lalu jalankan `aduan archive` lagi",
                permanent=True,
            ) from None
