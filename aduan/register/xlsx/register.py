"""The xlsx register: a local .xlsx file that staff edit in Excel or LibreOffice.

Reads go through python-calamine (about 20x faster than openpyxl on a 10,000-row
register). A write patches only the XML of the tabs it changes and copies the
rest of the file byte-for-byte (:mod:`aduan.register.xlsx.patch`): a cycle's write takes
well under a second instead of openpyxl's many, and charts, comments or images
staff added survive. Files the patcher does not understand are written with
openpyxl instead. Either way the file is replaced atomically and every value is
written as text, so nothing a complainant writes becomes a formula or loses its
leading zeros. ``aduan init`` uses openpyxl (:mod:`aduan.register.xlsx.setup`).
"""

from __future__ import annotations

import errno
import io
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

import python_calamine
from openpyxl import Workbook, load_workbook

from aduan.core.archive import Table as ArchiveTable
from aduan.core.engine.agenda import Agenda
from aduan.core.layout import (
    GUIDE_TAB,
    HISTORY_HEADERS,
    HISTORY_TAB,
    META_TAB,
    REGISTER_TAB,
    Layout,
)
from aduan.core.model import Row, Snapshot, WriteSet
from aduan.core.tabsheet import TabSheet
from aduan.errors import RegisterError
from aduan.register.base import RowTable, WriteResult, locate_updates, map_headers
from aduan.register.snapcache import SnapshotCache, Stamp, stamp_of
from aduan.register.xlsx.archive import XlsxArchiveFile, archive_path, read_tables, remove_rows
from aduan.register.xlsx.patch import Unsupported, XlsxPatch, clean_text
from aduan.register.xlsx.setup import (
    META_HEADERS,
    cell_text,
    last_used_row,
    repair,
    set_text,
)
from aduan.register.xlsx.tabformat import draw_tab
from aduan.support.atomic import atomic_path

__all__ = ["XlsxRegister", "cell_text"]

logger = logging.getLogger(__name__)

FRESH_S = 60  # a file modified this recently may be mid-save by an editor

Cells = dict[int, dict[int, str]]  # 1-based row -> 1-based column -> text


@dataclass
class _Table(RowTable):
    """The Register Aduan tab as text: what read() returns and write() locates by."""

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
    cols, problems = map_headers(headers, layout, path)
    return _Table(
        headers,
        {n: cols[n] for n in layout.headers if n in cols},
        text[1:],
        layout.headers,
        problems,
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


def _meta_rows(book: python_calamine.CalamineWorkbook) -> dict[str, int]:
    """Each meta key's sheet row (1-based); the last row wins, as in _read_meta."""
    if META_TAB not in book.sheet_names:
        return {}
    rows = book.get_sheet_by_name(META_TAB).to_python(skip_empty_area=False)
    return {cell_text(r[0]).strip(): i for i, r in enumerate(rows, 1) if r}


class _Book(Protocol):
    """What a write needs from a workbook: :class:`XlsxPatch`, or openpyxl
    behind :class:`_OpenpyxlBook` when the patcher cannot handle the file."""

    def row_texts(self, name: str, n: int) -> dict[int, str]: ...

    def last_used_row(self, name: str) -> int: ...

    def set_cells(self, name: str, cells: Cells) -> None: ...


class _OpenpyxlBook:
    """An openpyxl workbook seen as a :class:`_Book`; creates Riwayat and the
    meta tab when staff deleted them."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb

    def _sheet(self, name: str):
        if name not in self.wb.sheetnames:
            ws = self.wb.create_sheet(name)
            if name == META_TAB:
                for j, h in enumerate(META_HEADERS, 1):
                    set_text(ws.cell(1, j), h)
                ws.sheet_state = "hidden"
        return self.wb[name]

    def row_texts(self, name: str, n: int) -> dict[int, str]:
        row = next(self._sheet(name).iter_rows(min_row=n, max_row=n, values_only=True), ())
        return {j: cell_text(v) for j, v in enumerate(row, 1) if v is not None}

    def last_used_row(self, name: str) -> int:
        return last_used_row(self._sheet(name))

    def set_cells(self, name: str, cells: Cells) -> None:
        ws = self._sheet(name)
        for r, row in cells.items():
            for c, text in row.items():
                set_text(ws.cell(r, c), text)


def _history_cells(book: _Book, history: list[dict[str, str]]) -> Cells:
    """Riwayat rows below the last one; a missing header is added first (an
    append-only log may gain a column; no data is lost)."""
    have = book.row_texts(HISTORY_TAB, 1)
    headers = [have.get(j, "").strip() for j in range(1, max(have, default=0) + 1)]
    cells: Cells = {}
    for h in HISTORY_HEADERS:
        if h not in headers:
            headers.append(h)
            cells.setdefault(1, {})[len(headers)] = h
    r = max(book.last_used_row(HISTORY_TAB), 1) + 1
    for entry in history:
        row = {}
        for k, v in entry.items():
            if k not in headers:
                logger.warning("history key %r is not a Riwayat column; dropped", k)
                continue
            row[headers.index(k) + 1] = clean_text(v)
        if row:
            cells[r] = row
        r += 1
    return cells


def _meta_cells(book: _Book, where: dict[str, int], meta: dict[str, str]) -> Cells:
    """Meta values upserted by key: a known key's row is rewritten, a new key appended."""
    cells: Cells = {}
    nxt = max(book.last_used_row(META_TAB), 1) + 1
    for k, v in meta.items():
        r = where.get(k)
        if r is None:
            r, nxt = nxt, nxt + 1
            cells.setdefault(r, {})[1] = clean_text(k)
        cells.setdefault(r, {})[2] = clean_text(v)
    return cells


class XlsxRegister:
    """A register kept in one .xlsx file (see :class:`aduan.register.base.Register`)."""

    def __init__(self, path: Path, layout: Layout, *, snapshot_file: Path | None = None) -> None:
        self.path = Path(path)
        self.layout = layout
        self._kinds = {c.name: c.kind for c in layout.columns}
        # change detection (issue 19): a steady cycle loads the last snapshot instead
        self._cache = SnapshotCache(snapshot_file, layout.headers) if snapshot_file else None
        self.last_read_cached = False
        self._seen: Stamp | None = None  # the stamp the last read's snapshot is of

    # ------------------------------------------------------------------ read
    def read(self) -> Snapshot:
        """Read rows and meta with calamine; blank rows skipped, indices kept.

        With a snapshot file: when the register's stamp is the one the last read saw,
        that read's snapshot is returned without opening the register."""
        self.last_read_cached = False
        if self._cache is not None and (stamp := stamp_of(self.path)) is not None:
            snap = self._cache.get(stamp)
            if isinstance(snap, Snapshot):
                self.last_read_cached, self._seen = True, stamp
                return snap
        data, seen = self._read_bytes()
        with self._calamine(data) as book:
            table = _scan(book, self.layout, self.path)
            meta = _read_meta(book)
        rows = [Row(i, table.values(i)) for i in range(len(table.rows)) if not table.blank(i)]
        snap = Snapshot(headers=table.headers, rows=rows, meta=meta, problems=table.problems)
        if self._cache is not None:
            self._cache.put(seen, snap)  # the stamp of the very bytes just parsed
            self._seen = seen
        return snap

    # ------------------------------------------------- steady cycles (issue 19)
    def read_agenda(self) -> Agenda | None:
        """The agenda kept for the register as it is now (not read, not changed since
        the cycle that kept it), or None: then :meth:`read` as usual."""
        self.last_read_cached = False
        if self._cache is None or (stamp := stamp_of(self.path)) is None:
            return None
        agenda = self._cache.get_agenda(stamp)
        if agenda is not None:
            self.last_read_cached, self._seen = True, stamp
        return agenda

    def keep_agenda(self, agenda: Agenda) -> None:
        """Keep ``agenda`` for the register as the last read saw it (the cycle wrote nothing)."""
        if self._cache is not None and self._seen is not None:
            self._cache.put_agenda(self._seen, agenda)

    def drop_agenda(self) -> None:
        """The next cycle decides from the whole register (e.g. new Drive links)."""
        if self._cache is not None:
            self._cache.drop_agenda()

    def close(self) -> None:
        """Nothing to release: the file is opened and closed per call."""

    # ------------------------------------------------------------ report tabs
    def write_tab(self, title: str, rows: list[list[str]], sheet: TabSheet | None = None) -> None:
        """Create or replace a whole tab's values (as text); one atomic save. With
        ``sheet``: formatted, numbers as numbers, with its charts (issue 22)."""
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
        if sheet is not None:
            draw_tab(ws, sheet)
        else:
            for i, r in enumerate(rows, 1):
                for j, v in enumerate(r, 1):
                    set_text(ws.cell(i, j), v)
        self._save(wb.save, expect=stamp)

    # ------------------------------------------- yearly rotation (issue 18)
    def archive_read(self) -> tuple[ArchiveTable, ArchiveTable]:
        """*Register Aduan* and *Riwayat*, every cell as text."""
        return read_tables(self._load(self._read_bytes()[0]))

    def archive_store(self, year: int, where: str = "") -> XlsxArchiveFile:
        """The year's archive file beside the register (``where``: its name, as kept
        in the meta by an earlier, interrupted run)."""
        path = self.path.with_name(where) if where else archive_path(self.path, year)
        return XlsxArchiveFile(path, year, self.path)

    def archive_remove(self, tickets: set[str]) -> tuple[int, int]:
        """Delete the rows of ``tickets`` and their Riwayat rows; one atomic save."""
        self._check_unlocked()
        data, stamp = self._read_bytes()
        wb = self._load(data)
        counts = remove_rows(wb, tickets)
        if any(counts):
            self._save(wb.save, expect=stamp)
        return counts

    # ------------------------------------------------------------------ init
    def init(self) -> list[str]:
        """Create the file, or add what is missing; save only if something changed."""
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            wb = Workbook()
            wb.active.title = REGISTER_TAB
            done = [f"Berkas register dibuat: {self.path}"] + repair(wb, self.layout, self.path)
            self._save(wb.save)
            return done
        self._check_unlocked()
        data, stamp = self._read_bytes()
        wb = self._load(data)
        done = repair(wb, self.layout, self.path)
        if done:
            self._save(wb.save, expect=stamp)
        return done

    # ----------------------------------------------------------------- write
    def write(self, ws: WriteSet) -> WriteResult:
        """Apply updates, appends, history and meta; one atomic replace of the file.

        1. read the file once: rows are located with calamine on these bytes,
           the way read() reads them;
        2. work out every cell to write (pure, from that table);
        3. patch the three tabs' XML, or, for a file the patcher does not
           understand, load it with openpyxl and set the same cells;
        4. replace the file, unless someone saved it meanwhile.
        """
        result = WriteResult()
        if ws.is_empty():
            return result
        self._check_unlocked()
        data, stamp = self._read_bytes()
        with self._calamine(data) as book:
            table = _scan(book, self.layout, self.path)
            where = _meta_rows(book)
        register = self._register_cells(ws, table, result)
        for reason in result.skipped:
            logger.warning("register update skipped: %s", reason)
        save: Callable[[BinaryIO], object]
        try:
            patch = XlsxPatch(data)
            if not self._apply(patch, register, ws, where):
                return result
            out = patch.save()
            save = lambda f: f.write(out)  # noqa: E731
        except Unsupported as e:
            logger.warning("%s: XML patch not possible (%s); writing with openpyxl", self.path, e)
            wb = self._load(data)
            if not self._apply(_OpenpyxlBook(wb), register, ws, where):
                return result
            save = wb.save
        self._save(save, expect=stamp)
        return result

    def _apply(self, book: _Book, register: Cells, ws: WriteSet, where: dict[str, int]) -> bool:
        """Set every cell of the write in ``book``; False if there is nothing to set."""
        edits = {REGISTER_TAB: register}
        if ws.history:
            edits[HISTORY_TAB] = _history_cells(book, ws.history)
        if ws.meta:
            edits[META_TAB] = _meta_cells(book, where, ws.meta)
        for name, cells in edits.items():
            if cells:
                book.set_cells(name, cells)
        return any(edits.values())

    def _register_cells(self, ws: WriteSet, table: _Table, result: WriteResult) -> Cells:
        """The Register Aduan cells of the updates and appends, by sheet row."""
        cells: Cells = {}
        for upd, i in locate_updates(ws.updates, table, result):
            cells.setdefault(i + 2, {}).update(self._row_cells(i + 2, upd.values, table, i))
            if upd.staff:
                cells[i + 2].update(self._staff_cells(upd.staff, table, i))
            result.updated += 1
        next_row = table.last_used() + 3
        for values in ws.appends:
            if dup := table.already_there(values):
                result.skipped.append(dup)
                continue
            cells[next_row] = self._row_cells(next_row, values, table, None)
            next_row += 1
            result.appended += 1
        return cells

    def _row_cells(
        self, r: int, values: dict[str, str], table: _Table, i: int | None
    ) -> dict[int, str]:
        """One row's cells, respecting each column's kind (``i`` None: a new row)."""
        out = {}
        for name, v in values.items():
            kind = self._kinds.get(name)
            if kind is None or name not in table.cols:
                logger.warning("row %d: column %r is not in the register; value dropped", r, name)
                continue
            c = table.cols[name]
            if i is not None:
                if kind == "staff":
                    logger.warning("row %d: refusing to write staff column %r", r, name)
                    continue
                if kind == "intake" and table.rows[i][c].strip():
                    continue
            out[c + 1] = clean_text(v)
        return out

    def _staff_cells(self, staff: dict[str, str], table: _Table, i: int) -> dict[int, str]:
        """A decision made by email reply: staff columns, only where still empty
        (what staff typed meanwhile wins)."""
        out = {}
        for name, v in staff.items():
            c = table.cols.get(name)
            if self._kinds.get(name) == "staff" and c is not None and not table.rows[i][c].strip():
                out[c + 1] = clean_text(v)
        return out

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

    def _save(
        self,
        write: Callable[[BinaryIO], object],
        expect: tuple[int, int, int] | None = None,
    ) -> None:
        """Write beside the register with ``write(file)``, then rename over it: a
        crash never leaves half a file.

        ``expect`` is the stamp of the file as read: if someone saved it or opened
        it meanwhile, replacing it would throw their edit away, so the write is
        deferred instead."""
        self._seen = None  # the file is ours now: what the last read saw is gone
        try:
            # fsync here, not in atomic_path: the stamp check must see the file as it is
            # once our bytes are on disk, right before the rename
            with atomic_path(self.path, fsync=False) as tmp:
                with open(tmp, "wb") as f:
                    write(f)
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
        except OSError as e:
            permanent = isinstance(e, PermissionError) or e.errno == errno.EROFS
            raise RegisterError(
                f"{self.path}: register tidak dapat disimpan ({e.strerror or e})",
                permanent=permanent,
            ) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
