"""Writing the register: one atomic batchUpdate per cycle, verified by the rows
it answers with, repaired when staff moved rows meanwhile (see the package doc)."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from aduan.core.layout import HISTORY_TAB, META_TAB, REGISTER_TAB, C
from aduan.core.model import WriteSet
from aduan.core.tabsheet import TabSheet
from aduan.errors import RegisterError
from aduan.register.base import WriteResult, locate_updates
from aduan.register.sheets.batch import (
    RESPONSE_FIELDS,
    add_sheet,
    append,
    at,
    cells_range,
    clear_values,
    history_row,
    list_rule,
    quote_tab,
    row_range,
    row_requests,
    rows_back,
    text,
    update_rows,
)
from aduan.register.sheets.read import SheetsReader
from aduan.register.sheets.state import OWN_TABS, WRITE_KEY, new_sheet_id
from aduan.register.sheets.tabformat import tab_requests
from aduan.register.sheets.table import Planned, Table, scan
from aduan.support import atomic

__all__ = ["REPAIR_ROUNDS", "SheetsWriter"]

logger = logging.getLogger(__name__)

REPAIR_ROUNDS = 3
#: how long an unconfirmed write may still land: Google can keep working on a batch
#: for minutes after the client gave up; until then no run writes (nothing twice)
SETTLE_S = 15 * 60
GROW_ROWS = 1000  # rows added to the register at a time, with their dropdowns
GROW_MARGIN = 50


class SheetsWriter(SheetsReader):
    """The write side: write, verify, repair; and the report tabs."""

    def write(self, ws: WriteSet) -> WriteResult:
        """Apply a cycle's changes in one atomic batchUpdate, verify, repair if needed."""
        result = WriteResult()
        if ws.is_empty():
            return result
        if self._table is None and not self._from_seen():
            self.read()
        table = self._table
        assert table is not None
        self._settle()
        ids = self._sheet_ids()
        try:
            return self._write(ws, table, ids, result)
        except RegisterError as e:
            if "No grid with id" not in str(e):
                raise
            # a tab was deleted and recreated since the ids were cached
            logger.warning("cached tab ids are stale; fetching them again")
            self._ids = {}
            return self._write(ws, table, self._sheet_ids(), WriteResult())
        finally:
            self._table = None  # the next write reads again

    def _sheet_ids(self) -> dict[str, int]:
        if all(t in self._ids for t in OWN_TABS):
            return self._ids
        titles = self.client.titles()
        self._ids = {t: titles[t] for t in OWN_TABS if t in titles}
        self._ids_dirty = True
        return self._ids

    def _write(
        self, ws: WriteSet, table: Table, ids: dict[str, int], result: WriteResult
    ) -> WriteResult:
        reqs: list[dict] = []
        tabs = self._missing_tab_requests(ids)
        reqs += tabs
        reg = ids[REGISTER_TAB]
        planned: list[Planned] = []
        for upd, i in locate_updates(ws.updates, table, result):
            cells = self._cells(upd.values, table, i)
            cells.update(self._staff_cells(upd.staff, table, i))
            planned.append(Planned(upd, i, cells))
            reqs += row_requests(reg, i + 1, cells)
        new_rows = []
        for values in ws.appends:
            if dup := table.already_there(values):
                result.skipped.append(dup)
                continue
            new_rows.append(self._new_row(values, table))
        if new_rows:
            reqs += self._grow(reg, table, len(new_rows))
            reqs.append(append(reg, new_rows))
        if ws.history:
            reqs.append(append(ids[HISTORY_TAB], [history_row(h) for h in ws.history]))
        # a marker in the same atomic batch tells, after a lost answer, whether it landed
        write_id = secrets.token_hex(8)
        meta = {**ws.meta, WRITE_KEY: write_id}
        # rows, meta keys or tabs added land where Google puts them: no kept read after
        known = not (tabs or new_rows or self._ids_dirty) and all(
            k in self._meta_rows for k in meta
        )
        reqs += self._meta_requests(meta, ids)
        body: dict[str, Any] = {"requests": reqs}
        ranges = [row_range(p.src + 1, len(table.headers)) for p in planned]
        if ranges:
            body |= {
                "includeSpreadsheetInResponse": True,
                "responseRanges": ranges,
                "responseIncludeGridData": True,
            }
        resp = self.client.batch_update(
            body,
            fields=RESPONSE_FIELDS,
            applied=lambda: self._written(write_id),
            unsettled=lambda: self._keep_pending(write_id),
        )
        self._ids_dirty = False
        result.appended = len(new_rows)
        after = rows_back(resp, reg, len(ranges)) if resp is not None else None
        if after is None:  # cannot tell where the rows landed: check by reading again
            wrong = planned
        else:
            wrong = [
                p for p, row in zip(planned, after, strict=True) if not self._own(p, row, table)
            ]
        result.updated = len(planned) - len(wrong)
        if wrong:
            logger.warning(
                "%d of %d updated rows not confirmed (moved by staff meanwhile?); repairing",
                len(wrong),
                len(planned),
            )
            placed = self._repair(table, planned, new_rows, reg, result)
            result.updated = placed
        for reason in result.skipped:
            logger.warning("register update skipped: %s", reason)
        if known and after is not None and not wrong and not result.skipped:
            landed = {p.src: row for p, row in zip(planned, after, strict=True)}
            self._after_write(landed, ws.meta, write_id)  # change detection (issue 19)
        else:
            self._seen = None
        return result

    def _cells(self, values: dict[str, str], table: Table, i: int) -> dict[int, str]:
        """The cells one update may write, by column: never staff columns, intake
        columns only where the read found them empty."""
        out: dict[int, str] = {}
        for name, v in values.items():
            kind = self._kinds.get(name)
            if kind is None or name not in table.cols:
                logger.warning(
                    "row %d: column %r is not in the register; value dropped", i + 2, name
                )
                continue
            c = table.cols[name]
            if kind == "staff":
                logger.warning("row %d: refusing to write staff column %r", i + 2, name)
                continue
            if kind == "intake" and table.rows[i][c].strip():
                continue
            out[c] = text(v)
        return out

    def _staff_cells(self, staff: dict[str, str], table: Table, i: int) -> dict[int, str]:
        """A decision by email reply: staff cells written on a person's behalf, only
        where the read found them empty (what staff typed always wins)."""
        out: dict[int, str] = {}
        for name, v in staff.items():
            c = table.cols.get(name)
            if c is None or self._kinds.get(name) != "staff":
                logger.warning(
                    "row %d: %r is not a staff column; decision value dropped", i + 2, name
                )
                continue
            if not table.rows[i][c].strip():
                out[c] = text(v)
        return out

    def _new_row(self, values: dict[str, str], table: Table) -> list[str]:
        row = [""] * len(table.headers)
        for name, v in values.items():
            c = table.cols.get(name)
            if c is None or name not in self._kinds:
                logger.warning("new row: column %r is not in the register; value dropped", name)
                continue
            row[c] = text(v)
        return row

    def _grow(self, reg: int, table: Table, n: int) -> list[dict]:
        """Rows for new complaints, added before the grid runs out, with their
        dropdowns: rows that appendCells adds by itself would have none."""
        used = len(table.rows) + 1
        if not table.grid_rows or used + n + GROW_MARGIN <= table.grid_rows:
            return []
        start, end = table.grid_rows, table.grid_rows + max(GROW_ROWS, n)
        reqs: list[dict] = [
            {"appendDimension": {"sheetId": reg, "dimension": "ROWS", "length": end - start}}
        ]
        for c in self.layout.columns:
            if c.choices and c.name in table.cols:
                j = table.cols[c.name]
                reqs.append(
                    {
                        "setDataValidation": {
                            "range": cells_range(reg, start, end, j, j + 1),
                            "rule": list_rule(c.choices),
                        }
                    }
                )
        # Google keeps formats per cell: without TEXT a phone number staff type in a
        # grown row (0812..., +62...) becomes a number
        reqs.append(
            {
                "repeatCell": {
                    "range": cells_range(reg, start, end, 0, len(table.headers)),
                    "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
        logger.info("register grid grown from %d to %d rows", start, end)
        return reqs

    def _identity_cols(self, table: Table, planned: list[Planned]) -> list[int]:
        written = {c for p in planned for c in p.cells}
        return [
            c for n, c in table.cols.items() if self._kinds.get(n) == "intake" and c not in written
        ]

    def _own(self, p: Planned, row: list[str], table: Table) -> bool:
        """Is the row the write landed on the update's own row?"""
        tc = table.cols[C.TICKET]
        if p.upd.ticket:
            return at(row, tc).strip() == p.upd.ticket.strip()
        for n, c in table.cols.items():
            own = self._kinds.get(n) == "intake" and c not in p.cells
            if own and at(row, c) != table.rows[p.src][c]:
                return False
        return True

    def _repair(
        self,
        table: Table,
        planned: list[Planned],
        new_rows: list[list[str]],
        reg: int,
        result: WriteResult,
    ) -> int:
        """Read again and put every row right: victims get their read-time system
        cells back, each update goes to its ticket's current row. Returns how many
        updates are in place."""
        tc = table.cols[C.TICKET]
        written = sorted({c for p in planned for c in p.cells})
        ident = self._identity_cols(table, planned)
        assigned = {p.cells[tc] for p in planned if not p.upd.ticket and tc in p.cells}
        appended = {r[tc] for r in new_rows if r[tc]}
        by_ticket = {table.ticket(i): i for i in range(len(table.rows)) if table.ticket(i)}
        by_ident: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(table.rows)):
            key = tuple(table.rows[i][c] for c in ident)
            if any(key):
                by_ident.setdefault(key, []).append(i)
        plan_of = {p.src: p for p in planned}
        placed: set[int] = set()
        for _round in range(REPAIR_ROUNDS):
            (regs,) = self.client.batch_get([quote_tab(REGISTER_TAB)], "membaca ulang register")
            fresh = scan(regs.get("values") or [], self.layout, f"Google Sheet {self.key}")
            if fresh.cols != table.cols:
                logger.error("register columns moved during the write; repair not possible")
                result.skipped.append(
                    "kolom register dipindah saat sedang ditulis; periksa baris yang baru diubah"
                )
                return 0
            reqs, checks = [], []
            placed = set()
            for j in range(len(fresh.rows)):
                if fresh.blank(j):
                    continue
                t = fresh.ticket(j)
                if t in appended:
                    continue
                src = None
                if t and t not in assigned and t in by_ticket:
                    src = by_ticket[t]
                else:
                    cands = by_ident.get(tuple(fresh.rows[j][c] for c in ident), [])
                    src = cands[0] if len(cands) == 1 else None
                if src is None:
                    # a row the read did not see (typed meanwhile) or edited meanwhile:
                    # if one of our writes landed on it, take that back
                    row = fresh.rows[j]
                    hit = next(
                        (
                            p
                            for p in planned
                            if p.cells and all(row[c] == v for c, v in p.cells.items())
                        ),
                        None,
                    )
                    if hit is None:
                        continue
                    want = {c: "" for c in hit.cells}
                else:
                    want = {c: table.rows[src][c] for c in written}
                    p = plan_of.get(src)
                    if p is not None:
                        want.update(p.cells)
                        placed.add(src)
                diff = {c: v for c, v in want.items() if fresh.rows[j][c] != v}
                if diff:
                    reqs += row_requests(reg, j + 1, diff)
                    expect = want.get(tc, fresh.rows[j][tc])
                    checks.append((j, expect, [fresh.rows[j][c] for c in ident]))
            if not reqs:
                break
            body = {
                "requests": reqs,
                "includeSpreadsheetInResponse": True,
                "responseRanges": [row_range(j + 1, len(table.headers)) for j, _, _ in checks],
                "responseIncludeGridData": True,
            }
            resp = self.client.batch_update(
                body, fields=RESPONSE_FIELDS, what="memperbaiki register"
            )
            back = rows_back(resp or {}, reg, len(checks))
            if back is not None and all(
                at(row, tc).strip() == expect.strip() and [at(row, c) for c in ident] == idents
                for (_, expect, idents), row in zip(checks, back, strict=True)
            ):
                break
        else:
            logger.error(
                "rows kept moving during %d repairs; some system cells may be on the wrong "
                "row until staff stop moving rows: check the rows updated at this time",
                REPAIR_ROUNDS,
            )
            result.skipped.append(
                "register terus diubah selama penulisan; periksa baris yang baru diperbarui"
            )
        for p in planned:
            if p.src not in placed:
                name = p.upd.ticket or f"baris {p.src + 2} tanpa No. Aduan"
                result.skipped.append(f"{name}: baris tidak ditemukan lagi (dihapus?)")
        return len(placed)

    # ---------------------------------------------------------- report tabs
    def write_tab(self, title: str, rows: list[list[str]], sheet: TabSheet | None = None) -> None:
        """Create or replace a whole tab's values (as text) in one batchUpdate. With
        ``sheet``: formatted, numbers as numbers, native charts (issue 22)."""
        if title in OWN_TABS:
            raise RegisterError(
                f"tab '{title}' milik register; tidak boleh ditimpa", permanent=True
            )
        if not title or len(title) > 100 or any(ch in title for ch in "[]:*?/\\"):
            raise RegisterError(f"nama tab tidak sah: {title!r}", permanent=True)
        meta = self.client.metadata("sheets.properties(sheetId,title,gridProperties)")
        sheets = {s["properties"]["title"]: s["properties"] for s in meta["sheets"]}
        nrows = max(len(rows), 1)
        ncols = max([len(r) for r in rows] + [1])
        reqs: list[dict] = []
        if sheet is not None:
            # a fresh tab in the same batch: the old one's charts and formats go with it
            if title in sheets:
                reqs.append({"deleteSheet": {"sheetId": sheets[title]["sheetId"]}})
            sid = new_sheet_id()
            grid = {"rowCount": max(nrows, 100), "columnCount": max(sheet.width, 26)}
            reqs.append(add_sheet({"sheetId": sid, "title": title, "gridProperties": grid}))
            reqs += tab_requests(sid, sheet)
            self.client.batch_update(
                {"requests": reqs}, fields="spreadsheetId", what=f"menulis tab {title}"
            )
            return
        if title in sheets:
            props = sheets[title]
            sid = props["sheetId"]
            grid = props["gridProperties"]
            if grid["rowCount"] < nrows or grid["columnCount"] < ncols:
                size = {
                    "rowCount": max(grid["rowCount"], nrows),
                    "columnCount": max(grid["columnCount"], ncols),
                }
                reqs.append(
                    {
                        "updateSheetProperties": {
                            "properties": {"sheetId": sid, "gridProperties": size},
                            "fields": "gridProperties(rowCount,columnCount)",
                        }
                    }
                )
            # stale cells of a longer old recap must not survive
            reqs.append(clear_values(sid))
        else:
            sid = new_sheet_id()
            grid = {"rowCount": max(nrows, 100), "columnCount": max(ncols, 26)}
            props = {"sheetId": sid, "title": title, "gridProperties": grid}
            reqs.append(add_sheet(props))
        reqs.append(update_rows(sid, rows))
        self.client.batch_update(
            {"requests": reqs}, fields="spreadsheetId", what=f"menulis tab {title}"
        )

    # ---------------------------------------------------- unconfirmed writes
    def _keep_pending(self, write_id: str) -> None:
        """Remember a write whose answer was lost: the next run decides from the marker."""
        if self.pending_file is None:
            return
        data = {"write_id": write_id, "at": self.clock(), "spreadsheet": self.key}
        atomic.write_atomic(self.pending_file, json.dumps(data))
        logger.warning("write %s unconfirmed; the next run checks the _aduan marker", write_id)

    def _settle(self) -> None:
        """Before writing: did the last run's unconfirmed batch land (its marker is in
        the read)? Landed or surely lost: go on. Maybe still in flight: do not write."""
        if self.pending_file is None or not self.pending_file.exists():
            return
        try:
            data = json.loads(self.pending_file.read_text(encoding="utf-8"))
            write_id, at = str(data["write_id"]), float(data["at"])
        except (OSError, ValueError, KeyError, TypeError):
            logger.warning("unreadable %s; ignored", self.pending_file)
            self.pending_file.unlink(missing_ok=True)
            return
        if self._last_write == write_id:
            logger.info("the unconfirmed write %s of an earlier run did land", write_id)
        elif self.clock() - at < SETTLE_S:
            wait = int((SETTLE_S - (self.clock() - at)) // 60) + 1
            raise RegisterError(
                "penulisan register siklus sebelumnya belum terlihat di Google Sheet; "
                f"siklus ini tidak menulis agar tidak ganda (diperiksa lagi, paling lama "
                f"{wait} menit lagi)",
                permanent=False,
            )
        else:
            logger.warning("the unconfirmed write %s never landed; writing afresh", write_id)
        self.pending_file.unlink(missing_ok=True)

    def _written(self, write_id: str) -> bool:
        """Did the write marked ``write_id`` land? (Its batch sets that meta cell.)"""
        try:
            (metas,) = self.client.batch_get([quote_tab(META_TAB)], "memeriksa penulisan")
        except RegisterError as e:
            # unknown whether the batch landed: neither retry nor claim success
            raise RegisterError(
                f"hasil penulisan ke Google Sheet tidak diketahui ({e}); "
                "diperiksa pada siklus berikutnya",
                permanent=False,
            ) from None
        for row in metas.get("values") or []:
            if len(row) > 1 and str(row[0]).strip() == WRITE_KEY:
                return str(row[1]) == write_id
        return False
