"""Reading the register: rows, meta and extra tabs in one ``values:batchGet``;
another tab (of this spreadsheet or another) for the online form.

Change detection (issue 19, with a snapshot file): before the batchGet, one Drive
``files.get(fields=modifiedTime,version)``. Drive counts every change to the file in
``version``; while it is the one the last read saw, that read (its snapshot and the
table the write plans against, :mod:`aduan.register.snapcache`) is the register, and
no batchGet is needed — nor anything but the agenda in a steady cycle.

Our own write changes the version too. Right after a write, one more ``files.get``:
when the version is exactly one more than the read's, the batch was the only change
since that read, and the kept read is brought up to date with the rows the batch
answered with (they are the rows as the batch left them). Any other version means
someone else changed the sheet too (a staff edit between our read and the check,
even one landing after our write): the next read is a full one. Kept only after a
write of updates to known rows and meta keys; one that appends rows, meta keys or
tabs (positions Google chooses) leaves the next read a full one. Google's ``version``
is documented to reflect every change to the file; should it ever move by more than
one for one batch, the only cost is a full read.

The stamp is always asked for *before* the values it tags are read: a change in
between makes the next stamp differ, never the reverse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aduan.core.engine.agenda import Agenda
from aduan.core.layout import META_TAB, REGISTER_TAB
from aduan.core.model import Row, Snapshot
from aduan.errors import RegisterError
from aduan.register.sheets.batch import grid_rows, quote_tab
from aduan.register.sheets.state import SheetsState
from aduan.register.sheets.table import Table, scan
from aduan.register.snapcache import Stamp

__all__ = ["Kept", "SheetsReader"]

logger = logging.getLogger(__name__)


@dataclass
class Kept:
    """One read as change detection keeps it: the snapshot and what the write needs."""

    snap: Snapshot
    table: Table
    meta_rows: dict[str, int]
    ids: dict[str, int]
    last_write: str
    meta_tab: bool


class SheetsReader(SheetsState):
    """The read side of the Sheets register."""

    def read(self) -> Snapshot:
        """Rows, meta and the extra tabs (``extra_tabs``, e.g. an online form's
        responses) in one ``values:batchGet``; blank rows skipped, indices kept.
        With change detection, the kept read when Drive's version is the one it saw."""
        self.last_read_cached = False
        stamp = self._stamp()
        kept = self._cache.get(stamp) if self._cache is not None and stamp else None
        if isinstance(kept, Kept):
            self._restore(kept)
            self.last_read_cached, self._seen = True, stamp
            return kept.snap
        self._seen = None
        snap = self._read_values()
        if stamp is not None:
            self._keep(stamp, snap)
        return snap

    # ------------------------------------------------- steady cycles (issue 19)
    def read_agenda(self) -> Agenda | None:
        """The agenda kept for the sheet as it is now (one ``files.get``), or None."""
        self.last_read_cached, self._fresh = False, None
        stamp = self._stamp()
        if self._cache is None or stamp is None:
            return None
        agenda = self._cache.get_agenda(stamp)
        if agenda is None:
            self._fresh = stamp  # for the read() the cycle makes at once
            return None
        # a write of this cycle plans against the read kept for this stamp (_from_seen)
        self.last_read_cached, self._seen, self._table = True, stamp, None
        return agenda

    def keep_agenda(self, agenda: Agenda) -> None:
        """Keep ``agenda`` for the sheet as the last read saw it (the cycle wrote nothing)."""
        if self._cache is not None and self._seen is not None:
            self._cache.put_agenda(self._seen, agenda)

    def drop_agenda(self) -> None:
        if self._cache is not None:
            self._cache.drop_agenda()

    def _from_seen(self) -> bool:
        """Restore the kept read of the stamp last seen (an agenda's): no request."""
        kept = self._cache.get(self._seen) if self._cache is not None and self._seen else None
        if isinstance(kept, Kept):
            self._restore(kept)
            return True
        return False

    def _stamp(self) -> Stamp | None:
        """Drive's stamp of the sheet now (or the one just asked for); None without change
        detection or when Drive does not answer (then the read is a full one)."""
        if self._cache is None:
            return None
        stamp, self._fresh = self._fresh, None
        if stamp is not None:
            return stamp
        try:
            return self.client.drive_stamp()
        except RegisterError as e:
            logger.warning("Google Sheet %s: change detection unavailable (%s)", self.key, e)
            return None

    def _keep(self, stamp: Stamp, snap: Snapshot) -> None:
        assert self._table is not None
        kept = Kept(snap, self._table, self._meta_rows, self._ids, self._last_write, self._meta_tab)
        self._cache_put(stamp, kept)

    def _cache_put(self, stamp: Stamp, kept: Kept) -> None:
        if self._cache is not None:
            self._cache.put(stamp, kept)
            self._seen, self._kept = stamp, kept

    def _restore(self, kept: Kept) -> None:
        self._table, self._meta_rows, self._ids = kept.table, kept.meta_rows, kept.ids
        self._last_write, self._meta_tab, self._kept = kept.last_write, kept.meta_tab, kept

    def _after_write(self, rows: dict[int, list[str]], meta: dict[str, str], write_id: str) -> None:
        """A write landed as planned (updates of known rows and meta keys only): keep the
        read brought up to date when Drive shows that write and nothing else.

        ``rows``: data row -> the row as the batch answered with it."""
        seen, kept = self._seen, self._kept
        self._seen = None  # until proven otherwise, what the read saw is gone
        if self._cache is None or seen is None or not isinstance(kept, Kept):
            return
        try:
            now = self.client.drive_stamp()
        except RegisterError as e:
            logger.warning("Google Sheet %s: version after the write unknown (%s)", self.key, e)
            return
        if now[0] != int(seen[0]) + 1:
            logger.info("Google Sheet %s changed besides our write; next read is full", self.key)
            return
        table = kept.table
        for i, got in rows.items():
            width = len(table.headers)
            table.rows[i][:width] = (got + [""] * width)[:width]
        values = {**kept.snap.meta, **meta}
        snap = Snapshot(
            headers=table.headers,
            rows=[Row(i, table.values(i)) for i in range(len(table.rows)) if not table.blank(i)],
            meta=values,
            problems=kept.snap.problems,
            extra=kept.snap.extra,
        )
        self._last_write = write_id
        self._cache_put(now, Kept(snap, table, self._meta_rows, self._ids, write_id, True))

    def _read_values(self) -> Snapshot:
        """The batchGet itself."""
        extra = list(self.extra_tabs)
        try:
            regs, metas, *more = self.client.batch_get(
                [quote_tab(t) for t in (REGISTER_TAB, META_TAB, *extra)]
            )
            self._meta_tab = True
        except RegisterError as e:
            if "Unable to parse range" not in str(e):
                raise
            # a tab is missing (rare: renamed or deleted); find out which
            titles = self.client.titles()
            if REGISTER_TAB not in titles:
                raise RegisterError(
                    f"Google Sheet {self.key}: tab '{REGISTER_TAB}' tidak ditemukan (tab "
                    "missing); jalankan `aduan init` atau kembalikan nama tabnya",
                    permanent=True,
                ) from None
            self._meta_tab = META_TAB in titles
            extra = [t for t in extra if t in titles]  # the reader of a missing one reports it
            tabs = [REGISTER_TAB, *([META_TAB] if self._meta_tab else []), *extra]
            regs, *rest = self.client.batch_get([quote_tab(t) for t in tabs])
            metas = rest.pop(0) if self._meta_tab else {}
            more = rest
        table = scan(regs.get("values") or [], self.layout, f"Google Sheet {self.key}")
        table.grid_rows = grid_rows(regs.get("range", ""))
        self._table = table
        meta = self._load_meta(metas.get("values") or [])
        rows = [Row(i, table.values(i)) for i in range(len(table.rows)) if not table.blank(i)]
        return Snapshot(
            headers=table.headers,
            rows=rows,
            meta=meta,
            problems=table.problems,
            extra={t: got.get("values") or [] for t, got in zip(extra, more, strict=True)},
        )

    def read_tab(self, tab: str, spreadsheet_id: str = "") -> list[list[Any]]:
        """Rows of one tab, header first (FORMATTED_VALUE, ROWS), from this
        spreadsheet or another one with the same credentials and HTTP session:
        one ``values:batchGet``. Failures are RegisterError."""
        (got,) = self.client.batch_get(
            [quote_tab(tab)], f"membaca tab '{tab}'", spreadsheet_id=spreadsheet_id or self.key
        )
        return list(got.get("values") or [])
