"""Yearly rotation on Google Sheets (issue 18): the year's closed complaints and their
Riwayat rows move to tabs *Register Aduan 2026* and *Riwayat 2026* of an archive
spreadsheet: the one ``register.archive_spreadsheet_id`` names (an office that uses a
service account creates it and shares it, as it did the register), else a new one
created with ``spreadsheets.create`` (it lands in the Drive of the account Aduan uses).

Google counts cells per spreadsheet, so the archive's tabs are as wide as their
headers and as high as their rows."""

from __future__ import annotations

import logging
import re

from gspread.urls import SPREADSHEETS_API_V4_BASE_URL

from aduan.core.archive import Table
from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C
from aduan.errors import RegisterError
from aduan.register.sheets.batch import (
    add_sheet,
    append,
    bold_row,
    freeze_header,
    quote_tab,
    text,
    update_row,
)
from aduan.register.sheets.client import SheetsClient
from aduan.register.sheets.state import SheetsState, new_sheet_id

__all__ = ["SheetsArchive", "SheetsArchiveBook", "sheet_url"]

logger = logging.getLogger(__name__)

_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


def sheet_url(key: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{key}"


def _never() -> bool:
    # an ambiguous archive write is not retried in the same run: appendCells and
    # deleteDimension are not idempotent, and the next run starts again from what it reads
    return False


def _tables(got: list[dict]) -> list[Table]:
    out = []
    for vr in got:
        values = [[text(v) for v in r] for r in vr.get("values") or []]
        headers = [h.strip() for h in values[0]] if values else []
        n = len(headers)
        body = [(r + [""] * n)[:n] for r in values[1:] if any(v.strip() for v in r)]
        out.append(Table(headers, body))
    return out


class SheetsArchiveBook:
    """One year's tabs in the archive spreadsheet: read what they hold, add rows."""

    def __init__(self, client: SheetsClient, year: int) -> None:
        self.client = client
        self.year = year
        self.tabs = (f"{REGISTER_TAB} {year}", f"{HISTORY_TAB} {year}")

    @property
    def where(self) -> str:
        return sheet_url(self.client.key)

    def read(self) -> tuple[Table, Table]:
        have = self.client.titles()
        present = [t for t in self.tabs if t in have]
        got = dict(
            zip(
                present,
                _tables(self.client.batch_get([quote_tab(t) for t in present], "membaca arsip")),
                strict=True,
            )
        )
        return got.get(self.tabs[0], Table([])), got.get(self.tabs[1], Table([]))

    def add(self, register: Table, history: Table) -> None:
        """One batchUpdate: missing tabs (with their header row), then the rows."""
        have = self.client.titles()
        used = set(have.values())
        reqs: list[dict] = []
        for tab, table in zip(self.tabs, (register, history), strict=True):
            sid = have.get(tab)
            if sid is None:
                sid = new_sheet_id(used)
                grid = {"rowCount": 2, "columnCount": max(len(table.headers), 1)}
                reqs.append(add_sheet({"sheetId": sid, "title": tab, "gridProperties": grid}))
                reqs += [
                    update_row(sid, 0, table.headers),
                    bold_row(sid, len(table.headers)),
                    freeze_header(sid),
                ]
            if table.rows:
                reqs.append(append(sid, table.rows))
        if reqs:
            self.client.batch_update(
                {"requests": reqs}, fields="spreadsheetId", what="menyalin ke arsip", applied=_never
            )


class SheetsArchive(SheetsState):
    """Reading the register whole, finding or making the archive, deleting moved rows."""

    def archive_read(self) -> tuple[Table, Table]:
        """*Register Aduan* and *Riwayat*, every cell as text (one batchGet)."""
        got = self.client.batch_get(
            [quote_tab(REGISTER_TAB), quote_tab(HISTORY_TAB)], "membaca register untuk arsip"
        )
        reg, hist = _tables(got)
        return reg, hist

    def archive_store(self, year: int, where: str = "") -> SheetsArchiveBook:
        """The year's archive: ``where`` (the URL an interrupted run kept in the meta),
        else the configured archive spreadsheet, else a new spreadsheet."""
        m = _URL.search(where)
        key = m.group(1) if m else getattr(self.conf, "archive_spreadsheet_id", "")
        if not key:
            key = self._create_archive(year)
        return SheetsArchiveBook(self._sibling(key), year)

    def archive_remove(self, tickets: set[str]) -> tuple[int, int]:
        """Delete the rows of ``tickets`` from *Register Aduan* and *Riwayat*, read
        again right before, in one batchUpdate (rows bottom up, so each index still
        points at the row it was read at); how many rows went from each tab."""
        got = self.client.batch_get(
            [quote_tab(REGISTER_TAB), quote_tab(HISTORY_TAB)], "membaca register untuk arsip"
        )
        ids = self.client.titles()
        reqs: list[dict] = []
        counts = []
        for tab, vr in zip((REGISTER_TAB, HISTORY_TAB), got, strict=True):
            raw = [[text(v).strip() for v in r] for r in vr.get("values") or []]
            c = raw[0].index(C.TICKET) if raw and C.TICKET in raw[0] else None
            # positions, blank rows included: an index is the row's place in the grid
            doomed = [
                i
                for i, r in enumerate(raw[1:], 1)
                if c is not None and c < len(r) and r[c] in tickets
            ]
            counts.append(len(doomed))
            for i in reversed(doomed):
                rng = {"sheetId": ids[tab], "dimension": "ROWS", "startIndex": i, "endIndex": i + 1}
                reqs.append({"deleteDimension": {"range": rng}})
        if reqs:
            self.client.batch_update(
                {"requests": reqs},
                fields="spreadsheetId",
                what="menghapus aduan yang sudah diarsipkan",
                applied=_never,
            )
        return counts[0], counts[1]

    def _sibling(self, key: str) -> SheetsClient:
        """A client on another spreadsheet: same session, identity and retry policy."""
        return SheetsClient(
            key,
            client=self.client.connect(),
            identity=self.client.identity,
            policy=self.client.policy,
        )

    def _create_archive(self, year: int) -> str:
        """A new spreadsheet for the archive (``spreadsheets.create``); its id."""
        title = self.client.metadata("properties.title").get("properties", {}).get("title", "")
        body = {
            "properties": {"title": f"Arsip {year} — {title or REGISTER_TAB}", "locale": "in_ID"},
            "sheets": [
                {
                    "properties": {
                        "title": "Tentang Arsip",
                        "gridProperties": {"rowCount": 1, "columnCount": 1},
                    }
                }
            ],
        }
        http = self.client.connect().http_client

        def create() -> dict:
            return dict(http.request("post", SPREADSHEETS_API_V4_BASE_URL, json=body).json())

        made = self.client.call("membuat spreadsheet arsip", create, applied=_never)
        key = (made or {}).get("spreadsheetId", "")
        if not key:
            raise RegisterError(
                "Google Sheets: spreadsheet arsip tidak dapat dibuat; buat satu, bagikan ke "
                f"{self.client.identity or 'akun Aduan'} sebagai Editor, dan tulis id-nya di "
                "register.archive_spreadsheet_id",
                permanent=True,
            )
        logger.info("archive spreadsheet for %d created: %s", year, key)
        return key
