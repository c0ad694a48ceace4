"""The xlsx register against real files: written by us, edited "as staff" with
openpyxl between read and write, and reopened with openpyxl and calamine."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from lxml import etree

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
from aduan.errors import RegisterError
from aduan.register.base import WriteResult, guide_rows
from aduan.register.xlsx import XlsxRegister, cell_text
from aduan.register.xlsx.patch import Sheet, Unsupported, XlsxPatch, cell_xml, clean_text
from aduan.run.wiring import open_register

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def layout():
    return build_layout(load_sop(REPO / "config/sop/bpbd-karanganyar.yaml"), ["Bencana", "Lainnya"])


@pytest.fixture
def reg(tmp_path, layout):
    r = XlsxRegister(tmp_path / "register.xlsx", layout)
    r.init()
    return r


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def staff_edit(path: Path, fn) -> None:
    """Open, change and save the register the way a person with a spreadsheet would."""
    wb = openpyxl.load_workbook(path)
    fn(wb[REGISTER_TAB])
    wb.save(path)


def col(ws, name: str) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def calamine_rows(path: Path, tab: str = REGISTER_TAB) -> list[list]:
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        return wb.get_sheet_by_name(tab).to_python(skip_empty_area=False)


def calamine_dicts(path: Path) -> list[dict]:
    rows = calamine_rows(path)
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def type_row(ws, row: int, **cells) -> None:
    names = {
        "name": C.NAME,
        "text": C.TEXT,
        "channel": C.CHANNEL,
        "contact": C.CONTACT,
        "ticket": C.TICKET,
        "status": C.STATUS,
        "kategori": "Kategori",
    }
    for k, v in cells.items():
        ws.cell(row, col(ws, names[k]), v)


# ---------------------------------------------------------------- cell_text
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  x ", "  x "),
        (123, "123"),
        (123.0, "123"),
        (812345678901.0, "812345678901"),
        (1.5, "1.5"),
        (True, "TRUE"),
        (datetime(2026, 11, 3, 9, 5), "2026-11-03 09:05:00"),
        (datetime(2026, 11, 3), "2026-11-03"),
        (date(2026, 11, 3), "2026-11-03"),
        (time(9, 5), "09:05:00"),
        (timedelta(hours=2), "2:00:00"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_guide_rows_list_every_column_with_who_fills_it(layout):
    rows = guide_rows(layout)
    table = {
        r[0]: r[1:]
        for r in rows[rows.index(["Kolom", "Diisi oleh", "Pilihan", "Keterangan"]) + 1 :]
    }
    assert list(table) == layout.headers
    assert table[C.TICKET] == ["Sistem (jangan diubah)", "", "Nomor aduan, diisi otomatis."]
    # Kategori completes BPBD step 3 (recording the complaint): the role of that step
    assert table["Kategori"][:2] == ["Petugas Layanan", "Bencana, Lainnya"]
    assert table["Kategori"][2].startswith("Diisi untuk menyelesaikan Tahap 3: ")
    assert table[C.RECEIVED][0].startswith("Sistem untuk aduan email; petugas")
    assert (
        table[C.STATUS][2]
        == "Status aduan: Baru, Diproses, Menunggu Pengadu, Selesai, Disalurkan, "
        "Ditutup — tidak dilengkapi."
    )


@pytest.mark.parametrize("sop", ["bpbd-karanganyar", "dinsos-blitar"])
def test_every_fixed_column_explains_itself_in_the_guide(sop):
    layout = build_layout(load_sop(REPO / f"config/sop/{sop}.yaml"))
    fixed = [c for c in layout.columns if c.kind != "staff"]  # staff columns: the SOP's help
    assert len(fixed) == 18  # issue 16: Isi untuk Tim; issue 20: Batas Penyelesaian
    assert [c.name for c in fixed if not c.help.strip()] == []


# ---------------------------------------------------------------- init
def test_init_creates_everything(tmp_path, layout):
    path = tmp_path / "sub" / "register.xlsx"
    done = XlsxRegister(path, layout).init()
    assert done[0].startswith("Berkas register dibuat")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [REGISTER_TAB, HISTORY_TAB, GUIDE_TAB, META_TAB]
    ws = wb[REGISTER_TAB]
    assert [c.value for c in ws[1]] == layout.headers
    assert ws.freeze_panes == "B2"  # the header row and No. Aduan (issue 22)
    assert wb[META_TAB].sheet_state == "hidden"
    assert wb.active.title == REGISTER_TAB
    for name in layout.names("hidden"):
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(col(ws, name))].hidden
    assert ws.column_dimensions["A"].width == layout.column(C.TICKET).width
    dvs = [(dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation]
    for name in ("Perlu Tindak Lanjut", C.CONFIDENTIAL, C.CATEGORY, C.CHANNEL):
        formula = '"' + ",".join(layout.column(name).choices) + '"'
        letter = openpyxl.utils.get_column_letter(col(ws, name))
        assert (formula, f"{letter}2:{letter}1048576") in dvs
    assert layout.column(C.CATEGORY).choices == ("Bencana", "Lainnya")  # from settings
    assert len(dvs) == len([c for c in layout.columns if c.choices])
    formulas = [f for cf in ws.conditional_formatting for r in cf.rules for f in r.formula]
    late = openpyxl.utils.get_column_letter(col(ws, C.LATE))
    assert f'${late}2="Ya"' in formulas
    assert any("Selesai" in f and "Disalurkan" in f for f in formulas)
    assert [c.value for c in wb[HISTORY_TAB][1]] == HISTORY_HEADERS
    guide = "\n".join(str(c.value) for r in wb[GUIDE_TAB].iter_rows() for c in r if c.value)
    assert "Petunjuk Register Aduan" in guide
    assert layout.column("Perlu Tindak Lanjut").help in guide


def test_second_init_changes_nothing(reg):
    before, mtime = digest(reg.path), reg.path.stat().st_mtime_ns
    assert reg.init() == []
    assert digest(reg.path) == before
    assert reg.path.stat().st_mtime_ns == mtime


def test_init_repairs_missing_tab_and_keeps_data(reg):
    wb = openpyxl.load_workbook(reg.path)
    del wb[HISTORY_TAB]
    type_row(wb[REGISTER_TAB], 2, name="Bu Sri", text="Jalan rusak")
    wb[REGISTER_TAB].column_dimensions[
        openpyxl.utils.get_column_letter(col(wb[REGISTER_TAB], C.STATE))
    ].hidden = False
    wb.save(reg.path)
    done = reg.init()
    assert f"Tab '{HISTORY_TAB}' dibuat" in done
    assert f"Kolom '{C.STATE}' disembunyikan" in done
    assert reg.read().rows[0].get(C.NAME) == "Bu Sri"
    assert reg.init() == []


def test_init_rehides_columns_saved_as_one_group(reg):
    """LibreOffice saves adjacent columns of equal format as one <col min max>."""
    wb = openpyxl.load_workbook(reg.path)
    ws = wb[REGISTER_TAB]
    first, last = col(ws, C.DOCUMENTS), col(ws, C.STATE)
    for j in range(first, last + 1):
        del ws.column_dimensions[openpyxl.utils.get_column_letter(j)]
    ws.column_dimensions.group(
        openpyxl.utils.get_column_letter(first), openpyxl.utils.get_column_letter(last)
    )
    ws.column_dimensions[openpyxl.utils.get_column_letter(first)].hidden = False
    wb.save(reg.path)
    done = reg.init()
    assert f"Kolom '{C.SOURCE}' disembunyikan" in done
    ws = openpyxl.load_workbook(reg.path)[REGISTER_TAB]
    dims = [(d.min, d.max, d.hidden) for d in ws.column_dimensions.values() if d.min >= first]
    assert sorted(dims) == [(first, first, False), (first + 1, first + 1, True), (last, last, True)]
    assert reg.init() == []


def test_init_refreshes_edited_guide(reg):
    wb = openpyxl.load_workbook(reg.path)
    wb[GUIDE_TAB]["A1"] = "coretan"
    wb.save(reg.path)
    assert reg.init() == [f"Tab '{GUIDE_TAB}' diperbarui"]
    assert openpyxl.load_workbook(reg.path)[GUIDE_TAB]["A1"].value == "Petunjuk Register Aduan"


def test_init_reports_renamed_header_by_name(reg):
    staff_edit(reg.path, lambda ws: ws.cell(1, col(ws, C.STATUS), "Status Aduan"))
    before = digest(reg.path)
    with pytest.raises(RegisterError, match="'Status'") as e:
        reg.init()
    assert e.value.permanent
    assert digest(reg.path) == before


# ---------------------------------------------------------------- read
def test_read_after_init_is_empty(reg, layout):
    snap = reg.read()
    assert snap.headers == layout.headers
    assert snap.rows == [] and snap.meta == {} and snap.problems == []


def test_read_values_as_text_blank_rows_skipped_any_column_order(tmp_path, layout):
    path = tmp_path / "r.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = REGISTER_TAB
    headers = ["Kolom Tambahan", *reversed(layout.headers)]  # own order, extra column
    ws.append(headers)
    row = {
        C.NAME: "Pak Budi",
        C.CONTACT: 81234567890,
        C.RECEIVED: datetime(2026, 11, 3, 9, 5),
        "Kolom Tambahan": "abaikan",
    }
    ws.append([row.get(h) for h in headers])
    ws.append([])
    ws.append([None, None, 42.0])  # staff typed a number into the Data Sistem column
    wb.save(path)
    snap = XlsxRegister(path, layout).read()
    assert [r.index for r in snap.rows] == [0, 2]
    first = snap.rows[0].values
    assert set(first) == set(layout.headers)
    assert first[C.CONTACT] == "81234567890"
    assert first[C.RECEIVED] == "2026-11-03 09:05:00"
    assert first[C.NAME] == "Pak Budi" and first[C.TICKET] == ""
    assert snap.rows[1].values[layout.headers[-2]] == "42"


def test_read_missing_system_header_is_error_staff_header_is_problem(reg):
    staff_edit(reg.path, lambda ws: ws.cell(1, col(ws, "Catatan"), "Catatan Petugas"))
    assert any("Catatan" in p for p in reg.read().problems)
    staff_edit(reg.path, lambda ws: setattr(ws.cell(1, col(ws, C.STATE)), "value", None))
    with pytest.raises(RegisterError, match="'Data Sistem'") as e:
        reg.read()
    assert e.value.permanent


def test_read_missing_tab_or_file(tmp_path, layout, reg):
    wb = openpyxl.load_workbook(reg.path)
    wb[REGISTER_TAB].title = "Register"
    wb.save(reg.path)
    with pytest.raises(RegisterError, match=REGISTER_TAB):
        reg.read()
    with pytest.raises(RegisterError, match="aduan init") as e:
        XlsxRegister(tmp_path / "nope.xlsx", layout).read()
    assert e.value.permanent


@pytest.mark.parametrize("junk", [b"not a spreadsheet", b"PK\x03\x04" + b"\0" * 100])
def test_corrupt_file_is_permanent_error(tmp_path, layout, junk):
    path = tmp_path / "register.xlsx"
    path.write_bytes(junk)
    os.utime(path, (1e9, 1e9))  # saved long ago
    r = XlsxRegister(path, layout)
    for call in (r.read, r.init, lambda: r.write(WriteSet(meta={"a": "1"}))):
        with pytest.raises(RegisterError, match="register.xlsx") as e:
            call()
        assert e.value.permanent
    assert path.read_bytes() == junk


def test_file_unreadable_right_after_a_save_is_transient(tmp_path, layout):
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"PK\x03\x04 half written by an editor")
    with pytest.raises(RegisterError, match="rusak") as e:
        XlsxRegister(path, layout).read()
    assert not e.value.permanent


def test_zip_without_workbook_is_permanent_error(tmp_path, layout):
    path = tmp_path / "register.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(RegisterError, match="rusak"):
        XlsxRegister(path, layout).read()


# ---------------------------------------------------------------- write
def test_write_appends_updates_history_meta(reg):
    res = reg.write(
        WriteSet(
            appends=[
                {C.TICKET: "ADU/2026/11/0001", C.NAME: "Bu Sri", C.STATUS: "Baru"},
                {C.TICKET: "ADU/2026/11/0002", C.NAME: "Pak Budi", C.STATUS: "Baru"},
            ],
            history=[
                {
                    "Waktu": "2026-11-03 09:00",
                    "No. Aduan": "ADU/2026/11/0001",
                    "Peristiwa": "diterima",
                }
            ],
            meta={"seq:2026-11": "2"},
        )
    )
    assert res == WriteResult(updated=0, appended=2, skipped=[])
    res = reg.write(
        WriteSet(
            updates=[
                RowUpdate({C.STATUS: "Diproses", C.STEP: "2. Jawab"}, ticket="ADU/2026/11/0002")
            ],
            appends=[{C.TICKET: "ADU/2026/11/0003"}],
            history=[{"No. Aduan": "ADU/2026/11/0002", "Peristiwa": "tahap 2"}],
            meta={"seq:2026-11": "3", "imap:uidvalidity": "77"},
        )
    )
    assert (res.updated, res.appended, res.skipped) == (1, 1, [])
    rows = calamine_dicts(reg.path)
    assert [r[C.TICKET] for r in rows] == [
        "ADU/2026/11/0001",
        "ADU/2026/11/0002",
        "ADU/2026/11/0003",
    ]
    assert rows[1][C.STATUS] == "Diproses" and rows[1][C.STEP] == "2. Jawab"
    assert rows[0][C.STATUS] == "Baru"
    hist = calamine_rows(reg.path, HISTORY_TAB)
    assert hist[0] == HISTORY_HEADERS
    assert [h[2] for h in hist[1:]] == ["diterima", "tahap 2"]
    snap = reg.read()
    assert snap.meta == {"seq:2026-11": "3", "imap:uidvalidity": "77"}
    assert len(calamine_rows(reg.path, META_TAB)) == 3  # header + 2 keys, upserted not duplicated
    assert not [p for p in reg.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_write_recreates_missing_history_and_meta_tabs(reg):
    wb = openpyxl.load_workbook(reg.path)
    del wb[HISTORY_TAB], wb[META_TAB]
    wb.save(reg.path)
    reg.write(WriteSet(history=[{"Peristiwa": "x"}], meta={"a": "1"}))
    wb = openpyxl.load_workbook(reg.path)
    assert wb[META_TAB].sheet_state == "hidden"
    assert calamine_rows(reg.path, HISTORY_TAB) == [HISTORY_HEADERS, ["", "", "x", "", "", ""]]
    assert reg.read().meta == {"a": "1"}


def test_append_of_a_row_already_there_is_skipped(reg):
    first = {C.TICKET: "ADU/1", C.SOURCE: "<a@x>", C.NAME: "Bu Sri"}
    reg.write(WriteSet(appends=[first]))
    res = reg.write(
        WriteSet(
            appends=[
                first,
                {C.TICKET: "ADU/2", C.SOURCE: "<a@x>"},
                {C.TICKET: "ADU/3", C.SOURCE: "<b@x>"},
            ]
        )
    )
    assert res.appended == 1 and len(res.skipped) == 2
    assert "ADU/1" in res.skipped[0] and "<a@x>" in res.skipped[1]
    assert [r[C.TICKET] for r in calamine_dicts(reg.path)] == ["ADU/1", "ADU/3"]


def test_append_goes_below_last_row_even_with_gaps(reg):
    def fill(ws):
        type_row(ws, 2, ticket="ADU/1")
        type_row(ws, 5, name="Diketik staf", text="x")  # gap of two empty rows

    staff_edit(reg.path, fill)
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/2"}]))
    rows = calamine_rows(reg.path)
    assert rows[5][0] == "ADU/2" and len(rows) == 6


def test_update_by_ticket_after_staff_sorted(reg):
    reg.write(
        WriteSet(appends=[{C.TICKET: f"ADU/{i}", C.NAME: f"Pengadu {i}"} for i in range(1, 5)])
    )
    snap = reg.read()
    assert snap.rows[0].get(C.TICKET) == "ADU/1"

    def reverse(ws):
        data = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=5)]
        for i, vals in enumerate(reversed(data), start=2):
            for j, v in enumerate(vals, start=1):
                ws.cell(i, j, v)

    staff_edit(reg.path, reverse)
    res = reg.write(
        WriteSet(
            updates=[
                RowUpdate({C.STATUS: "Selesai"}, ticket="ADU/1"),
                RowUpdate({C.STATUS: "Diproses"}, ticket="ADU/9"),
            ]
        )
    )
    assert res.updated == 1 and len(res.skipped) == 1 and "ADU/9" in res.skipped[0]
    rows = calamine_dicts(reg.path)
    assert rows[3][C.TICKET] == "ADU/1" and rows[3][C.STATUS] == "Selesai"
    assert [r[C.STATUS] for r in rows[:3]] == ["", "", ""]


def test_ticketless_row_found_by_fingerprint_after_insert_above(reg):
    staff_edit(
        reg.path,
        lambda ws: type_row(
            ws, 2, name="Bu Ani", text="Banjir", channel="WhatsApp", contact="081234"
        ),
    )
    row = reg.read().rows[0]
    fp = row_fingerprint(row.values)
    staff_edit(
        reg.path, lambda ws: (ws.insert_rows(2), type_row(ws, 2, name="Baru lagi", text="y"))
    )
    res = reg.write(
        WriteSet(
            updates=[
                RowUpdate(
                    {C.TICKET: "ADU/2026/11/0001", C.STATUS: "Baru"},
                    index=row.index,
                    fingerprint=fp,
                )
            ]
        )
    )
    assert (res.updated, res.skipped) == (1, [])
    rows = calamine_dicts(reg.path)
    assert rows[0][C.TICKET] == "" and rows[0][C.NAME] == "Baru lagi"
    assert rows[1][C.TICKET] == "ADU/2026/11/0001" and rows[1][C.NAME] == "Bu Ani"
    assert rows[1][C.CONTACT] == "081234"


def test_ticketless_row_edited_meanwhile_is_skipped(reg):
    staff_edit(reg.path, lambda ws: type_row(ws, 2, name="Bu Ani", text="Banjir"))
    row = reg.read().rows[0]
    staff_edit(reg.path, lambda ws: type_row(ws, 2, text="Banjir di RT 3"))
    before = calamine_rows(reg.path)
    res = reg.write(
        WriteSet(
            updates=[
                RowUpdate(
                    {C.TICKET: "ADU/1"}, index=row.index, fingerprint=row_fingerprint(row.values)
                )
            ]
        )
    )
    assert res.updated == 0 and len(res.skipped) == 1 and "baris 2" in res.skipped[0]
    assert calamine_rows(reg.path) == before


def test_staff_column_never_written_intake_only_when_empty(reg):
    staff_edit(
        reg.path,
        lambda ws: type_row(ws, 2, ticket="ADU/1", name="Ditulis Staf", kategori="Bencana"),
    )
    res = reg.write(
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
    r = calamine_dicts(reg.path)[0]
    assert r["Kategori"] == "Bencana" and r["Disposisi"] == ""
    assert r[C.NAME] == "Ditulis Staf"  # intake, not empty: kept
    assert r[C.TEXT] == "isi"  # intake, empty: filled
    assert r[C.STATUS] == "Diproses"


def test_formula_looking_text_stays_text(reg):
    evil = '=HYPERLINK("http://evil.example","klik")'
    reg.write(
        WriteSet(
            appends=[
                {
                    C.TICKET: "ADU/1",
                    C.TEXT: evil,
                    C.CONTACT: "+6281234567890",
                    C.SUBJECT: "0812000111",
                    C.NAME: "@SUM(A1)",
                    C.ATTACHMENTS: "a\x00b\x07c",
                }
            ],
            history=[{"Keterangan": "=1+1"}],
            meta={"k": "=2+2"},
        )
    )
    ws = openpyxl.load_workbook(reg.path)[REGISTER_TAB]
    for name, want in [
        (C.TEXT, evil),
        (C.CONTACT, "+6281234567890"),
        (C.SUBJECT, "0812000111"),
        (C.NAME, "@SUM(A1)"),
        (C.ATTACHMENTS, "abc"),
    ]:
        cell = ws.cell(2, col(ws, name))
        assert cell.data_type == "s" and cell.value == want
    assert calamine_dicts(reg.path)[0][C.TEXT] == evil
    with zipfile.ZipFile(reg.path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    assert reg.read().meta["k"] == "=2+2"


def test_overlong_text_truncated_to_excel_limit(reg):
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/1", C.TEXT: "x" * 40000}]))
    text = reg.read().rows[0].get(C.TEXT)
    assert len(text) == 32767 and text.endswith("[dipotong]")


@pytest.mark.parametrize("lock", [".~lock.register.xlsx#", "~$register.xlsx"])
def test_lock_file_defers_write_and_leaves_file(reg, lock):
    (reg.path.parent / lock).write_text("x")
    before, mtime = digest(reg.path), reg.path.stat().st_mtime_ns
    with pytest.raises(RegisterError, match="ditunda ke siklus berikutnya") as e:
        reg.write(WriteSet(meta={"a": "1"}))
    assert not e.value.permanent
    assert digest(reg.path) == before and reg.path.stat().st_mtime_ns == mtime


def test_empty_writeset_does_not_touch_file(reg):
    reg.path.write_bytes(b"garbage: proves the file is not even opened")
    mtime = reg.path.stat().st_mtime_ns
    (reg.path.parent / "~$register.xlsx").write_text("x")
    assert reg.write(WriteSet()) == WriteResult()
    assert reg.path.stat().st_mtime_ns == mtime


def test_failed_save_leaves_register_intact(reg, monkeypatch):
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}]))
    before = digest(reg.path)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # the temp file is written, then the disk fills
    with pytest.raises(RegisterError, match="tidak dapat disimpan") as e:
        reg.write(WriteSet(appends=[{C.TICKET: "ADU/2"}]))
    assert not e.value.permanent
    assert digest(reg.path) == before
    assert sorted(p.name for p in reg.path.parent.iterdir()) == ["register.xlsx"]


def test_staff_save_during_write_wins_and_write_is_deferred(reg, monkeypatch):
    fsync = os.fsync

    def staff_saves_meanwhile(fd):
        fsync(fd)
        if not getattr(staff_saves_meanwhile, "done", False):
            staff_saves_meanwhile.done = True
            staff_edit(reg.path, lambda ws: type_row(ws, 2, name="Staf menyimpan"))

    monkeypatch.setattr(os, "fsync", staff_saves_meanwhile)
    with pytest.raises(RegisterError, match="ditunda") as e:
        reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}]))
    assert not e.value.permanent
    assert [r.get(C.NAME) for r in reg.read().rows] == ["Staf menyimpan"]
    assert [p.name for p in reg.path.parent.iterdir()] == ["register.xlsx"]


def test_write_tab_creates_and_replaces_report_tab(reg):
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}]))
    reg.write_tab("Rekap 2026-11", [["Bulan", "Jumlah"], ["2026-11", 12], ["=1+1", "x"]])
    reg.write_tab("Rekap 2026-11", [["Bulan", "Jumlah"], ["2026-11", "13"]])
    assert calamine_rows(reg.path, "Rekap 2026-11") == [["Bulan", "Jumlah"], ["2026-11", "13"]]
    wb = openpyxl.load_workbook(reg.path)
    assert wb.sheetnames[-1] == "Rekap 2026-11"
    assert reg.read().rows[0].get(C.TICKET) == "ADU/1"
    for bad in (REGISTER_TAB, META_TAB, "Rekap/11"):
        with pytest.raises(RegisterError):
            reg.write_tab(bad, [["x"]])


# ---------------------------------------------------------------- factory
def test_open_register(make_settings, layout):
    settings = make_settings("bpbd")
    r = open_register(settings, layout)
    assert isinstance(r, XlsxRegister) and r.path == settings.path(settings.register_.path)


# ------------------------------------------------- the XML patcher, literal sheets
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(rows: str, head: str = '<dimension ref="A1:C3"/>', ns: str = NS) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet {ns}>{head}<sheetData>{rows}</sheetData><pageMargins/></worksheet>'.encode()


def patched(xml: bytes, cells: dict, *, calc_chain: bool = False) -> bytes:
    s = Sheet("t", xml, calc_chain=calc_chain)
    s.set_cells(cells)
    etree.fromstring(s.xml)  # still well-formed
    return s.xml


def test_cell_xml_is_an_inline_string_escaped_and_preserved():
    assert cell_xml("B7", "a<b & c>", b"3") == (
        b'<c r="B7" s="3" t="inlineStr"><is><t>a&lt;b &amp; c&gt;</t></is></c>'
    )
    assert cell_xml("A1", " x\n", None) == (
        b'<c r="A1" t="inlineStr"><is><t xml:space="preserve"> x\n</t></is></c>'
    )
    assert cell_xml("A1", "", b"2") == b'<c r="A1" s="2"/>'
    assert cell_xml("A1", "=1+1", b"0", b"x:") == (
        b'<x:c r="A1" t="inlineStr"><x:is><x:t>=1+1</x:t></x:is></x:c>'
    )


def test_clean_text_strips_what_xml_cannot_hold_and_truncates():
    assert clean_text("a\x00b\x0bc\ud800d\uffffe\tf\ng") == "abcde\tf\ng"
    assert clean_text(None) == ""
    long = clean_text("x" * 40000)
    assert len(long) == 32767 and long.endswith("[dipotong]")


def test_set_cells_keeps_order_styles_and_other_cells():
    xml = sheet_xml(
        '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" s="5"><v>7</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>1</v></c></row>',
        head='<dimension ref="A1:C3"/><cols><col min="2" max="4" style="9" width="12"/></cols>',
    )
    out = patched(xml, {1: {2: "tengah", 3: "ganti"}, 2: {1: "baru"}, 5: {5: "jauh"}})
    assert b'<row r="1"><c r="A1" t="s"><v>0</v></c>' in out  # untouched cell, spans dropped
    assert b'<c r="B1" s="9" t="inlineStr"><is><t>tengah</t></is></c>' in out  # column style
    assert b'<c r="C1" s="5" t="inlineStr"><is><t>ganti</t></is></c></row>' in out  # own style
    rows = re.findall(rb'<row r="(\d+)"', out)
    assert rows == [b"1", b"2", b"3", b"5"]  # new rows in order between the old ones
    assert b'<c r="E5" t="inlineStr">' in out  # no column style for E
    assert b'<dimension ref="A1:E5"/>' in out


def test_set_cells_on_empty_and_self_closing_rows_with_row_style():
    xml = sheet_xml('<row r="2" s="4" customFormat="1"/>', head='<dimension ref="A1"/>')
    out = patched(xml, {2: {1: "x"}})
    assert b'<row r="2" s="4" customFormat="1"><c r="A2" s="4" t="inlineStr">' in out
    empty = b"<worksheet " + NS.encode() + b"><sheetData/></worksheet>"
    out = patched(empty, {1: {1: "k", 2: "v"}})
    assert out.endswith(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>k</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>v</t></is></c></row></sheetData></worksheet>'
    )


def test_set_cells_with_a_namespace_prefix():
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = (
        f'<x:worksheet {ns}><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()
    out = patched(xml, {1: {2: "b"}, 2: {1: "c"}})
    root = etree.fromstring(out)
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert [c.get("r") for c in root.iter(main + "c")] == ["A1", "B1", "A2"]


def test_empty_text_clears_the_value_but_keeps_the_style():
    xml = sheet_xml('<row r="2"><c r="A2" s="3" t="inlineStr"><is><t>lama</t></is></c></row>')
    assert b'<row r="2"><c r="A2" s="3"/></row>' in patched(xml, {2: {1: ""}})


def test_last_used_row_skips_rows_that_are_only_formatted():
    xml = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
        '<row r="4"><c r="B4"><v>2</v></c></row><row r="5" s="1" customFormat="1"/>'
        '<row r="6"><c r="A6" s="2"/></row>'
    )
    assert Sheet("t", xml, calc_chain=False).last_used_row() == 4
    assert Sheet("t", sheet_xml(""), calc_chain=False).last_used_row() == 0


@pytest.mark.parametrize(
    ("rows", "calc_chain", "why"),
    [
        (
            '<row r="2"><c r="A2"><f t="shared" ref="A2:A9" si="0">B2</f><v>1</v></c></row>',
            False,
            "shared",
        ),
        ('<row r="2"><c r="A2"><f>B2*2</f><v>1</v></c></row>', True, "calcChain"),
        ('<row><c r="A2"><v>1</v></c></row>', False, "without a leading r"),
        ('<row r="2"><c r="A2"><v>1</v></c><extLst/></row>', False, "other than cells"),
    ],
)
def test_shapes_the_patcher_refuses(rows, calc_chain, why):
    with pytest.raises(Unsupported, match=why):
        patched(sheet_xml(rows), {2: {1: "x"}}, calc_chain=calc_chain)


def test_plain_formula_without_calc_chain_is_overwritten_as_text():
    out = patched(sheet_xml('<row r="2"><c r="A2"><f>B2*2</f><v>1</v></c></row>'), {2: {1: "x"}})
    assert b"<f>" not in out and b"<t>x</t>" in out


def test_sheet_without_sheet_data_is_refused():
    with pytest.raises(Unsupported, match="sheetData"):
        Sheet("t", b"<worksheet " + NS.encode() + b"/>", calc_chain=False)


# ------------------------------------------------- the patched file, reopened
def member(path: Path, tab: str) -> str:
    return XlsxPatch(path.read_bytes()).parts[tab]


def edit_member(path: Path, name: str, fn) -> None:
    """Change one zip member's XML the way another program (Excel) would have saved it."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info, fn(data) if info.filename == name else data)


def members(path: Path) -> dict[str, tuple[int, int, bytes]]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: (i.CRC, i.compress_size, z.read(i)) for i in z.infolist()}


def test_write_rewrites_only_the_tabs_it_changes(reg):
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}], history=[{"Peristiwa": "a"}]))
    before = members(reg.path)
    reg.write(WriteSet(updates=[RowUpdate({C.STATUS: "Selesai"}, ticket="ADU/1")]))
    after = members(reg.path)
    assert list(after) == list(before)
    changed = [n for n in after if after[n] != before[n]]
    assert changed == [member(reg.path, REGISTER_TAB)]  # CRC, size, bytes: all else identical
    reg.write(WriteSet(history=[{"Peristiwa": "b"}], meta={"k": "v"}))
    again = members(reg.path)
    changed = {n for n in again if again[n] != after[n]}
    assert changed == {member(reg.path, HISTORY_TAB), member(reg.path, META_TAB)}
    with zipfile.ZipFile(reg.path) as z:
        assert z.testzip() is None


def test_written_cells_are_text_in_the_columns_format_with_whitespace_kept(reg, layout):
    values = {
        C.TICKET: "ADU/1",
        C.CONTACT: "081234",
        C.TEXT: "  baris satu\n  baris dua ",
        C.NAME: "Ani",
    }
    reg.write(WriteSet(appends=[values, {C.TICKET: "ADU/2"}]))
    ws = openpyxl.load_workbook(reg.path)[REGISTER_TAB]
    for name, want in values.items():
        cell = ws.cell(2, col(ws, name))
        assert (cell.value, cell.data_type, cell.number_format) == (want, "s", "@")
    assert calamine_dicts(reg.path)[0][C.TEXT] == values[C.TEXT]
    assert reg.read().rows[0].values[C.TEXT] == values[C.TEXT]
    with zipfile.ZipFile(reg.path) as z:
        xml = z.read(member(reg.path, REGISTER_TAB))
    last = openpyxl.utils.get_column_letter(len(layout.headers))
    assert re.search(rb'<dimension ref="([^"]+)"', xml)[1] == f"A1:{last}3".encode()


@pytest.mark.filterwarnings("ignore:Data Validation extension")  # openpyxl, reading it back
def test_staff_chart_comment_and_excel_validation_survive_our_write(reg):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment

    reg.write(WriteSet(appends=[{C.TICKET: f"ADU/{i}", C.STATUS: "Baru"} for i in range(1, 4)]))
    wb = openpyxl.load_workbook(reg.path)
    ws = wb[REGISTER_TAB]
    ws.cell(2, col(ws, C.NOTE)).comment = Comment("cek ke lokasi", "Bu Kasi")
    chart = BarChart()
    chart.add_data(Reference(wb[HISTORY_TAB], min_col=1, min_row=1, max_row=3))
    wb[HISTORY_TAB].add_chart(chart, "H2")
    wb.save(reg.path)
    # what Excel adds and openpyxl drops: a list validation from another tab (x14 extension)
    ext = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" count="1">'
        b'<x14:dataValidation type="list"><x14:formula1><xm:f>Petunjuk!$A$20:$A$30</xm:f>'
        b"</x14:formula1><xm:sqref>I2:I1048576</xm:sqref></x14:dataValidation>"
        b"</x14:dataValidations></ext></extLst></worksheet>"
    )
    edit_member(reg.path, member(reg.path, REGISTER_TAB), lambda x: x.replace(b"</worksheet>", ext))
    before = members(reg.path)
    assert any("chart" in n for n in before) and any("comments" in n for n in before)

    res = reg.write(
        WriteSet(
            updates=[RowUpdate({C.STATUS: "Diproses"}, ticket="ADU/1")],
            appends=[{C.TICKET: "ADU/4"}],
            history=[{"Peristiwa": "tahap 2"}],
        )
    )
    assert (res.updated, res.appended) == (1, 1)
    after = members(reg.path)
    for name in before:
        if "chart" in name or "comment" in name or "drawing" in name:
            assert after[name] == before[name], name
    with zipfile.ZipFile(reg.path) as z:
        assert b"x14:dataValidation " in z.read(member(reg.path, REGISTER_TAB))
    wb = openpyxl.load_workbook(reg.path)
    ws = wb[REGISTER_TAB]
    assert ws.cell(2, col(ws, C.NOTE)).comment.text == "cek ke lokasi"
    assert [r[C.STATUS] for r in calamine_dicts(reg.path)] == ["Diproses", "Baru", "Baru", ""]
    assert calamine_rows(reg.path, HISTORY_TAB)[-1][2] == "tahap 2"


def test_shared_formula_in_our_column_falls_back_to_openpyxl(reg, caplog):
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}, {C.TICKET: "ADU/2"}]))
    ws = openpyxl.load_workbook(reg.path)[REGISTER_TAB]
    late = openpyxl.utils.get_column_letter(col(ws, C.LATE))
    formula = f'<c r="{late}2"><f t="shared" ref="{late}2:{late}3" si="0">1+1</f><v>2</v></c>'

    def add_formula(xml: bytes) -> bytes:
        return xml.replace(b'<row r="2">', b'<row r="2">' + formula.encode(), 1)

    edit_member(reg.path, member(reg.path, REGISTER_TAB), add_formula)
    res = reg.write(WriteSet(updates=[RowUpdate({C.LATE: "Ya"}, ticket="ADU/1")]))
    assert res.updated == 1
    assert "shared/array formula" in caplog.text and "writing with openpyxl" in caplog.text
    assert calamine_dicts(reg.path)[0][C.LATE] == "Ya"


# ------------------------------------------------- LibreOffice: saved by it, read by it
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.fixture(scope="module")
def lo_profile(tmp_path_factory) -> Path:
    """A private LibreOffice profile: parallel runs share none; creating one costs seconds."""
    return tmp_path_factory.mktemp("lo-profile")


def soffice(src: Path, outdir: Path, to: str, profile: Path) -> None:
    """Convert ``src`` into ``outdir`` with LibreOffice (skip if not installed)."""
    exe = shutil.which("soffice")
    if exe is None:
        msg = "soffice not installed (libreoffice-calc-nogui, scripts/install-system-deps.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    cmd = [
        exe,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--convert-to",
        to,
    ]
    subprocess.run(
        [*cmd, "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=120
    )


def test_register_saved_by_libreoffice_is_patched_and_libreoffice_reads_ours(
    reg, tmp_path, caplog, lo_profile
):
    reg.write(
        WriteSet(
            appends=[
                {C.TICKET: f"ADU/{i}", C.NAME: f"Pengadu {i}", C.STATUS: "Baru"}
                for i in range(1, 4)
            ],
            history=[{"No. Aduan": "ADU/1", "Peristiwa": "diterima"}],
            meta={"seq:2026-11": "3"},
        )
    )
    # staff opened it in LibreOffice Calc and saved: shared strings, LibreOffice's own XML
    lo = tmp_path / "lo"
    soffice(reg.path, lo, "xlsx:Calc MS Excel 2007 XML", lo_profile)
    shutil.copy(lo / "register.xlsx", reg.path)
    with zipfile.ZipFile(reg.path) as z:
        assert b't="s"' in z.read(member(reg.path, HISTORY_TAB))  # headers are shared strings
    res = reg.write(
        WriteSet(
            updates=[RowUpdate({C.STATUS: "Diproses", C.STEP: "2. Jawab & <cek>"}, ticket="ADU/2")],
            appends=[{C.TICKET: "ADU/4", C.TEXT: "baris 1\nbaris 2", C.CONTACT: "0812"}],
            history=[{"No. Aduan": "ADU/2", "Peristiwa": "tahap 2", "Kunci": "k2"}],
            meta={"seq:2026-11": "4", "imap:uidvalidity": "9"},
        )
    )
    assert (res.updated, res.appended, res.skipped) == (1, 1, [])
    assert "openpyxl" not in caplog.text  # patched, not the fallback

    out = tmp_path / "csv"
    soffice(reg.path, out, CSV_ALL_SHEETS, lo_profile)
    table = list(csv.reader((out / f"register-{REGISTER_TAB}.csv").open(encoding="utf-8")))
    heads = table[0]
    got = [dict(zip(heads, r, strict=False)) for r in table[1:]]
    assert [r[C.TICKET] for r in got] == ["ADU/1", "ADU/2", "ADU/3", "ADU/4"]
    assert [r[C.STATUS] for r in got] == ["Baru", "Diproses", "Baru", ""]
    assert got[1][C.STEP] == "2. Jawab & <cek>" and got[1][C.NAME] == "Pengadu 2"
    assert got[3][C.TEXT] == "baris 1\nbaris 2" and got[3][C.CONTACT] == "0812"
    hist = list(csv.reader((out / f"register-{HISTORY_TAB}.csv").open(encoding="utf-8")))
    assert hist[0] == HISTORY_HEADERS
    assert hist[1:] == [
        ["", "ADU/1", "diterima", "", "", ""],
        ["", "ADU/2", "tahap 2", "", "", "k2"],
    ]
    meta = list(csv.reader((out / f"register-{META_TAB}.csv").open(encoding="utf-8")))
    assert meta == [["key", "value"], ["seq:2026-11", "4"], ["imap:uidvalidity", "9"]]
    # and the other two readers agree
    assert reg.read().meta == {"seq:2026-11": "4", "imap:uidvalidity": "9"}
    ws = openpyxl.load_workbook(reg.path)[REGISTER_TAB]
    assert ws.cell(3, col(ws, C.STEP)).value == "2. Jawab & <cek>"
    assert [r[C.STATUS] for r in calamine_dicts(reg.path)] == ["Baru", "Diproses", "Baru", ""]


def test_many_rows_at_once_match_one_row_at_a_time():
    """Past 32 rows set_cells indexes every row in one pass instead of searching."""
    xml = sheet_xml(
        "".join(f'<row r="{r}"><c r="B{r}" s="2"><v>{r}</v></c></row>' for r in range(1, 200, 2))
    )
    cells = {r: {1: f"a{r}", 2: f"b{r}"} for r in range(1, 120, 3)}  # old and new rows
    assert len(cells) > 32
    at_once = patched(xml, cells)
    one_by_one = Sheet("t", xml, calc_chain=False)
    for r, row in cells.items():
        one_by_one.set_cells({r: row})
    assert at_once == one_by_one.xml
    rows = [int(n) for n in re.findall(rb'<row r="(\d+)"', at_once)]
    assert rows == sorted(set(range(1, 200, 2)) | set(cells))
    assert b'<c r="B7" s="2" t="inlineStr"><is><t>b7</t></is></c>' in at_once


# ------------------------------------------- a register that explains itself (issue 22)
@pytest.mark.parametrize(
    ("sop", "column", "who", "step"),
    [
        ("dinsos-blitar", "Disposisi", "Kepala Dinas", "Tahap 3"),
        ("dinsos-blitar", "Diteruskan ke Kepala Dinas", "Sekretaris", "Tahap 2"),
        ("dinsos-blitar", "Keputusan Penyelesaian", "Tim Pengelola Pengaduan", "Tahap 4"),
        ("dinsos-blitar", "Jawaban untuk Pengadu", "Tim Pengelola Pengaduan", "Tahap 5"),
        ("bpbd-karanganyar", "Disposisi", "Pimpinan", "Tahap 4"),
        ("bpbd-karanganyar", "Rencana Tindak Lanjut", "TIM", "Tahap 5"),
        ("bpbd-karanganyar", "Laporan Pelaksanaan", "TIM", "Tahap 7"),
    ],
)
def test_the_guide_names_who_fills_each_decision_column_and_its_step(sop, column, who, step):
    s = load_sop(REPO / f"config/sop/{sop}.yaml")
    rows = guide_rows(build_layout(s))
    (row,) = [r for r in rows if r and r[0] == column]
    assert row[1] == who
    assert f"menyelesaikan {step}: " in row[3]


def test_the_register_reads_and_prints(tmp_path, layout):
    """Wrapped text, a header filter, No. Aduan frozen, landscape fitted to the page width
    with the header row repeated: what staff see in LibreOffice and on paper."""
    path = tmp_path / "register.xlsx"
    reg = XlsxRegister(path, layout)
    reg.init()
    wb = openpyxl.load_workbook(path)
    ws = wb[REGISTER_TAB]
    assert ws.freeze_panes == "B2"
    last = openpyxl.utils.get_column_letter(len(layout.headers))
    assert ws.auto_filter.ref.startswith("A1:" + last)
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # bands of ~250 characters across, as many pages down as needed
    shown = sum(
        (ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width or 13)
        for j in range(1, len(layout.headers) + 1)
        if not ws.column_dimensions[openpyxl.utils.get_column_letter(j)].hidden
    )
    assert ws.page_setup.fitToWidth == max(1, round(shown / 250)) >= 2
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$1" and ws.print_title_cols == "$A:$A"
    dim = ws.column_dimensions[openpyxl.utils.get_column_letter(col(ws, C.TEXT))]
    assert dim.alignment.wrap_text
    assert reg.init() == []  # and a second init finds nothing to do
