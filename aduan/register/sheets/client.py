"""The Sheets API edge: one gspread client, the retry policy, and gspread's and
requests' errors translated into :class:`RegisterError` by the HTTP status.

gspread reports an answer that is not JSON (an HTML 502/504 page from Google's
front end) as ``APIError`` with code -1, so the status comes from the response
itself; :func:`aduan.errors.permanent_http` then decides: 429/5xx and a lost
connection are transient (retried, then left to the next cycle), any other
refusal is permanent. 403 names the identity to share the sheet with, 404 the
spreadsheet id."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from aduan.errors import ConfigError, RegisterError, permanent_http
from aduan.register.sheets.batch import a1_col, quote_tab
from aduan.support import retry

if TYPE_CHECKING:
    import gspread
    from google.auth.credentials import Credentials

__all__ = ["CELL_LIMIT", "DRIVE_METADATA_SCOPE", "SheetsClient", "thousands"]

#: Google's limit per spreadsheet, counting every cell of every tab's grid
CELL_LIMIT = 10_000_000
#: what change detection needs besides the spreadsheets scope: the file's Drive metadata
DRIVE_METADATA_SCOPE = "https://www.googleapis.com/auth/drive.metadata.readonly"
DRIVE_FILE_URL = "https://www.googleapis.com/drive/v3/files/%s"

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SheetsClient:
    """API calls on spreadsheet ``key`` (or another one, same credentials and session).

    ``client`` is a ready gspread Client (tests pass one talking to a local
    server); without it one is made from ``credentials`` on the first call.
    ``identity`` (a string or a factory) is who the sheet must be shared with."""

    def __init__(
        self,
        key: str,
        *,
        credentials: Credentials | Callable[[], Credentials] | None = None,
        identity: str | Callable[[], str] = "",
        client: gspread.Client | None = None,
        timeout_s: float = 60,
        policy: retry.Policy | None = None,
    ) -> None:
        self.key = key
        self.policy = policy or retry.Policy()
        self._credentials = credentials
        self._identity = identity
        self._client = client
        self._timeout_s = timeout_s

    # ------------------------------------------------------------ connection
    @property
    def identity(self) -> str:
        """Who the sheet must be shared with ("" when the key cannot be read)."""
        if callable(self._identity):
            who = ""
            with contextlib.suppress(ConfigError):
                who = self._identity()
            self._identity = who
        return self._identity

    def connect(self) -> gspread.Client:
        """The gspread client, made on first use (a ConfigError for a bad key)."""
        if self._client is None:
            import gspread
            from google.auth.credentials import Credentials as Base

            creds = self._credentials
            if creds is None:
                raise RegisterError("Google Sheets: tanpa kredensial", permanent=True)
            if not isinstance(creds, Base):
                creds = creds()
            self._client = gspread.Client(auth=creds)
            self._client.http_client.set_timeout(self._timeout_s)
        return self._client

    def close(self) -> None:
        """Close the HTTP session."""
        if self._client is not None:
            try:
                self._client.http_client.session.close()
            except Exception:  # closing must never fail a run
                logger.debug("closing the Sheets session failed", exc_info=True)

    # ------------------------------------------------------------ the calls
    def batch_get(
        self, ranges: list[str], what: str = "membaca register", spreadsheet_id: str = ""
    ) -> list[dict]:
        """One ``values:batchGet`` (FORMATTED_VALUE, ROWS); one valueRange per range."""
        key = spreadsheet_id or self.key
        params: dict[str, Any] = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
        data = self.call(
            what, lambda: self.connect().http_client.values_batch_get(key, ranges, params), key=key
        )
        return (data or {}).get("valueRanges") or []

    def drive_stamp(self) -> tuple[int, str]:
        """The spreadsheet's Drive ``version`` and ``modifiedTime``: one ``files.get``
        (issue 19: change detection). Drive counts every change to the file in ``version``."""
        params: dict[str, Any] = {"fields": "modifiedTime,version", "supportsAllDrives": "true"}

        def get() -> dict:
            http = self.connect().http_client
            return dict(http.request("get", DRIVE_FILE_URL % self.key, params=params).json())

        data = self.call("memeriksa perubahan register", get) or {}
        try:
            return int(data["version"]), str(data.get("modifiedTime") or "")
        except (KeyError, TypeError, ValueError):
            raise RegisterError(
                "Google Drive tidak menyebut versi register", permanent=False
            ) from None

    def metadata(self, fields: str, ranges: list[str] | None = None) -> dict:
        """One ``spreadsheets.get`` with a field mask."""
        params: dict[str, Any] = {"fields": fields}
        if ranges:
            params["ranges"] = ranges
        data = self.call(
            "membaca struktur spreadsheet",
            lambda: self.connect().http_client.spreadsheets_get(self.key, params=params),
        )
        return data or {}

    def titles(self) -> dict[str, int]:
        """Tab title -> sheetId."""
        meta = self.metadata("sheets.properties(sheetId,title)")
        return {s["properties"]["title"]: s["properties"]["sheetId"] for s in meta["sheets"]}

    def batch_update(
        self,
        body: dict,
        fields: str = "",
        what: str = "menulis register",
        applied: Callable[[], bool] | None = None,
        unsettled: Callable[[], None] | None = None,
    ) -> dict | None:
        """One ``spreadsheets:batchUpdate``; None when it failed ambiguously but
        ``applied()`` says it landed (the answer was lost); see :meth:`call`."""
        url = SPREADSHEET_BATCH_UPDATE_URL % self.key
        params: dict[str, Any] | None = {"fields": fields} if fields else None

        def post() -> dict:
            http = self.connect().http_client
            return dict(http.request("post", url, params=params, json=body).json())

        return self.call(what, post, applied, unsettled=unsettled)

    def call(
        self,
        what: str,
        fn: Callable[[], T],
        applied: Callable[[], bool] | None = None,
        *,
        key: str = "",
        unsettled: Callable[[], None] | None = None,
    ) -> T | None:
        """Run one API call under the retry policy; errors become RegisterError.

        A write that failed with 5xx or a lost connection may still be applied by
        Google, even minutes later; ``appendCells`` is not idempotent, so such a write
        (one that passes ``applied``) is never retried in the same run. ``applied`` is
        asked once: True means it landed (None is returned); otherwise ``unsettled``
        runs (the caller keeps its marker so the next run decides) and a transient
        RegisterError is raised. A 429 is refused before anything is done: retried."""
        status = [0]
        landed = [False]
        ambiguous = [False]

        def attempt() -> T:
            try:
                return fn()
            except APIError as e:
                status[0] = _status(e)
                raise self._api_error(what, e, key or self.key) from None
            except (requests.ConnectionError, requests.Timeout) as e:
                status[0] = 0  # no answer: transient
                raise RegisterError(
                    f"Google Sheets tidak dapat dihubungi saat {what} ({type(e).__name__}); "
                    "dicoba lagi pada siklus berikutnya",
                    permanent=False,
                ) from None
            except requests.RequestException as e:
                raise RegisterError(
                    f"Google Sheets: {what} gagal ({type(e).__name__})", permanent=False
                ) from None
            except GoogleAuthError as e:
                raise RegisterError(
                    f"Google menolak kunci akun layanan {self.identity} ({type(e).__name__}); "
                    "periksa bahwa kunci belum dihapus dan Google Sheets API aktif di proyeknya",
                    permanent=True,
                ) from None

        def retry_if(e: Exception) -> bool:
            if applied is None or status[0] == 429:
                return True
            ambiguous[0] = True
            landed[0] = applied()  # a marker seen is proof; one not seen proves nothing
            return False

        try:
            return retry.call(f"Google Sheets {what}", attempt, self.policy, retry_if=retry_if)
        except RegisterError as e:
            if landed[0]:
                logger.warning("Google Sheets %s: %s, but the write was applied", what, e)
                return None
            if not ambiguous[0]:
                raise
            if unsettled is not None:
                unsettled()
            raise RegisterError(
                f"Google Sheets: hasil {what} belum pasti ({e}); tidak diulang agar tidak "
                "tertulis dua kali, siklus berikutnya memeriksa apakah sudah masuk",
                permanent=False,
            ) from None

    def cells_used(self) -> int:
        """Cells of every tab's grid (Google counts empty ones too); 0 when unknown."""
        try:
            meta = self.metadata("sheets.properties.gridProperties(rowCount,columnCount)")
        except RegisterError:
            return 0
        return sum(
            g.get("rowCount", 0) * g.get("columnCount", 0)
            for s in meta.get("sheets", [])
            for g in [s.get("properties", {}).get("gridProperties", {})]
        )

    def _locked_ranges(self) -> str:
        """The real protections this account may not edit, as "tab!A1:B2" (for the fix)."""
        try:
            meta = self.metadata(
                "sheets(properties(title,gridProperties),protectedRanges(range,warningOnly,"
                "requestingUserCanEdit))"
            )
        except RegisterError:
            return "rentang tidak diketahui"
        out = []
        for s in meta.get("sheets", []):
            title = s["properties"]["title"]
            for p in s.get("protectedRanges", []):
                if p.get("warningOnly") or p.get("requestingUserCanEdit", True):
                    continue
                out.append(_a1(title, p.get("range", {})))
        return ", ".join(out) or "rentang tidak diketahui"

    def _api_error(self, what: str, e: APIError, key: str) -> RegisterError:
        status = _status(e)
        if e.code == -1:  # not JSON: a front-end page, whose HTML says nothing useful
            reason = getattr(e.response, "reason", "") or "jawaban bukan JSON"
            msg = str(reason)[:300]
        else:
            msg = str(e.error.get("message", ""))[:300]
        if status == 403:
            who = self.identity or "akun layanan Aduan"
            return RegisterError(
                f"Google Sheet {key}: akses ditolak saat {what}. Bagikan spreadsheet "
                f"ke {who} sebagai Editor (tombol Bagikan/Share → {who} → Editor)",
                permanent=True,
            )
        if status == 404:
            setting = "register.spreadsheet_id" if key == self.key else "id spreadsheet"
            return RegisterError(
                f"Google Sheet {key} tidak ditemukan; periksa {setting} "
                "(bagian alamat sesudah /d/)",
                permanent=True,
            )
        if "protected cell or object" in msg:
            return RegisterError(
                f"Google Sheet {key}: {what} ditolak karena ada sel yang dikunci penuh "
                f"({self._locked_ranges()}). Buka Data → Lembar & rentang yang dilindungi, "
                "lalu hapus kunci itu, pilih 'Tampilkan peringatan', atau tambahkan "
                f"{self.identity or 'akun Aduan'} sebagai editornya",
                permanent=True,
            )
        if "above the limit of" in msg and "cells" in msg:
            return RegisterError(
                f"Google Sheet {key} penuh: {thousands(self.cells_used())} sel terpakai dari "
                f"batas {thousands(CELL_LIMIT)} sel Google. Pindahkan aduan tahun lalu dengan "
                "`aduan archive --year TAHUN`, atau hapus tab yang tidak dipakai",
                permanent=True,
            )
        if not permanent_http(status):
            return RegisterError(
                f"Google Sheets sibuk atau terganggu saat {what} (HTTP {status}: {msg}) "
                f"setelah {self.policy.attempts} percobaan; dicoba lagi pada siklus berikutnya",
                permanent=False,
            )
        return RegisterError(f"Google Sheets menolak {what} (HTTP {status}: {msg})", permanent=True)


def thousands(n: int) -> str:
    """10000000 -> 10.000.000 (Indonesian digit grouping)."""
    return f"{n:,}".replace(",", ".")


def _a1(title: str, gr: dict) -> str:
    """A protected GridRange as staff see it: 'Riwayat' (whole tab), 'Register Aduan'!B2:C."""
    name = quote_tab(title)
    keys = ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")
    if not any(k in gr for k in keys):
        return f"tab {name}"

    r0, c0 = gr.get("startRowIndex", 0), gr.get("startColumnIndex", 0)
    r1, c1 = gr.get("endRowIndex"), gr.get("endColumnIndex")
    start = f"{a1_col(c0)}{r0 + 1}"
    end = (a1_col(c1 - 1) if c1 else "") + (str(r1) if r1 else "")
    return f"{name}!{start}:{end}" if end else f"{name}!{start}"


def _status(e: APIError) -> int:
    """The HTTP status of the answer (gspread's code is -1 for a non-JSON one)."""
    response = getattr(e, "response", None)
    code = getattr(response, "status_code", None)
    return int(code) if isinstance(code, int) else int(e.code)
