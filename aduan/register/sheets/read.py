"""Reading the register: rows, meta and extra tabs in one ``values:batchGet``;
another tab (of this spreadsheet or another) for the online form."""

from __future__ import annotations

from typing import Any

from aduan.core.layout import META_TAB, REGISTER_TAB
from aduan.core.model import Row, Snapshot
from aduan.errors import RegisterError
from aduan.register.sheets.batch import grid_rows, quote_tab
from aduan.register.sheets.state import SheetsState
from aduan.register.sheets.table import scan

__all__ = ["SheetsReader"]


class SheetsReader(SheetsState):
    """The read side of the Sheets register."""

    def read(self) -> Snapshot:
        """Rows, meta and the extra tabs (``extra_tabs``, e.g. an online form's
        responses) in one ``values:batchGet``; blank rows skipped, indices kept."""
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
