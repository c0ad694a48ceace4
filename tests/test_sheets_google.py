"""The Sheets register against Google as it really behaves (issue 18): writes whose
answer is lost are never applied twice, the cell budget, protections staff set, formats
on grown rows. The local server models each behaviour; see tests/sheets_server.py."""

from __future__ import annotations

import pytest
from gspread.exceptions import APIError

from aduan.core.layout import GUIDE_TAB, HISTORY_TAB, META_TAB, C
from aduan.core.model import WriteSet
from aduan.errors import RegisterError
from aduan.register.sheets import SheetsRegister
from aduan.register.sheets.write import SETTLE_S
from tests.test_register_sheets import Sheet, key_file, layout, sheet  # noqa: F401 (fixtures)

T0 = 1_800_000_000.0  # a frozen clock for the settle window


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def complaint(n: int) -> WriteSet:
    return WriteSet(
        appends=[{C.TICKET: f"ADU/{n}", C.NAME: "Bu Sri"}],
        history=[{"No. Aduan": f"ADU/{n}", "Peristiwa": "Aduan diterima"}],
    )


def tickets(book: Sheet) -> list[str]:
    return [r[C.TICKET] for r in book.dicts()]


def history_tickets(book: Sheet) -> list[str]:
    return [r[1] for r in book.cells(HISTORY_TAB)[1:]]


@pytest.fixture
def unsure(sheet, tmp_path):  # noqa: F811 (the imported fixture)
    """A register that keeps an unconfirmed write in a file, with a frozen clock."""
    clock = Clock()
    pending = tmp_path / "state" / "unconfirmed.json"

    def open_() -> SheetsRegister:
        return SheetsRegister(
            sheet.settings.register_,
            sheet.layout,
            client=sheet.server.client(),
            backoff_s=0.001,
            pending_file=pending,
            clock=clock,
        )

    return sheet, open_, clock, pending


def test_a_batch_google_applies_later_is_never_sent_twice(unsure):
    book, open_, clock, pending = unsure
    s = book.server
    s.apply_later("batchUpdate")
    reg = open_()
    reg.read()
    with pytest.raises(RegisterError, match="belum pasti") as e:
        reg.write(complaint(1))
    assert not e.value.permanent
    assert s.count("batchUpdate") == 1, "an ambiguous write is not retried in the same run"
    assert pending.exists() and tickets(book) == []
    # the next run (5 minutes later): the marker does not show the batch yet -> no write
    clock.now += 300
    reg = open_()
    reg.read()
    with pytest.raises(RegisterError, match="tidak menulis agar tidak ganda"):
        reg.write(complaint(1))
    assert s.count("batchUpdate") == 1
    # Google finishes the first batch; the run after sees its marker and goes on
    assert s.apply_deferred() == 1
    clock.now += 300
    reg = open_()
    snap = reg.read()
    assert [r.values[C.TICKET] for r in snap.rows] == ["ADU/1"]
    res = reg.write(complaint(2))  # what the engine decides from what it read
    assert res.appended == 1 and not pending.exists()
    assert tickets(book) == ["ADU/1", "ADU/2"]
    assert history_tickets(book) == ["ADU/1", "ADU/2"]


def test_a_batch_that_never_lands_is_written_again_after_the_settle_window(unsure):
    book, open_, clock, pending = unsure
    s = book.server
    s.apply_later("batchUpdate")
    reg = open_()
    reg.read()
    with pytest.raises(RegisterError):
        reg.write(complaint(1))
    s._deferred.clear()  # Google dropped it
    clock.now += SETTLE_S + 1
    reg = open_()
    reg.read()
    assert reg.write(complaint(1)).appended == 1
    assert tickets(book) == ["ADU/1"] and history_tickets(book) == ["ADU/1"]
    assert not pending.exists()


def test_a_lost_answer_whose_marker_is_visible_at_once_counts_as_written(unsure):
    """The marker read right after the failure shows the batch: applied, nothing kept."""
    book, open_, clock, pending = unsure
    s = book.server
    s.apply_later("batchUpdate")
    s.before_request(lambda req: s._deferred and s.apply_deferred(), match="values.batchGet")
    reg = open_()
    reg.read()
    s.reset_counts()
    res = reg.write(complaint(1))
    s.clear_hooks()
    assert res.appended == 1 and not pending.exists()
    assert s.count("batchUpdate") == 1 and tickets(book) == ["ADU/1"]


# ------------------------------------------------------------ the cell budget
def nearly_full(reg: SheetsRegister) -> None:
    """As if the read had found the register's grid nearly used up (the next
    append grows it): what 990 complaints would look like, without writing them."""
    table = reg._table
    assert table is not None and table.grid_rows
    table.rows = [[""] * len(table.headers) for _ in range(table.grid_rows - 10)]


def test_own_tabs_are_created_no_wider_than_they_need(sheet):  # noqa: F811
    grids = {
        t: (sheet.server.sheet(sheet.key, t).column_count)
        for t in (HISTORY_TAB, META_TAB, GUIDE_TAB)
    }
    assert grids == {HISTORY_TAB: 6, META_TAB: 2, GUIDE_TAB: 4}


def test_check_reports_cells_in_use_and_warns_from_80_percent(sheet):  # noqa: F811
    used = sum(s.row_count * s.column_count for s in sheet.server.spreadsheet(sheet.key).sheets)
    line = sheet.reg.check()
    assert f"{used:,}".replace(",", ".") + " dari 10.000.000 sel terpakai" in line
    assert "PERINGATAN" not in line
    sheet.server.set_cells(sheet.key, "Sheet1", [["x"]], "A350000")  # a staff tab, 26 wide
    assert "PERINGATAN" in sheet.reg.check() and "aduan archive" in sheet.reg.check()


def test_the_cell_limit_is_a_permanent_error_saying_how_many_cells(sheet):  # noqa: F811
    s = sheet.server
    used = sum(x.row_count * x.column_count for x in s.spreadsheet(sheet.key).sheets)
    s.cell_limit = used + 10  # nearly full: growing the register is too much
    reg = sheet.open()
    reg.read()
    nearly_full(reg)
    s.reset_counts()
    with pytest.raises(RegisterError) as e:
        reg.write(complaint(1))
    assert e.value.permanent and s.count("batchUpdate") == 1, "not retried"
    msg = str(e.value)
    assert "penuh" in msg and f"{used:,}".replace(",", ".") in msg and "aduan archive" in msg
    assert "above the limit" not in msg, "Google's English is not the message"
    assert tickets(sheet) == []


# ------------------------------------------------------------ protections staff set
def test_a_real_protection_over_system_cells_names_the_range_to_unlock(sheet):  # noqa: F811
    s = sheet.server
    s.protect_as_staff(sheet.key, HISTORY_TAB)
    reg = sheet.open()
    reg.read()
    with pytest.raises(RegisterError) as e:
        reg.write(complaint(1))
    assert e.value.permanent
    assert "tab 'Riwayat'" in str(e.value) and "Tampilkan peringatan" in str(e.value)
    assert tickets(sheet) == [], "the batch is atomic: nothing landed"


def test_a_warning_only_protection_by_staff_does_not_stop_writes(sheet):  # noqa: F811
    sheet.server.protect_as_staff(sheet.key, HISTORY_TAB, warning_only=True)
    reg = sheet.open()
    reg.read()
    assert reg.write(complaint(1)).appended == 1


def test_init_on_a_tab_staff_protected_whole_does_not_ask_for_a_second_protection(
    sheets_server,
    sheet,  # noqa: F811
):
    s = sheet.server
    hist = s.sheet(sheet.key, HISTORY_TAB)
    hist.protected_ranges.clear()
    s.protect_as_staff(sheet.key, HISTORY_TAB, warning_only=True)
    with pytest.raises(APIError, match="already has sheet protection"):
        s.client().open_by_key(sheet.key).batch_update(
            {
                "requests": [
                    {"addProtectedRange": {"protectedRange": {"range": {"sheetId": hist.sheet_id}}}}
                ]
            }
        )
    sheet.open().init()  # no refusal: the staff protection is kept as it is
    assert len(s.sheet(sheet.key, HISTORY_TAB).protected_ranges) == 1


# ------------------------------------------------------------ rows past the first 1,000
def test_grown_rows_get_the_text_format_and_the_dropdowns(sheet):  # noqa: F811
    s = sheet.server
    reg_tab = s.sheet(sheet.key, "Register Aduan")
    start = reg_tab.row_count
    reg = sheet.open()
    reg.read()
    nearly_full(reg)
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/1"}]))
    grown = s.sheet(sheet.key, "Register Aduan")
    assert grown.row_count > start
    for col in range(len(sheet.cells()[0])):
        fmt = grown.cell_format(start + 5, col)
        assert fmt.get("numberFormat", {}).get("type") == "TEXT", col
