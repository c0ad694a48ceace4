"""``aduan check --deep`` (issue 18 part 6): the live probe against the local Sheets
server (every request checked against Google's discovery document by the server): a
scratch tab made, probed and always deleted; the register's own tabs never touched."""

from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner

from aduan.cli import cli
from aduan.core.layout import C, build_layout
from aduan.core.model import WriteSet
from aduan.register.sheets.probe import PROBE_PREFIX, PROBE_ROWS, TRICKY
from aduan.run.check import DEEP, deep_checks
from tests.test_register_sheets import Sheet, key_file, layout, sheet  # noqa: F401 (fixtures)


def state(book: Sheet) -> dict:
    """Every tab of the spreadsheet: title -> (cells, validations, protections, formats)."""
    ss = book.server.spreadsheet(book.key)
    return {
        s.title: copy.deepcopy((s.cells, s.validations, s.protected_ranges, s.formats, s.props))
        for s in ss.sheets
    }


def probe(book: Sheet) -> list[tuple[bool, str]]:
    out = list(deep_checks(book.settings, client=book.server.client()))
    assert {name for name, _, _ in out} == {DEEP}
    return [(ok, line) for _, ok, line in out]


@pytest.fixture
def office(sheet):  # noqa: F811 (the imported fixture)
    """An initialised register holding one complaint, as in an office."""
    sheet.reg.read()
    sheet.reg.write(WriteSet(appends=[{C.TICKET: "ADU/2026/11/0001", C.CONTACT: "0811"}]))
    sheet.server.reset_counts()
    return sheet


def test_the_probe_answers_each_question_and_leaves_the_register_as_it_was(office):
    before = state(office)
    out = probe(office)
    assert all(ok for ok, _ in out), out
    lines = [line for _, line in out]
    assert lines[0].startswith("Tulis dan baca balik:") and "tersimpan persis" in lines[0]
    assert "081234567890" in lines[1] and "tidak menjadi angka" in lines[1]
    assert lines[2].startswith("Tambah baris: aduan baru masuk tepat di bawah judul (baris 2)")
    assert lines[3].startswith(f"Tab uji '{PROBE_PREFIX}") and lines[3].endswith("tidak disentuh")
    assert len(lines) == 4
    assert state(office) == before, "the real tabs are untouched and the scratch tab is gone"

    # what was sent: one tab made with the register's dropdowns, written, read, deleted
    s = office.server
    (add,) = s.batch_requests("addSheet")
    sid = add["properties"]["sheetId"]
    assert add["properties"]["title"].startswith(PROBE_PREFIX)
    rules = s.batch_requests("setDataValidation")
    st = office.settings
    cols = build_layout(st.load_sop(), st.categories, st.service.kind_names()).columns
    choice_cols = [c for c in cols if c.choices]
    assert len(rules) == len(choice_cols) >= 3
    assert all(r["range"]["endRowIndex"] == PROBE_ROWS + 1 for r in rules)
    (app,) = s.batch_requests("appendCells")
    texts = {
        v["userEnteredValue"]["stringValue"] for row in app["rows"] for v in row["values"] if v
    }
    assert set(TRICKY.values()) <= texts
    assert all(opt in texts for c in choice_cols for opt in c.choices), "every value option"
    assert s.batch_requests("deleteSheet") == [{"sheetId": sid}]
    touched = [
        b
        for b in s.batch_requests()
        if (b.get("range") or b.get("start") or b.get("properties") or b).get("sheetId") != sid
    ]
    assert touched == [], "no request names another tab"
    assert s.count("values.batchGet") == 1


def test_an_append_below_the_dropdown_rows_is_reported(office):
    office.server.validation_is_data = True  # the other possible answer of Google
    before = state(office)
    out = dict((line.split(":")[0], (ok, line)) for ok, line in probe(office))
    ok, line = out["Tambah baris"]
    assert not ok
    assert f"baris {PROBE_ROWS + 2}" in line and "dropdown" in line
    assert out["Tulis dan baca balik"][0], "the values still read back as written"
    assert state(office) == before


def test_a_value_google_changes_is_named(office):
    s = office.server

    def google_turns_it_into_a_number(req) -> None:
        tab = next(t for t in (x.title for x in s.spreadsheet(office.key).sheets) if "uji" in t)
        heads = s.cells(office.key, tab)[0]
        col = chr(ord("A") + heads.index(C.CONTACT))
        s.set_cells(office.key, tab, [[81234567890]], f"{col}2")

    s.before_request(google_turns_it_into_a_number, match="values.batchGet", once=True)
    out = probe(office)
    bad = [line for ok, line in out if not ok]
    assert len(bad) == 1
    assert "Kontak Pengadu: '081234567890' terbaca '81234567890'" in bad[0]
    assert out[-1][0] and "dihapus" in out[-1][1]


def test_the_scratch_tab_is_deleted_when_a_step_fails(office):
    before = state(office)
    office.server.fail_next(400, match="values.batchGet", message="Unable to parse range")
    out = probe(office)
    assert not out[0][0] and out[0][1].startswith("Uji berhenti: Google Sheets menolak")
    assert out[-1][0] and "dihapus" in out[-1][1]
    assert state(office) == before


def test_a_tab_that_cannot_be_deleted_is_named_for_the_admin(office):
    office.server.fail_next(
        403, match=lambda r: r.kind == "batchUpdate" and "deleteSheet" in str(r.body)
    )
    out = probe(office)
    ok, line = out[-1]
    assert not ok and "hapus sendiri tab itu" in line
    tab = line.split("'")[1]
    assert tab.startswith(PROBE_PREFIX)
    assert tab in [x.title for x in office.server.spreadsheet(office.key).sheets]


def test_an_xlsx_register_has_nothing_to_probe(make_settings):
    ((name, ok, line),) = deep_checks(make_settings("bpbd"))
    assert (name, ok) == (DEEP, True) and "tidak ada yang perlu diuji" in line


def test_check_deep_on_the_command_line(make_settings):
    s = make_settings("bpbd")
    res = CliRunner().invoke(cli, ["--config", str(s.file), "check", "--deep"])
    assert f"[OK] {DEEP}: register berupa berkas .xlsx" in res.output
    assert res.output.count(DEEP) == 1
