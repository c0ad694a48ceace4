"""What the Sheets register keeps between its read and its write: the client, the
layout, the table as read, and the hidden ``_aduan`` tab (meta and the cached tab
ids a write needs, so a steady cycle asks for no metadata)."""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aduan.config import GoogleRegister
from aduan.core.layout import (
    GUIDE_TAB,
    HISTORY_HEADERS,
    HISTORY_TAB,
    META_TAB,
    REGISTER_TAB,
    Layout,
)
from aduan.errors import RegisterError
from aduan.register.sheets.batch import append, row_requests, text
from aduan.register.sheets.client import SheetsClient
from aduan.register.sheets.table import Table
from aduan.register.snapcache import SnapshotCache, Stamp
from aduan.support.retry import Policy

if TYPE_CHECKING:
    import gspread
    from google.auth.credentials import Credentials

__all__ = [
    "ID_KEY",
    "META_HEADERS",
    "OWN_TABS",
    "TAB_COLUMNS",
    "WRITE_KEY",
    "SheetsState",
    "grid_of",
    "new_sheet_id",
]

logger = logging.getLogger(__name__)

META_HEADERS = ["key", "value"]
ID_KEY = "sheet_id:"  # _aduan rows caching tab ids; not shown to the engine
WRITE_KEY = "write:last"  # _aduan row: the id of the last write batch; not shown either
OWN_TABS = (REGISTER_TAB, HISTORY_TAB, GUIDE_TAB, META_TAB)


#: the width each own tab needs: Google counts every cell of a grid against its
#: 10-million-cell limit, and its default is 26 columns (issue 18)
TAB_COLUMNS = {HISTORY_TAB: len(HISTORY_HEADERS), META_TAB: len(META_HEADERS), GUIDE_TAB: 4}


def grid_of(title: str, rows: int = 100) -> dict[str, int]:
    """gridProperties for a new own tab: as wide as its columns, ``rows`` high (the
    history grows by appendCells, which adds rows as needed)."""
    return {"rowCount": max(rows, 1), "columnCount": TAB_COLUMNS[title]}


def new_sheet_id(used: set[int] | None = None) -> int:
    """A random sheetId for a new tab (not one of ``used``)."""
    while (sid := random.randrange(10**8, 2 * 10**9)) in (used or ()):
        pass
    if used is not None:
        used.add(sid)
    return sid


class SheetsState:
    """The register's state; the read, write and setup concerns build on it.

    ``conf`` is the register section of the settings; ``credentials`` (or a
    factory of them) and ``identity`` come from :mod:`aduan.run.wiring`, which
    builds them with :mod:`aduan.google.auth`. ``client`` is a ready gspread
    Client (tests pass one talking to a local server). ``extra_tabs``: other tabs
    of this spreadsheet ``read()`` fetches in the same request (Snapshot.extra).
    ``snapshot_file``: change detection on (:mod:`aduan.register.sheets.read`)."""

    def __init__(
        self,
        conf: GoogleRegister,
        layout: Layout,
        *,
        credentials: Credentials | Callable[[], Credentials] | None = None,
        identity: str | Callable[[], str] = "",
        client: gspread.Client | None = None,
        extra_tabs: Sequence[str] = (),
        retries: int | None = None,
        backoff_s: float = 1.0,
        max_backoff_s: float = 32.0,
        sleep: Callable[[float], None] = time.sleep,
        pending_file: Path | None = None,
        clock: Callable[[], float] = time.time,
        snapshot_file: Path | None = None,
    ) -> None:
        self.conf = conf
        self.key: str = conf.spreadsheet_id
        self.layout = layout
        self.retries = retries if retries is not None else conf.retries
        policy = Policy(attempts=self.retries, base_s=backoff_s, max_s=max_backoff_s, sleep=sleep)
        self.client = SheetsClient(
            self.key,
            credentials=credentials,
            identity=identity,
            client=client,
            timeout_s=conf.timeout_s,
            policy=policy,
        )
        self._kinds = {c.name: c.kind for c in layout.columns}
        self._ids: dict[str, int] = {}  # tab title -> sheetId, from the _aduan cache
        self._ids_dirty = False  # fetched this run: persist with the next write
        self._meta_rows: dict[str, int] = {}  # meta key -> 0-based row in _aduan
        self._meta_tab = False
        self._table: Table | None = None
        self.extra_tabs: list[str] = list(extra_tabs)
        # a write whose outcome is unknown, kept on disk for the next run (issue 18)
        self.pending_file = pending_file
        self.clock = clock
        self._last_write = ""  # the _aduan write marker as read
        # change detection (issue 19): the last read and the agenda, by Drive version
        scope = "\x1f".join(["sheets", self.key, *self.extra_tabs])
        self._cache = SnapshotCache(snapshot_file, layout.headers, scope) if snapshot_file else None
        self._seen: Stamp | None = None  # the Drive stamp the last read is of
        self._fresh: Stamp | None = None  # a stamp just asked for, for the read that follows
        self._kept: object = None  # that read as kept (read.Kept)
        self.last_read_cached = False

    @property
    def service_account_email(self) -> str:
        """The identity the sheet must be shared with ("" if unknown)."""
        return self.client.identity

    def close(self) -> None:
        """Close the HTTP session."""
        self.client.close()

    # ------------------------------------------------------------ _aduan
    def _load_meta(self, values: list[list[Any]]) -> dict[str, str]:
        meta: dict[str, str] = {}
        self._meta_rows = {}
        self._ids = {}
        for r, row in enumerate(values):
            cells = [str(v) for v in row] + ["", ""]
            key = cells[0].strip()
            if not key or cells[:2] == META_HEADERS:
                continue
            self._meta_rows.setdefault(key, r)
            if key.startswith(ID_KEY):
                with contextlib.suppress(ValueError):
                    self._ids[key[len(ID_KEY) :]] = int(cells[1])
            elif key == WRITE_KEY:
                self._last_write = cells[1].strip()
            else:
                meta[key] = cells[1]
        return meta

    def _meta_requests(self, meta: dict[str, str], ids: dict[str, int]) -> list[dict]:
        items = dict(meta)
        if self._ids_dirty:
            items |= {f"{ID_KEY}{t}": str(i) for t, i in ids.items()}
        if not items:
            return []
        sid = ids[META_TAB]
        reqs, new = [], []
        for k, v in items.items():
            r = self._meta_rows.get(k)
            if r is None:
                new.append([k, v])
            else:
                reqs += row_requests(sid, r, {1: text(v)})
        if new:
            if not self._meta_tab and not self._meta_rows:
                new.insert(0, META_HEADERS)
            reqs.append(append(sid, new))
        return reqs

    def _missing_tab_requests(self, ids: dict[str, int]) -> list[dict]:
        """addSheet for Riwayat or _aduan when staff deleted them (the register must exist)."""
        if REGISTER_TAB not in ids:
            raise RegisterError(
                f"Google Sheet {self.key}: tab '{REGISTER_TAB}' tidak ditemukan; "
                "jalankan `aduan init`",
                permanent=True,
            )
        reqs = []
        for title, header, hidden in (
            (HISTORY_TAB, HISTORY_HEADERS, False),
            (META_TAB, META_HEADERS, True),
        ):
            if title in ids:
                continue
            sid = new_sheet_id()
            ids[title] = sid
            self._ids_dirty = True
            props = {
                "sheetId": sid,
                "title": title,
                "hidden": hidden,
                "gridProperties": grid_of(title),
            }
            reqs.append({"addSheet": {"properties": props}})
            reqs.append(append(sid, [header]))
            if title == META_TAB:
                self._meta_rows, self._meta_tab = {}, True
            logger.warning("tab %r was missing; recreated", title)
        return reqs
