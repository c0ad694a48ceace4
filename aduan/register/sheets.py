"""The Google Sheets register: the office's shared sheet, through gspread.

Cost per cycle, whatever the number of rows:

* ``read()`` is ONE ``values:batchGet`` of the *Register Aduan* tab and the hidden
  ``_aduan`` tab (meta). Ranges are A1 titles, so no metadata request is needed;
  the tab ids a write needs are cached in ``_aduan`` (``sheet_id:<tab>`` rows,
  hidden from the engine) and come back with that same read.
* ``write()`` is ONE ``spreadsheets:batchUpdate``: ``updateCells`` for the rows
  that changed, ``appendCells`` for new complaints and for *Riwayat*,
  ``updateCells``/``appendCells`` for meta. Google applies a batchUpdate
  atomically, so a run killed mid-write leaves all of it or none of it. Every
  value is a ``stringValue`` (RAW): ``=IMPORTXML(...)``, ``+62812...``, ``0812``
  stay text.

Staff edit the sheet while a run is in progress; the API has no conditional
write, so positions taken from the read can be stale by the time the write lands
(a sort, an inserted or deleted row). The design is *write, verify, repair*:

1. the batchUpdate asks for the written rows back, as they are right after the
   batch (``includeSpreadsheetInResponse`` + ``responseRanges``): a check that
   costs no extra request and sees the sheet at the very moment of the write,
   which a re-read before writing cannot (its answer is stale again by the time
   the write arrives);
2. each written row must still be its own: the ticket cell (never written for a
   row that has one) equals the update's ticket; a row staff typed in (no ticket
   yet) must still hold the intake cells read. Staff columns are never in a
   written range (cells are written column run by column run), so what staff
   type meanwhile is never overwritten; new complaints are appended after the
   last row with data by the server, so a row staff add at the bottom meanwhile
   is never overwritten either;
3. only when a row was not its own (rare: staff moved rows in the second between
   read and write) the register is read again and every row is put right:
   a row that received someone else's values gets its read-time system cells
   back, each update is written to wherever its ticket is now, an update whose
   row was deleted is reported as skipped. Repairs are verified the same way,
   at most ``REPAIR_ROUNDS`` times; staff would have to move rows again before
   every one of them to defeat it, and then the rows left wrong are logged as an
   error and reported in ``WriteResult.skipped``.

So the steady cycle costs one read and one write; a race costs one more of each.

Errors: 429 and 5xx (and dropped connections) are retried with bounded
exponential backoff, then raised as a transient :class:`RegisterError`; 403 is
permanent and names the service-account email to share the sheet with; 404
names the spreadsheet id. The key file's content is never logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from aduan.core.layout import (
    GUIDE_TAB,
    HISTORY_HEADERS,
    HISTORY_TAB,
    META_TAB,
    REGISTER_TAB,
    C,
    Layout,
)
from aduan.core.model import Row, RowUpdate, Snapshot, WriteSet
from aduan.errors import ConfigError, RegisterError
from aduan.register.base import (
    WriteResult,
    guide_rows,
    locate_updates,
    map_headers,
    missing_message,
)

if TYPE_CHECKING:
    from aduan.config import Settings

__all__ = ["SheetsRegister", "a1_col", "quote_tab"]

logger = logging.getLogger(__name__)

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
RETRY_CODES = frozenset({408, 429, 500, 502, 503, 504})
MAX_CELL = 50_000  # Google refuses longer cell text
TRUNCATED = " …[dipotong]"
META_HEADERS = ["key", "value"]
ID_KEY = "sheet_id:"  # _aduan rows caching tab ids; not shown to the engine
WRITE_KEY = "write:last"  # _aduan row: the id of the last write batch; not shown either
REPAIR_ROUNDS = 3
GROW_ROWS = 1000  # rows added to the register at a time, with their dropdowns
GROW_MARGIN = 50
DONE_STATUSES = ("Selesai", "Disalurkan")
OWN_TABS = (REGISTER_TAB, HISTORY_TAB, GUIDE_TAB, META_TAB)
PROTECT_NOTE = "Aduan: kolom sistem, diisi otomatis"
PROTECT_HEADER = "Aduan: judul kolom, jangan diubah"
PROTECT_LOG = "Aduan: riwayat, hanya ditambah sistem"
PIXELS_PER_WIDTH = 7  # layout widths are Excel characters

COLOURS = {  # header fill per column kind, as in the xlsx register
    "system": (0.85, 0.85, 0.85),
    "hidden": (0.85, 0.85, 0.85),
    "intake": (0.87, 0.92, 0.97),
    "staff": (0.89, 0.94, 0.85),
}
RED, GREY = (0.97, 0.80, 0.68), (0.93, 0.93, 0.93)

T = TypeVar("T")


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


def _text(value: Any) -> str:
    """A value as the text written to a cell (Google's 50,000-character limit)."""
    text = "" if value is None else str(value)
    if len(text) > MAX_CELL:
        logger.warning("cell text of %d characters truncated to %d", len(text), MAX_CELL)
        text = text[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
    return text


def _cell(value: Any) -> dict:
    """CellData for a text value; empty clears the cell under a userEnteredValue mask."""
    text = _text(value)
    return {"userEnteredValue": {"stringValue": text}} if text else {}


def _rgb(colour: tuple[float, float, float]) -> dict:
    return dict(zip(("red", "green", "blue"), colour, strict=True))


# ------------------------------------------------------------------ the table
@dataclass
class _Table:
    """The Register Aduan tab as text, as one read saw it."""

    headers: list[str]
    cols: dict[str, int]  # layout header -> 0-based column (first occurrence)
    rows: list[list[str]]  # rows[i] is sheet row i + 2, padded to the header width
    names: list[str]
    problems: list[str] = field(default_factory=list)
    grid_rows: int = 0  # the tab's row count, from the range Google answered with (0: unknown)

    def values(self, i: int) -> dict[str, str]:
        row = self.rows[i]
        out = {n: row[c] for n, c in self.cols.items()}
        if len(out) < len(self.names):
            out.update((n, "") for n in self.names if n not in out)
        return out

    def blank(self, i: int) -> bool:
        return not any(v.strip() for v in self.rows[i])

    def ticket(self, i: int) -> str:
        return self.rows[i][self.cols[C.TICKET]].strip()


def _extra_tabs(settings: Settings) -> list[str]:
    """An online form's responses tab when it lives in the register's spreadsheet."""
    forms, key = getattr(settings, "forms", None), settings.register_.spreadsheet_id
    if forms and forms.tab and not forms.file and forms.spreadsheet_id in ("", key):
        return [forms.tab]
    return []


def _scan(values: list[list[Any]], layout: Layout, where: str) -> _Table:
    """Find the layout's columns by header; a missing non-staff header is an error."""
    text = [["" if v is None else str(v) for v in r] for r in values]
    headers = [h.strip() for h in text[0]] if text else []
    cols, problems = map_headers(headers, layout, where)
    width = max([len(headers), *(len(r) for r in text)]) if text else 0
    rows = [r + [""] * (width - len(r)) for r in text[1:]]
    found = {n: cols[n] for n in layout.headers if n in cols}
    return _Table(headers, found, rows, layout.headers, problems)


@dataclass
class _Planned:
    """One update as written: its data row and the cells (column -> text)."""

    upd: RowUpdate
    src: int  # the data row it belongs to in the read
    cells: dict[int, str]


# ------------------------------------------------------------------ the register
class SheetsRegister:
    """A register kept in a Google Sheet (see :class:`aduan.register.base.Register`).

    ``client`` is a ready gspread Client (tests pass one talking to a local
    server); without it the service-account key named in the settings is used.
    """

    def __init__(
        self,
        settings: Settings,
        layout: Layout,
        *,
        client: Any = None,
        retries: int | None = None,
        backoff_s: float = 1.0,
        max_backoff_s: float = 32.0,
    ) -> None:
        conf = settings.register_
        self.key: str = conf.spreadsheet_id
        self.layout = layout
        self._settings = settings
        self._kinds = {c.name: c.kind for c in layout.columns}
        self._client = client
        self._email = ""
        self.retries = retries if retries is not None else conf.retries
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self._sleep = time.sleep
        self._ids: dict[str, int] = {}  # tab title -> sheetId, from the _aduan cache
        self._ids_dirty = False  # fetched this run: persist with the next write
        self._meta_rows: dict[str, int] = {}  # meta key -> 0-based row in _aduan
        self._meta_tab = False
        self._table: _Table | None = None
        #: other tabs of this spreadsheet read() fetches in the same request (Snapshot.extra)
        self.extra_tabs: list[str] = _extra_tabs(settings)

    # ------------------------------------------------------------ connection
    @property
    def service_account_email(self) -> str:
        """The identity the sheet must be shared with, from the key file ("" if none)."""
        if not self._email:
            with contextlib.suppress(ConfigError):
                self._email = str(self._key_info().get("client_email") or "")
        return self._email

    def _connect(self) -> Any:
        if self._client is not None:
            return self._client
        import gspread
        from google.oauth2.service_account import Credentials

        google = getattr(self._settings, "google", None)
        if google is not None and google.auth == "oauth_user":
            # a plain @gmail.com office: the user's own OAuth token (aduan auth google)
            from aduan.google.auth import SHEETS_SCOPE, identity
            from aduan.google.auth import credentials as user_credentials

            self._email = identity(self._settings)
            self._client = gspread.Client(auth=user_credentials(self._settings, [SHEETS_SCOPE]))
            self._client.http_client.set_timeout(self._settings.register_.timeout_s)
            return self._client
        info = self._key_info()
        self._email = str(info.get("client_email") or "")
        try:
            creds = Credentials.from_service_account_info(info, scopes=SCOPES)
        except (ValueError, KeyError) as e:
            raise self._config_error(
                f"kunci akun layanan tidak sah ({type(e).__name__})",
                "buat kunci JSON baru di Google Cloud Console (IAM → Service Accounts → Keys)",
            ) from None
        self._client = gspread.Client(auth=creds)
        self._client.http_client.set_timeout(self._settings.register_.timeout_s)
        return self._client

    def _key_info(self) -> dict:
        """The service-account key as a dict: a file path, or an env var holding a
        path or the JSON itself. Its content never reaches a log or a message."""
        conf = self._settings.register_
        raw, where = "", ""
        if conf.credentials_env and os.environ.get(conf.credentials_env):
            raw, where = os.environ[conf.credentials_env].strip(), f"${conf.credentials_env}"
        elif conf.credentials_file:
            where = str(self._settings.path(conf.credentials_file))
        elif conf.credentials_env:
            raise self._config_error(
                f"variabel lingkungan {conf.credentials_env} tidak diisi",
                f"export {conf.credentials_env}=/path/ke/kunci-akun-layanan.json",
                key="register.credentials_env",
            )
        else:
            raise self._config_error(
                "kunci akun layanan belum diatur",
                "isi register.credentials_file (path berkas JSON) atau register.credentials_env",
                key="register.credentials_file",
            )
        if not raw.startswith("{"):
            path = self._settings.path(raw) if raw else Path(where)
            try:
                raw = path.read_text(encoding="utf-8")
            except OSError as e:
                raise self._config_error(
                    f"berkas kunci {path} tidak dapat dibaca ({e.strerror})",
                    "periksa path dan izin baca berkas",
                ) from None
            where = str(path)
        try:
            info = json.loads(raw)
        except ValueError:
            info = None
        if not isinstance(info, dict) or info.get("type") != "service_account":
            raise self._config_error(
                f"{where} bukan kunci JSON akun layanan Google",
                "unduh kunci JSON akun layanan (type: service_account)",
            )
        return info

    def _config_error(self, msg: str, fix: str, key: str = "register") -> ConfigError:
        return ConfigError(msg, file=self._settings.file or None, key=key, fix=fix)

    def _http(self) -> Any:
        return self._connect().http_client

    def close(self) -> None:
        """Close the HTTP session."""
        if self._client is not None:
            try:
                self._client.http_client.session.close()
            except Exception:  # closing must never fail a run
                logger.debug("closing the Sheets session failed", exc_info=True)

    # ------------------------------------------------------------ the edge
    def _call(
        self, what: str, fn: Callable[[], T], applied: Callable[[], bool] | None = None
    ) -> T | None:
        """Run one API call with bounded exponential backoff; errors become RegisterError.

        A write that failed with 5xx or a lost connection may still have been applied
        by Google; retrying it blindly would append rows twice. ``applied`` asks the
        sheet whether it was: then None is returned (applied, answer lost)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except (APIError, requests.ConnectionError, requests.Timeout) as e:
                code = e.code if isinstance(e, APIError) else 0
                if code and code not in RETRY_CODES:
                    raise self._translate(what, e) from None
                ambiguous = code != 429  # a 429 is refused before anything is done
                if applied is not None and ambiguous and applied():
                    logger.warning("Google Sheets %s: %s, but the write was applied", what, e)
                    return None
                if attempt >= max(1, self.retries):
                    raise self._translate(what, e) from None
                wait = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
                logger.warning("Google Sheets %s: %s; retry %d in %.1f s", what, e, attempt, wait)
                self._sleep(wait)
            except requests.RequestException as e:
                raise RegisterError(
                    f"Google Sheets: {what} gagal ({type(e).__name__})", permanent=False
                ) from None
            except GoogleAuthError as e:
                raise RegisterError(
                    f"Google menolak kunci akun layanan {self._email} ({type(e).__name__}); "
                    "periksa bahwa kunci belum dihapus dan Google Sheets API aktif di proyeknya",
                    permanent=True,
                ) from None

    def _translate(self, what: str, e: Exception) -> RegisterError:
        if isinstance(e, APIError):
            return self._api_error(what, e)
        return RegisterError(
            f"Google Sheets tidak dapat dihubungi saat {what} ({type(e).__name__}); "
            "dicoba lagi pada siklus berikutnya",
            permanent=False,
        )

    def _api_error(self, what: str, e: APIError) -> RegisterError:
        msg = str(e.error.get("message", ""))[:300]
        if e.code == 403:
            who = self.service_account_email or "akun layanan Aduan"
            return RegisterError(
                f"Google Sheet {self.key}: akses ditolak saat {what}. Bagikan spreadsheet "
                f"ke {who} sebagai Editor (tombol Bagikan/Share → {who} → Editor)",
                permanent=True,
            )
        if e.code == 404:
            return RegisterError(
                f"Google Sheet {self.key} tidak ditemukan; periksa register.spreadsheet_id "
                "(bagian alamat sesudah /d/)",
                permanent=True,
            )
        if e.code in RETRY_CODES:
            return RegisterError(
                f"Google Sheets sibuk atau terganggu saat {what} (HTTP {e.code}: {msg}) "
                f"setelah {self.retries} percobaan; dicoba lagi pada siklus berikutnya",
                permanent=False,
            )
        return RegisterError(f"Google Sheets menolak {what} (HTTP {e.code}: {msg})", permanent=True)

    def _batch_get(self, ranges: list[str], what: str = "membaca register") -> list[dict]:
        params = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
        data = self._call(what, lambda: self._http().values_batch_get(self.key, ranges, params))
        return data.get("valueRanges") or []

    def _metadata(self, fields: str, ranges: list[str] | None = None) -> dict:
        params: dict[str, Any] = {"fields": fields}
        if ranges:
            params["ranges"] = ranges
        return self._call(
            "membaca struktur spreadsheet",
            lambda: self._http().spreadsheets_get(self.key, params=params),
        )

    def _batch_update(
        self,
        body: dict,
        fields: str = "",
        what: str = "menulis register",
        applied: Callable[[], bool] | None = None,
    ) -> dict | None:
        url = SPREADSHEET_BATCH_UPDATE_URL % self.key
        params = {"fields": fields} if fields else None
        return self._call(
            what,
            lambda: self._http().request("post", url, params=params, json=body).json(),
            applied,
        )

    def _written(self, write_id: str) -> bool:
        """Did the write marked ``write_id`` land? (Its batch sets that meta cell.)"""
        try:
            (metas,) = self._batch_get([quote_tab(META_TAB)], "memeriksa penulisan")
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

    def _titles(self) -> dict[str, int]:
        meta = self._metadata("sheets.properties(sheetId,title)")
        return {s["properties"]["title"]: s["properties"]["sheetId"] for s in meta["sheets"]}

    # ------------------------------------------------------------------ read
    def read(self) -> Snapshot:
        """Rows, meta and the extra tabs (``extra_tabs``, e.g. an online form's
        responses) in one ``values:batchGet``; blank rows skipped, indices kept."""
        extra = list(self.extra_tabs)
        try:
            regs, metas, *more = self._batch_get(
                [quote_tab(t) for t in (REGISTER_TAB, META_TAB, *extra)]
            )
            self._meta_tab = True
        except RegisterError as e:
            if "Unable to parse range" not in str(e):
                raise
            # a tab is missing (rare: renamed or deleted); find out which
            titles = self._titles()
            if REGISTER_TAB not in titles:
                raise RegisterError(
                    f"Google Sheet {self.key}: tab '{REGISTER_TAB}' tidak ditemukan (tab "
                    "missing); jalankan `aduan init` atau kembalikan nama tabnya",
                    permanent=True,
                ) from None
            self._meta_tab = META_TAB in titles
            extra = [t for t in extra if t in titles]  # the reader of a missing one reports it
            tabs = [REGISTER_TAB, *([META_TAB] if self._meta_tab else []), *extra]
            regs, *rest = self._batch_get([quote_tab(t) for t in tabs])
            metas = rest.pop(0) if self._meta_tab else {}
            more = rest
        table = _scan(regs.get("values") or [], self.layout, f"Google Sheet {self.key}")
        table.grid_rows = _grid_rows(regs.get("range", ""))
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
            elif key != WRITE_KEY:
                meta[key] = cells[1]
        return meta

    # ----------------------------------------------------------------- write
    def write(self, ws: WriteSet) -> WriteResult:
        """Apply a cycle's changes in one atomic batchUpdate, verify, repair if needed."""
        result = WriteResult()
        if ws.is_empty():
            return result
        if self._table is None:
            self.read()
        table = self._table
        assert table is not None
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
        titles = self._titles()
        self._ids = {t: titles[t] for t in OWN_TABS if t in titles}
        self._ids_dirty = True
        return self._ids

    def _write(
        self, ws: WriteSet, table: _Table, ids: dict[str, int], result: WriteResult
    ) -> WriteResult:
        reqs: list[dict] = []
        tabs = self._missing_tab_requests(ids)
        reqs += tabs
        reg = ids[REGISTER_TAB]
        planned: list[_Planned] = []
        for upd, i in locate_updates(ws.updates, table, result):
            cells = self._cells(upd.values, table, i)
            cells.update(self._staff_cells(upd.staff, table, i))
            planned.append(_Planned(upd, i, cells))
            reqs += _row_requests(reg, i + 1, cells)
        new_rows = []
        for values in ws.appends:
            if dup := _already_there(values, table):
                result.skipped.append(dup)
                continue
            new_rows.append(self._new_row(values, table))
        if new_rows:
            reqs += self._grow(reg, table, len(new_rows))
            reqs.append(_append(reg, new_rows))
        if ws.history:
            reqs.append(_append(ids[HISTORY_TAB], [_history_row(h) for h in ws.history]))
        # a marker in the same atomic batch tells, after a lost answer, whether it landed
        write_id = secrets.token_hex(8)
        reqs += self._meta_requests({**ws.meta, WRITE_KEY: write_id}, ids)
        body: dict[str, Any] = {"requests": reqs}
        ranges = [_row_range(p.src + 1, len(table.headers)) for p in planned]
        if ranges:
            body |= {
                "includeSpreadsheetInResponse": True,
                "responseRanges": ranges,
                "responseIncludeGridData": True,
            }
        resp = self._batch_update(
            body, fields=_RESPONSE_FIELDS, applied=lambda: self._written(write_id)
        )
        self._ids_dirty = False
        result.appended = len(new_rows)
        after = _rows_back(resp, reg, len(ranges)) if resp is not None else None
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
        return result

    def _cells(self, values: dict[str, str], table: _Table, i: int) -> dict[int, str]:
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
            out[c] = _text(v)
        return out

    def _staff_cells(self, staff: dict[str, str], table: _Table, i: int) -> dict[int, str]:
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
                out[c] = _text(v)
        return out

    def _new_row(self, values: dict[str, str], table: _Table) -> list[str]:
        row = [""] * len(table.headers)
        for name, v in values.items():
            c = table.cols.get(name)
            if c is None or name not in self._kinds:
                logger.warning("new row: column %r is not in the register; value dropped", name)
                continue
            row[c] = _text(v)
        return row

    def _grow(self, reg: int, table: _Table, n: int) -> list[dict]:
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
                            "range": _cells_range(reg, start, end, j, j + 1),
                            "rule": _list_rule(c.choices),
                        }
                    }
                )
        logger.info("register grid grown from %d to %d rows", start, end)
        return reqs

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
                reqs += _row_requests(sid, r, {1: _text(v)})
        if new:
            if not self._meta_tab and not self._meta_rows:
                new.insert(0, META_HEADERS)
            reqs.append(_append(sid, new))
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
            sid = random.randrange(10**8, 2 * 10**9)
            ids[title] = sid
            self._ids_dirty = True
            props = {"sheetId": sid, "title": title, "hidden": hidden}
            reqs.append({"addSheet": {"properties": props}})
            reqs.append(_append(sid, [header]))
            if title == META_TAB:
                self._meta_rows, self._meta_tab = {}, True
            logger.warning("tab %r was missing; recreated", title)
        return reqs

    # ------------------------------------------------------------- verify
    def _identity_cols(self, table: _Table, planned: list[_Planned]) -> list[int]:
        written = {c for p in planned for c in p.cells}
        return [
            c for n, c in table.cols.items() if self._kinds.get(n) == "intake" and c not in written
        ]

    def _own(self, p: _Planned, row: list[str], table: _Table) -> bool:
        """Is the row the write landed on the update's own row?"""
        tc = table.cols[C.TICKET]
        if p.upd.ticket:
            return _at(row, tc).strip() == p.upd.ticket.strip()
        for n, c in table.cols.items():
            own = self._kinds.get(n) == "intake" and c not in p.cells
            if own and _at(row, c) != table.rows[p.src][c]:
                return False
        return True

    def _repair(
        self,
        table: _Table,
        planned: list[_Planned],
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
            (regs,) = self._batch_get([quote_tab(REGISTER_TAB)], "membaca ulang register")
            fresh = _scan(regs.get("values") or [], self.layout, f"Google Sheet {self.key}")
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
                    reqs += _row_requests(reg, j + 1, diff)
                    expect = want.get(tc, fresh.rows[j][tc])
                    checks.append((j, expect, [fresh.rows[j][c] for c in ident]))
            if not reqs:
                break
            body = {
                "requests": reqs,
                "includeSpreadsheetInResponse": True,
                "responseRanges": [_row_range(j + 1, len(table.headers)) for j, _, _ in checks],
                "responseIncludeGridData": True,
            }
            resp = self._batch_update(body, fields=_RESPONSE_FIELDS, what="memperbaiki register")
            back = _rows_back(resp or {}, reg, len(checks))
            if back is not None and all(
                _at(row, tc).strip() == expect.strip() and [_at(row, c) for c in ident] == idents
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
    def write_tab(self, title: str, rows: list[list[str]]) -> None:
        """Create or replace a whole tab's values (as text) in one batchUpdate."""
        if title in OWN_TABS:
            raise RegisterError(
                f"tab '{title}' milik register; tidak boleh ditimpa", permanent=True
            )
        if not title or len(title) > 100 or any(ch in title for ch in "[]:*?/\\"):
            raise RegisterError(f"nama tab tidak sah: {title!r}", permanent=True)
        meta = self._metadata("sheets.properties(sheetId,title,gridProperties)")
        sheets = {s["properties"]["title"]: s["properties"] for s in meta["sheets"]}
        nrows = max(len(rows), 1)
        ncols = max([len(r) for r in rows] + [1])
        reqs: list[dict] = []
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
            reqs.append({"updateCells": {"range": {"sheetId": sid}, "fields": "userEnteredValue"}})
        else:
            sid = random.randrange(10**8, 2 * 10**9)
            grid = {"rowCount": max(nrows, 100), "columnCount": max(ncols, 26)}
            props = {"sheetId": sid, "title": title, "gridProperties": grid}
            reqs.append({"addSheet": {"properties": props}})
        reqs.append(
            {
                "updateCells": {
                    "start": {"sheetId": sid, "rowIndex": 0, "columnIndex": 0},
                    "rows": [{"values": [_cell(v) for v in r]} for r in rows],
                    "fields": "userEnteredValue",
                }
            }
        )
        self._batch_update({"requests": reqs}, fields="spreadsheetId", what=f"menulis tab {title}")

    # ---------------------------------------------------------------- check
    def check(self) -> str:
        """One human line for ``aduan check``: title, rows, identity."""
        meta = self._metadata("properties.title,sheets.properties.title")
        title = meta.get("properties", {}).get("title", "?")
        tabs = [s["properties"]["title"] for s in meta.get("sheets", [])]
        who = self.service_account_email or "akun layanan (tanpa berkas kunci)"
        if REGISTER_TAB not in tabs:
            return (
                f"Google Sheet '{title}' terbuka sebagai {who}, tetapi tab '{REGISTER_TAB}' "
                "belum ada: jalankan `aduan init`"
            )
        (col,) = self._batch_get([f"{quote_tab(REGISTER_TAB)}!A:A"], "memeriksa register")
        n = sum(1 for r in (col.get("values") or [])[1:] if r and str(r[0]).strip())
        return f"Google Sheet '{title}': {n} aduan bernomor; akses sebagai {who}"

    # ------------------------------------------------------------------ init
    def init(self) -> list[str]:
        """Create or repair tabs, headers, dropdowns, formatting and protection;
        one batchUpdate, none at all when the sheet is already complete."""
        meta = self._metadata("sheets(properties,conditionalFormats,protectedRanges)")
        sheets = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
        done: list[str] = []
        reqs: list[dict] = []
        ids = {t: s["properties"]["sheetId"] for t, s in sheets.items()}
        used = set(ids.values())

        def new_id() -> int:
            while (sid := random.randrange(10**8, 2 * 10**9)) in used:
                pass
            used.add(sid)
            return sid

        existing = [t for t in (REGISTER_TAB, HISTORY_TAB, GUIDE_TAB, META_TAB) if t in sheets]
        got = self._batch_get(
            [f"{quote_tab(t)}!1:1" if t != GUIDE_TAB else quote_tab(t) for t in existing]
            + ([quote_tab(META_TAB)] if META_TAB in sheets else []),
            "membaca register",
        )
        values = {t: got[i].get("values") or [] for i, t in enumerate(existing)}
        meta_values = (got[-1].get("values") or []) if META_TAB in sheets else []
        ncols = len(self.layout.columns)

        # Register Aduan
        header = [str(v).strip() for v in (values.get(REGISTER_TAB) or [[]])[0]]
        fresh_register = not any(header)
        if REGISTER_TAB not in sheets:
            ids[REGISTER_TAB] = new_id()
            grid = {"rowCount": 1000, "columnCount": ncols}
            props = {"sheetId": ids[REGISTER_TAB], "title": REGISTER_TAB, "index": 0}
            reqs.append({"addSheet": {"properties": props | {"gridProperties": grid}}})
            done.append(f"Tab '{REGISTER_TAB}' dibuat")
            reg_props: dict = props | {"gridProperties": grid}
        else:
            reg_props = sheets[REGISTER_TAB]["properties"]
        reg = ids[REGISTER_TAB]
        grid = reg_props["gridProperties"]
        if fresh_register:
            if grid["columnCount"] < ncols:
                reqs.append(_resize(reg, grid["rowCount"], ncols))
                grid = {**grid, "columnCount": ncols}
            reqs += self._header_requests(reg)
            header = list(self.layout.headers)
            done.append(f"Judul kolom tab '{REGISTER_TAB}' ditulis ({ncols} kolom)")
        missing = [n for n in self.layout.headers if n not in header]
        if missing:
            raise RegisterError(
                missing_message(f"Google Sheet {self.key}", missing), permanent=True
            )
        col = {n: header.index(n) for n in self.layout.headers}
        width = max(len(header), ncols)
        if grid.get("frozenRowCount", 0) != 1:
            reqs.append(
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": reg, "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            )
            done.append("Baris judul dibekukan")
        rows = grid["rowCount"]
        if REGISTER_TAB in sheets:
            hidden, rules = self._column_state(col, rows)
        else:
            hidden, rules = set(), {}
        for c in self.layout.columns:
            if c.kind == "hidden" and col[c.name] not in hidden:
                reqs.append(_dimension(reg, col[c.name], {"hiddenByUser": True}, "hiddenByUser"))
                done.append(f"Kolom '{c.name}' disembunyikan")
        for c in self.layout.columns:
            if not c.choices:
                continue
            rule = _list_rule(c.choices)
            if rules.get(col[c.name]) == rule:
                continue
            rng = {
                "sheetId": reg,
                "startRowIndex": 1,
                "endRowIndex": rows,
                "startColumnIndex": col[c.name],
                "endColumnIndex": col[c.name] + 1,
            }
            reqs.append({"setDataValidation": {"range": rng, "rule": rule}})
            done.append(f"Daftar pilihan kolom '{c.name}' dibuat")
        reqs_cf, done_cf = self._formatting(sheets.get(REGISTER_TAB, {}), reg, col, width)
        reqs += reqs_cf
        done += done_cf
        reqs_p, done_p = self._protection(sheets.get(REGISTER_TAB, {}), reg, col, width)
        reqs += reqs_p
        done += done_p

        # Riwayat
        if HISTORY_TAB not in sheets:
            ids[HISTORY_TAB] = new_id()
            props = {"sheetId": ids[HISTORY_TAB], "title": HISTORY_TAB}
            reqs.append({"addSheet": {"properties": props}})
            done.append(f"Tab '{HISTORY_TAB}' dibuat")
        hist = ids[HISTORY_TAB]
        if not any(str(v).strip() for v in (values.get(HISTORY_TAB) or [[]])[0]):
            reqs.append(_update_row(hist, 0, HISTORY_HEADERS))
            reqs.append(_bold_row(hist, len(HISTORY_HEADERS)))
            reqs.append(
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": hist, "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            )
            for j in range(len(HISTORY_HEADERS)):
                px = (20 if j < 4 else 50) * PIXELS_PER_WIDTH
                reqs.append(_dimension(hist, j, {"pixelSize": px}, "pixelSize"))
            done.append(f"Judul kolom tab '{HISTORY_TAB}' ditulis")
        if not any(
            p.get("description") == PROTECT_LOG
            for p in sheets.get(HISTORY_TAB, {}).get("protectedRanges", [])
        ):
            reqs.append(_protect({"sheetId": hist}, PROTECT_LOG))
            done.append(f"Tab '{HISTORY_TAB}' dilindungi (peringatan saja)")

        # Petunjuk
        want = [r + [""] * (4 - len(r)) for r in guide_rows(self.layout)]
        have = [[str(v) for v in r] + [""] * (4 - len(r)) for r in values.get(GUIDE_TAB, [])]
        if have != want:
            if GUIDE_TAB not in sheets:
                ids[GUIDE_TAB] = new_id()
                props = {"sheetId": ids[GUIDE_TAB], "title": GUIDE_TAB}
                reqs.append({"addSheet": {"properties": props}})
                for j, w in enumerate((28, 30, 30, 70)):
                    reqs.append(
                        _dimension(
                            ids[GUIDE_TAB], j, {"pixelSize": w * PIXELS_PER_WIDTH}, "pixelSize"
                        )
                    )
            guide = ids[GUIDE_TAB]
            reqs.append(
                {"updateCells": {"range": {"sheetId": guide}, "fields": "userEnteredValue"}}
            )
            reqs.append(
                {
                    "updateCells": {
                        "start": {"sheetId": guide, "rowIndex": 0, "columnIndex": 0},
                        "rows": [{"values": [_cell(v) for v in r]} for r in want],
                        "fields": "userEnteredValue",
                    }
                }
            )
            done.append(
                f"Tab '{GUIDE_TAB}' {'dibuat' if GUIDE_TAB not in sheets else 'diperbarui'}"
            )

        # _aduan (hidden meta) and the tab-id cache in it
        if META_TAB not in sheets:
            ids[META_TAB] = new_id()
            props = {"sheetId": ids[META_TAB], "title": META_TAB, "hidden": True}
            reqs.append({"addSheet": {"properties": props}})
            done.append(f"Tab tersembunyi '{META_TAB}' dibuat")
        elif not sheets[META_TAB]["properties"].get("hidden"):
            reqs.append(
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": ids[META_TAB], "hidden": True},
                        "fields": "hidden",
                    }
                }
            )
            done.append(f"Tab '{META_TAB}' disembunyikan")
        self._meta_tab = META_TAB in sheets
        self._load_meta(meta_values)
        cached = {f"{ID_KEY}{t}": str(ids[t]) for t in OWN_TABS}
        stale = {
            k: v
            for k, v in cached.items()
            if k not in self._meta_rows or _at(meta_values[self._meta_rows[k]], 1) != v
        }
        if reqs or stale:
            if not meta_values:
                reqs.append(_update_row(ids[META_TAB], 0, META_HEADERS))
                self._meta_rows, self._meta_tab = {"key": 0}, True
            self._ids_dirty = False
            reqs += self._meta_requests(stale, ids)
            self._batch_update(
                {"requests": reqs}, fields="spreadsheetId", what="menyiapkan register"
            )
        self._ids = {t: ids[t] for t in OWN_TABS}
        return done

    def _header_requests(self, reg: int) -> list[dict]:
        cols = self.layout.columns
        reqs = [_update_row(reg, 0, [c.name for c in cols]), _bold_row(reg, len(cols))]
        for j, c in enumerate(cols):
            fill = {"backgroundColor": _rgb(COLOURS.get(c.kind, (1, 1, 1)))}
            reqs.append(
                {
                    "repeatCell": {
                        "range": _cells_range(reg, 0, 1, j, j + 1),
                        "cell": {"userEnteredFormat": fill},
                        "fields": "userEnteredFormat.backgroundColor",
                    }
                }
            )
            reqs.append(_dimension(reg, j, {"pixelSize": c.width * PIXELS_PER_WIDTH}, "pixelSize"))
        # staff type phone numbers: text format keeps the leading zero
        reqs.append(
            {
                "repeatCell": {
                    "range": {"sheetId": reg, "startRowIndex": 1},
                    "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
        return reqs

    def _column_state(self, col: dict[str, int], rows: int) -> tuple[set[int], dict[int, dict]]:
        """Hidden columns, and each dropdown column's rule when every data row has it."""
        choice = [col[c.name] for c in self.layout.columns if c.choices]
        ranges = [f"{quote_tab(REGISTER_TAB)}!1:1"] + [
            f"{quote_tab(REGISTER_TAB)}!{a1_col(c)}2:{a1_col(c)}{rows}" for c in choice
        ]
        data = self._metadata(
            "sheets(properties.title,"
            "data(columnMetadata(hiddenByUser),rowData(values(dataValidation))))",
            ranges,
        )
        sheet = next(s for s in data["sheets"] if s["properties"]["title"] == REGISTER_TAB)
        grids = sheet.get("data", [])
        hidden = {
            j for j, m in enumerate(grids[0].get("columnMetadata", [])) if m.get("hiddenByUser")
        }
        rules: dict[int, dict] = {}
        for c, g in zip(choice, grids[1:], strict=True):
            cells = [
                (rd.get("values") or [{}])[0].get("dataValidation") for rd in g.get("rowData", [])
            ]
            if len(cells) == rows - 1 and cells and all(x == cells[0] for x in cells):
                rules[c] = cells[0]
        return hidden, rules

    def _formatting(
        self, sheet: dict, reg: int, col: dict[str, int], width: int
    ) -> tuple[list[dict], list[str]]:
        late, st = a1_col(col[C.LATE]), a1_col(col[C.STATUS])
        done_f = "=OR(" + ",".join(f'${st}2="{s}"' for s in DONE_STATUSES) + ")"
        late_f = f'=${late}2="Ya"'
        have = {
            v.get("userEnteredValue")
            for rule in sheet.get("conditionalFormats", [])
            for v in rule.get("booleanRule", {}).get("condition", {}).get("values", [])
        }
        reqs, done = [], []
        # grey first: Sheets applies the first matching rule, so a closed complaint
        # is grey even if a step was late
        for index, (formula, colour, what) in enumerate(
            ((done_f, GREY, "abu-abu: selesai/disalurkan"), (late_f, RED, "merah: terlambat"))
        ):
            if formula in have:
                continue
            rule = {
                "ranges": [
                    {
                        "sheetId": reg,
                        "startRowIndex": 1,
                        "startColumnIndex": 0,
                        "endColumnIndex": width,
                    }
                ],
                "booleanRule": {
                    "condition": {
                        "type": "CUSTOM_FORMULA",
                        "values": [{"userEnteredValue": formula}],
                    },
                    "format": {"backgroundColor": _rgb(colour)},
                },
            }
            reqs.append({"addConditionalFormatRule": {"rule": rule, "index": index}})
            done.append(f"Format bersyarat baris {what} dibuat")
        return reqs, done

    def _protection(
        self, sheet: dict, reg: int, col: dict[str, int], width: int
    ) -> tuple[list[dict], list[str]]:
        have = {
            (
                p.get("description"),
                p["range"].get("startColumnIndex"),
                p["range"].get("endColumnIndex"),
            )
            for p in sheet.get("protectedRanges", [])
        }
        runs = _runs(
            sorted(col[c.name] for c in self.layout.columns if c.kind in ("system", "hidden"))
        )
        reqs, done = [], []
        for c0, c1 in runs:
            if (PROTECT_NOTE, c0, c1) in have:
                continue
            rng = {"sheetId": reg, "startRowIndex": 1, "startColumnIndex": c0, "endColumnIndex": c1}
            reqs.append(_protect(rng, PROTECT_NOTE))
            names = ", ".join(f"'{n}'" for n in col if c0 <= col[n] < c1)
            done.append(f"Kolom {names} dilindungi (peringatan saja)")
        if (PROTECT_HEADER, 0, width) not in have:
            rng = {
                "sheetId": reg,
                "startRowIndex": 0,
                "endRowIndex": 1,
                "startColumnIndex": 0,
                "endColumnIndex": width,
            }
            reqs.append(_protect(rng, PROTECT_HEADER))
            done.append("Baris judul dilindungi (peringatan saja)")
        return reqs, done


# ------------------------------------------------------------------ helpers
_RESPONSE_FIELDS = (
    "spreadsheetId,updatedSpreadsheet.sheets(properties.sheetId,"
    "data(startRow,rowData.values.formattedValue))"
)


def _grid_rows(a1: str) -> int:
    """The last row of an A1 range such as ``'Register Aduan'!A1:Z1000`` (0 if none)."""
    m = re.search(r"![A-Z]*\d*:[A-Z]*(\d+)$", a1)
    return int(m.group(1)) if m else 0


def _at(row: list[Any], c: int) -> str:
    return str(row[c]) if c < len(row) and row[c] is not None else ""


def _runs(cols: list[int]) -> list[tuple[int, int]]:
    """Sorted column indexes -> contiguous [start, end) runs."""
    out: list[tuple[int, int]] = []
    for c in cols:
        if out and out[-1][1] == c:
            out[-1] = (out[-1][0], c + 1)
        else:
            out.append((c, c + 1))
    return out


def _cells_range(sid: int, r0: int, r1: int, c0: int, c1: int) -> dict:
    return {
        "sheetId": sid,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def _row_requests(sid: int, r: int, cells: dict[int, str]) -> list[dict]:
    """updateCells per run of adjacent columns: cells between runs are not touched."""
    reqs = []
    for c0, c1 in _runs(sorted(cells)):
        reqs.append(
            {
                "updateCells": {
                    "range": _cells_range(sid, r, r + 1, c0, c1),
                    "rows": [{"values": [_cell(cells[c]) for c in range(c0, c1)]}],
                    "fields": "userEnteredValue",
                }
            }
        )
    return reqs


def _update_row(sid: int, r: int, values: list[str]) -> dict:
    return {
        "updateCells": {
            "start": {"sheetId": sid, "rowIndex": r, "columnIndex": 0},
            "rows": [{"values": [_cell(v) for v in values]}],
            "fields": "userEnteredValue",
        }
    }


def _append(sid: int, rows: list[list[str]]) -> dict:
    return {
        "appendCells": {
            "sheetId": sid,
            "rows": [{"values": [_cell(v) for v in r]} for r in rows],
            "fields": "userEnteredValue",
        }
    }


def _history_row(entry: dict[str, str]) -> list[str]:
    for k in entry:
        if k not in HISTORY_HEADERS:
            logger.warning("history key %r is not a Riwayat column; dropped", k)
    return [entry.get(h, "") for h in HISTORY_HEADERS]


def _row_range(r: int, width: int) -> str:
    """A1 range of one sheet row (0-based ``r``) across ``width`` columns."""
    return f"{quote_tab(REGISTER_TAB)}!A{r + 1}:{a1_col(max(width, 1) - 1)}{r + 1}"


def _rows_back(resp: dict, sid: int, n: int) -> list[list[str]] | None:
    """The rows the batchUpdate returned (responseRanges order) as text; None if
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


def _already_there(values: dict[str, str], table: _Table) -> str:
    """Why an append must not happen (a run killed after its write appends again)."""
    for name in (C.TICKET, C.SOURCE):
        key = (values.get(name) or "").strip()
        c = table.cols.get(name)
        if key and c is not None and any(r[c].strip() == key for r in table.rows):
            return f"{name} {key} sudah ada di register; baris tidak ditambahkan lagi"
    return ""


def _list_rule(choices: tuple[str, ...]) -> dict:
    return {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": x} for x in choices]},
        "showCustomUi": True,
    }


def _dimension(sid: int, c: int, props: dict, fields: str) -> dict:
    return {
        "updateDimensionProperties": {
            "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
            "properties": props,
            "fields": fields,
        }
    }


def _resize(sid: int, rows: int, cols: int) -> dict:
    return {
        "updateSheetProperties": {
            "properties": {
                "sheetId": sid,
                "gridProperties": {"rowCount": rows, "columnCount": cols},
            },
            "fields": "gridProperties(rowCount,columnCount)",
        }
    }


def _bold_row(sid: int, width: int) -> dict:
    fmt = {"textFormat": {"bold": True}, "wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
    return {
        "repeatCell": {
            "range": _cells_range(sid, 0, 1, 0, width),
            "cell": {"userEnteredFormat": fmt},
            "fields": "userEnteredFormat(textFormat.bold,wrapStrategy,verticalAlignment)",
        }
    }


def _protect(rng: dict, note: str) -> dict:
    return {
        "addProtectedRange": {
            "protectedRange": {"range": rng, "description": note, "warningOnly": True}
        }
    }
