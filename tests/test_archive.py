"""Yearly rotation (issue 18), on both backends through the real cycle: closed complaints
of a past year and their Riwayat rows move to the archive (a file beside the xlsx
register, a spreadsheet on the local Sheets server), linked from *Petunjuk*; open
ones stay; a run killed at any step loses nothing and duplicates nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import python_calamine
from click.testing import CliRunner

from aduan.cli import cli
from aduan.core.layout import GUIDE_TAB, HISTORY_TAB, META_TAB, REGISTER_TAB, C
from aduan.errors import RegisterError
from aduan.run.archive import archive_year
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register
from tests.test_e2e_sheets import complaint, deliver

WIB = ZoneInfo("Asia/Jakarta")
MON = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)
JAN = datetime(2027, 1, 4, 9, 0, tzinfo=WIB)  # the first Monday of 2027


class Killed(BaseException):
    """The process dying at this point (not an AduanError: nothing catches it)."""


def xlsx_tab(path, tab: str) -> list[list[str]]:
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        data = wb.get_sheet_by_name(tab).to_python(skip_empty_area=False)
    return [[str(v) if v not in (None, "") else "" for v in r] for r in data]


def body(rows: list[list[str]]) -> list[tuple[str, ...]]:
    """Data rows, trailing blanks dropped (both backends pad differently)."""
    out = []
    for r in rows[1:]:
        r = list(r)
        while r and not r[-1]:
            r.pop()
        if r:
            out.append(tuple(r))
    return out


def opened(s, office):
    """The register object the archive works on (the cycle opens its own)."""
    return office.register() or open_register(s, office.layout)


def three_complaints(office, s) -> dict[str, str]:
    """Three complaints received in November 2026; two closed (answered directly)."""
    md = s.path(s.inbox.path)
    for n in (1, 2, 3):
        deliver(md, n, complaint(n, f"Aduan nomor {n}"))
    assert run_cycle(s, now=MON, register=office.register()).problems == []
    tickets = [r[0] for r in office.table(REGISTER_TAB)[1:] if r and r[0]]
    assert len(tickets) == 3
    for t in tickets[:2]:
        office.edit(t, {"Perlu Tindak Lanjut": "Tidak", "Tanggapan": "Sudah dijawab."})
    assert run_cycle(s, now=MON + timedelta(minutes=5), register=office.register()).problems == []
    heads = office.table(REGISTER_TAB)[0]
    status = {r[0]: r[heads.index(C.STATUS)] for r in office.table(REGISTER_TAB)[1:] if r[0]}
    assert [status[t] for t in tickets] == ["Selesai", "Selesai", "Diproses"], status
    return {"closed1": tickets[0], "closed2": tickets[1], "open": tickets[2]}


class Archive:
    """The archive of either backend as rows (header first), for the assertions."""

    def __init__(self, office, reg_where: str) -> None:
        self.office, self.where = office, reg_where

    def tab(self, which: str) -> list[list[str]]:
        o = self.office
        if hasattr(o, "server"):
            key = self.where.rsplit("/", 1)[-1]
            tab = f"{which} 2026"
            rows = o.server.cells(key, tab)
            return [[v or "" for v in r] for r in rows]
        return xlsx_tab(o.path.with_name(self.where), which)


@pytest.fixture
def office(request, make_settings):
    from aduan.core.layout import build_layout
    from tests.test_e2e_sheets import SheetsOffice, XlsxOffice

    def make(kind: str):
        if kind == "xlsx":
            s = make_settings("bpbd")
            return s, XlsxOffice(s, build_layout(s.load_sop(), s.categories))
        server = request.getfixturevalue("sheets_server")
        key = server.create_spreadsheet("Register bpbd", tabs=["Sheet1"])
        s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": key})
        return s, SheetsOffice(s, build_layout(s.load_sop(), s.categories), server, key)

    return make


@pytest.mark.parametrize("kind", ["xlsx", "sheets"])
def test_closed_complaints_of_a_past_year_move_with_their_history(office, kind):
    s, o = office(kind)
    t = three_complaints(o, s)
    before_reg = o.table(REGISTER_TAB)
    before_hist = o.table(HISTORY_TAB)
    heads, hheads = before_reg[0], before_hist[0]
    closed = {t["closed1"], t["closed2"]}
    moved_hist = [r for r in body(before_hist) if r[hheads.index(C.TICKET)] in closed]
    assert len(moved_hist) >= 4  # started, done, mails... per complaint

    rep = archive_year(opened(s, o), 2026, JAN)
    assert (rep.moved, rep.history) == (2, len(moved_hist))

    # the live register keeps the open complaint only, and its whole history
    after = o.table(REGISTER_TAB)
    assert [r[0] for r in after[1:] if r[0]] == [t["open"]]
    after_hist = body(o.table(HISTORY_TAB))
    assert not any(r[hheads.index(C.TICKET)] in closed for r in after_hist)
    assert any(r[hheads.index(C.TICKET)] == t["open"] for r in after_hist)
    assert any("Arsip 2026" in r for r in after_hist)  # the move itself is recorded
    # the archive holds the closed rows exactly as they were, history likewise
    arch = Archive(o, rep.where)
    a_reg, a_hist = arch.tab(REGISTER_TAB), arch.tab(HISTORY_TAB)
    assert a_reg[0][: len(heads)] == heads
    assert Counter(body(a_reg)) == Counter(r for r in body(before_reg) if r[0] in closed)
    assert Counter(body(a_hist)) == Counter(moved_hist)
    # Petunjuk links it; the meta says it is done
    guide = o.table(GUIDE_TAB)
    link = next(r for r in guide if r and r[0] == "Arsip 2026")
    assert link[1] == rep.where
    meta = {r[0]: r[1] for r in o.table(META_TAB) if len(r) > 1}
    assert meta["arsip:2026"] == rep.where
    if kind == "xlsx":
        assert rep.where == "register-arsip-2026.xlsx"
    else:
        assert rep.where.startswith("https://docs.google.com/spreadsheets/d/")
        assert o.server.violations == []

    # a second run finds nothing to move and changes nothing
    again = archive_year(opened(s, o), 2026, JAN)
    assert again.moved == 0 and "tidak ada aduan" in again.lines[0]
    assert Counter(body(arch.tab(REGISTER_TAB))) == Counter(body(a_reg))
    # the cycle goes on with the open complaint
    assert run_cycle(s, now=JAN + timedelta(minutes=5), register=o.register()).problems == []


@pytest.mark.parametrize("kind", ["xlsx", "sheets"])
@pytest.mark.parametrize("step", ["add", "verify", "remove"])
def test_a_run_killed_mid_archive_loses_and_doubles_nothing(office, kind, step):
    s, o = office(kind)
    t = three_complaints(o, s)
    closed = {t["closed1"], t["closed2"]}
    want_reg = Counter(r for r in body(o.table(REGISTER_TAB)) if r[0] in closed)
    hheads = o.table(HISTORY_TAB)[0]
    want_hist = Counter(
        r for r in body(o.table(HISTORY_TAB)) if r[hheads.index(C.TICKET)] in closed
    )

    reg = opened(s, o)
    real_store = reg.archive_store

    def store(year, where=""):
        st = real_store(year, where)
        if step in ("add", "verify"):
            real_add, real_read, reads = st.add, st.read, [0]

            def add(*a):
                real_add(*a)  # the copy landed, then the process died
                if step == "add":
                    raise Killed

            def read():
                reads[0] += 1
                if step == "verify" and reads[0] == 2:
                    raise Killed  # died while reading the copy back
                return real_read()

            st.add, st.read = add, read
        return st

    reg.archive_store = store
    if step == "remove":
        real_remove = reg.archive_remove

        def remove(tickets):
            real_remove(tickets)  # rows deleted, final meta never written
            raise Killed

        reg.archive_remove = remove
    with pytest.raises(Killed):
        archive_year(reg, 2026, JAN)
    meta = {r[0]: r[1] for r in o.table(META_TAB) if len(r) > 1}
    assert meta["arsip:2026"].startswith("menyalin ")
    # nothing lost: every closed row is in the register or the archive (here: both, or archive)
    rep = archive_year(opened(s, o), 2026, JAN)
    arch = Archive(o, rep.where)
    assert Counter(body(arch.tab(REGISTER_TAB))) == want_reg
    assert Counter(body(arch.tab(HISTORY_TAB))) == want_hist
    assert [r[0] for r in o.table(REGISTER_TAB)[1:] if r[0]] == [t["open"]]
    meta = {r[0]: r[1] for r in o.table(META_TAB) if len(r) > 1}
    assert meta["arsip:2026"] == rep.where
    if kind == "sheets":  # the rerun reused the archive the killed run made
        made = [r for r in o.server.requests if r.method == "POST" and r.path == "/v4/spreadsheets"]
        assert len(made) == 1


def test_open_complaints_and_this_year_never_move(office):
    s, o = office("xlsx")
    three_complaints(o, s)
    with pytest.raises(RegisterError, match="belum lewat"):
        archive_year(opened(s, o), 2026, MON + timedelta(days=1))
    rep = archive_year(opened(s, o), 2025, JAN)
    assert rep.moved == 0 and len(o.table(REGISTER_TAB)) == 4


def test_cli_archive_and_january_rotation(make_settings):
    from aduan.core.layout import build_layout
    from tests.test_e2e_sheets import XlsxOffice

    s = make_settings("bpbd")
    o = XlsxOffice(s, build_layout(s.load_sop(), s.categories))
    t = three_complaints(o, s)
    runner = CliRunner()
    res = runner.invoke(
        cli, ["--config", s.file, "archive", "--year", "2026", "--now", "2027-01-04T09:00"]
    )
    assert res.exit_code == 0, res.output
    assert "2 aduan selesai tahun 2026" in res.output
    assert (o.path.parent / "register-arsip-2026.xlsx").exists()
    res = runner.invoke(
        cli, ["--config", s.file, "archive", "--year", "2027", "--now", "2027-01-04T09:00"]
    )
    assert res.exit_code != 0 and "belum lewat" in res.output and "Traceback" not in res.output
    assert [r[0] for r in o.table(REGISTER_TAB)[1:] if r[0]] == [t["open"]]


def test_january_first_cycle_archives_when_the_setting_is_on(make_settings):
    from aduan.core.layout import build_layout
    from tests.test_e2e_sheets import XlsxOffice

    s = make_settings("bpbd")
    s = make_settings(
        "bpbd", register={"type": "xlsx", "path": s.register_.path, "archive_in_january": True}
    )
    o = XlsxOffice(s, build_layout(s.load_sop(), s.categories))
    t = three_complaints(o, s)
    rep = run_cycle(s, now=MON + timedelta(days=30))  # December: nothing moves
    assert rep.problems == [] and len(o.table(REGISTER_TAB)) == 4
    rep = run_cycle(s, now=JAN)
    assert rep.problems == []
    assert [r[0] for r in o.table(REGISTER_TAB)[1:] if r[0]] == [t["open"]]
    assert (s.path(s.paths.state) / "arsip-2026.selesai").exists()
    archive = o.path.with_name("register-arsip-2026.xlsx")
    mtime = archive.stat().st_mtime_ns
    assert run_cycle(s, now=JAN + timedelta(minutes=5)).problems == []
    assert archive.stat().st_mtime_ns == mtime  # done once
    marks = [r for r in o.table(HISTORY_TAB) if "Arsip 2026" in r]
    assert len(marks) == 1


def test_init_shrinks_old_26_column_tabs(make_settings, sheets_server):
    """A register made before tabs were sized: Riwayat, _aduan and Petunjuk with
    Google's default 26 columns lose the empty ones (each history row cost 26 cells)."""
    from aduan.core.layout import build_layout
    from tests.test_e2e_sheets import SheetsOffice

    key = sheets_server.create_spreadsheet("Lama", tabs=["Sheet1"], cols=26)
    s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": key})
    layout = build_layout(s.load_sop(), s.categories)
    o = SheetsOffice(s, layout, sheets_server, key)
    # what an old init left: the tabs back at 26 columns
    for tab in (HISTORY_TAB, META_TAB, GUIDE_TAB):
        sid = sheets_server.sheet_id(key, tab)
        n = sheets_server.sheet(key, tab).column_count
        grow = {"sheetId": sid, "dimension": "COLUMNS", "length": 26 - n}
        sheets_server.apply(key, [{"appendDimension": grow}])
    assert sheets_server.sheet(key, HISTORY_TAB).column_count == 26
    deliver(s.path(s.inbox.path), 1, complaint(1))
    assert run_cycle(s, now=MON, register=o.register()).problems == []
    history = o.table(HISTORY_TAB)
    done = o.register().init()
    assert "Tab 'Riwayat' dipersempit dari 26 ke 6 kolom (hemat sel)" in done
    widths = {
        t: sheets_server.sheet(key, t).column_count for t in (HISTORY_TAB, META_TAB, GUIDE_TAB)
    }
    assert widths == {HISTORY_TAB: 6, META_TAB: 2, GUIDE_TAB: 4}
    assert o.table(HISTORY_TAB) == [r[:6] for r in history]  # nothing written is lost
    assert o.register().init() == []  # and a second init changes nothing
    assert sheets_server.violations == []
