"""Change detection for steady cycles (issue 19). An xlsx register whose stamp is the
one the last read saw is not read again; a Google Sheet whose Drive version is the one
the last read (or our own write, and nothing else) left is not read again. A cycle with
nothing new but the clock decides from the agenda alone (the rows time can still move),
and decides exactly what the whole register would: deadlines still fire on time. Any
edit by staff (or a layout change) means a full read.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from gspread.exceptions import APIError

from aduan.core.digest import build_digests
from aduan.core.engine import decide, decide_cycle
from aduan.core.engine.agenda import idle
from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.register.sheets import a1_col
from aduan.register.xlsx import register as xlsx_register
from aduan.run.cycle import run_cycle
from aduan.run.wiring import engine_config, sheets_register
from tests.google_schema import claim
from tests.test_cycle import T0, complaint, deliver, outbox, rows, setup_office, staff_edit
from tests.test_engine import MON, Mem, mail, state, step


@pytest.fixture
def reads(monkeypatch):
    """Count the register file's full reads (every read opens the bytes here)."""
    seen: list[str] = []
    real = xlsx_register.XlsxRegister._read_bytes

    def counting(self):
        seen.append(self.path.name)
        return real(self)

    monkeypatch.setattr(xlsx_register.XlsxRegister, "_read_bytes", counting)
    return seen


def test_steady_cycles_skip_the_read_and_deadlines_still_fire(make_settings, reads):
    s = setup_office(make_settings, "bpbd")
    reg = s.path(s.register_.path)
    deliver(s, "m1", complaint(1, "Pohon tumbang"))
    rep = run_cycle(s, now=T0)  # registers: a write, so the next read is a full one
    assert rep.counts["register_unchanged"] == 0
    run_cycle(s, now=T0 + timedelta(minutes=1))  # full read, snapshot kept; logs the sends
    run_cycle(s, now=T0 + timedelta(minutes=2))
    stamp = reg.stat().st_mtime_ns
    reads.clear()
    rep = run_cycle(s, now=T0 + timedelta(minutes=3))
    assert rep.counts["register_unchanged"] == 1 and reads == [], "no read of the register"
    assert rep.counts["register_steady"] == 1 and rep.counts["rows"] == 1, "the agenda only"
    assert reg.stat().st_mtime_ns == stamp, "and nothing written"
    # the petugas' 5-minute step runs late: the reminder goes out from the snapshot
    before = len(outbox(s))
    rep = run_cycle(s, now=T0 + timedelta(minutes=7))
    assert rep.counts["register_unchanged"] == 1, "decided from the snapshot"
    new = outbox(s)[before:]
    assert [m["To"] for m in new] == ["petugas@bpbd.example.go.id"], "the reminder, on time"
    assert rows(reg)[0][C.LATE] == "Ya", "and written to the register"


def test_a_staff_save_means_a_full_read(make_settings, reads):
    s = setup_office(make_settings, "bpbd")
    reg = s.path(s.register_.path)
    deliver(s, "m1", complaint(1, "Pohon tumbang"))
    for minute in (0, 1, 2):
        run_cycle(s, now=T0 + timedelta(minutes=minute))
    assert run_cycle(s, now=T0 + timedelta(minutes=3)).counts["register_unchanged"] == 1
    staff_edit(reg, "ADU/2026/11/0001", {"Perlu Tindak Lanjut": "Ya"})
    reads.clear()
    rep = run_cycle(s, now=T0 + timedelta(minutes=4))
    assert rep.counts["register_unchanged"] == 0 and reads, "the edit was read"
    assert rows(reg)[0][C.STEP].startswith("3."), "and acted on"


def test_same_size_and_time_but_another_file_is_read(make_settings):
    s = setup_office(make_settings, "bpbd")
    reg = s.path(s.register_.path)
    for minute in (0, 1):
        run_cycle(s, now=T0 + timedelta(minutes=minute))
    assert run_cycle(s, now=T0 + timedelta(minutes=2)).counts["register_unchanged"] == 1
    # a copy put in place (rsync, a restore): same size and mtime, but another file
    st = reg.stat()
    copy = reg.with_name("salinan.xlsx")
    copy.write_bytes(reg.read_bytes())
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(copy, reg)
    assert reg.stat().st_ino != st.st_ino
    assert run_cycle(s, now=T0 + timedelta(minutes=3)).counts["register_unchanged"] == 0


def test_change_detection_off_reads_every_cycle(make_settings, reads):
    s = setup_office(make_settings, "bpbd")
    off = s.model_copy(
        update={"register_": s.register_.model_copy(update={"change_detection": False})}
    )
    for minute in (0, 1, 2):
        reads.clear()
        rep = run_cycle(off, now=T0 + timedelta(minutes=minute))
        assert rep.counts["register_unchanged"] == 0 and reads
    assert not (s.path(s.paths.state) / "register-snapshot.pickle").exists()
    assert not (s.path(s.paths.state) / "register-snapshot-agenda.pickle").exists()


def test_the_snapshot_file_is_private(make_settings):
    s = setup_office(make_settings, "bpbd")
    for minute in (0, 1):
        run_cycle(s, now=T0 + timedelta(minutes=minute))
    for name in ("register-snapshot.pickle", "register-snapshot-agenda.pickle"):
        kept = s.path(s.paths.state) / name
        assert kept.exists() and kept.stat().st_mode & 0o077 == 0, name


def test_new_mail_on_an_unchanged_register_is_decided_from_the_whole_snapshot(make_settings, reads):
    s = setup_office(make_settings, "bpbd")
    deliver(s, "m1", complaint(1, "Pohon tumbang"))
    for minute in (0, 1, 2):
        run_cycle(s, now=T0 + timedelta(minutes=minute))
    deliver(s, "m2", complaint(2, "Pohon tumbang"))  # the same mail again: a duplicate...
    deliver(s, "m3", complaint(3, "Banjir di Jl. Lawu"))
    reads.clear()
    rep = run_cycle(s, now=T0 + timedelta(minutes=3))
    assert rep.counts["register_unchanged"] == 1 and rep.counts["register_steady"] == 0
    assert [r[C.SUBJECT] for r in rows(s.path(s.register_.path))] == [
        "Pohon tumbang", "Pohon tumbang", "Banjir di Jl. Lawu"
    ]  # fmt: skip
    assert reads == [s.path(s.register_.path).name], "read once: by the write itself"


def _twin_cycle(offices, now, log) -> None:
    """One cycle in each office; they must send the same mails and hold the same register."""
    seen = []
    for s in offices:
        before = len(outbox(s))
        rep = run_cycle(s, now=now)
        assert rep.problems == [], rep.problems
        log.append(rep.counts["register_steady"])
        new = outbox(s)[before:]
        # the reply tag is made with each office's own key
        tag = re.compile(r" \[balas:\w+\]")
        seen.append(
            sorted((m["To"], m["X-Aduan-Kind"], tag.sub("", str(m["Subject"]))) for m in new)
        )
    assert seen[0] == seen[1], now


def test_twin_offices_with_and_without_change_detection_do_the_same(make_settings, tmp_path):
    """The same complaints, staff edits and clock in two offices, change detection on in
    one: every cycle sends the same mails, and the registers end the same."""
    on = setup_office(make_settings, "blitar")
    off = make_settings(
        "blitar", root=tmp_path / "off", register={"type": "xlsx", "change_detection": False,
        "path": str(tmp_path / "off" / "register.xlsx")}
    )  # fmt: skip
    xlsx_register.XlsxRegister(off.path(off.register_.path), build_layout(
        off.load_sop(), off.categories)).init()  # fmt: skip
    offices = (on, off)
    for s in offices:
        deliver(s, "m1", complaint(1, "Bantuan sosial belum cair"))
        deliver(s, "m2", complaint(2, "Lansia terlantar", sender="rina@contoh.id"))
    steady: list[int] = []
    now = T0
    for minutes in [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 45, 60]:
        _twin_cycle(offices, T0 + timedelta(minutes=minutes), steady)
    for s in offices:  # staff answer one complaint; the other runs late for days
        staff_edit(s.path(s.register_.path), "ADU/2026/11/0001", {"Kewenangan": "Kewenangan Dinas"})
    now = T0 + timedelta(minutes=61)
    while now < T0 + timedelta(days=4):
        _twin_cycle(offices, now, steady)
        now += timedelta(minutes=97)
    assert rows(on.path(on.register_.path)) == rows(off.path(off.register_.path))
    riwayat = [rows(s.path(s.register_.path), "Riwayat") for s in offices]
    assert riwayat[0] == riwayat[1]
    assert sum(steady[0::2]) > len(steady) // 4, "most of the on office's cycles were steady"
    assert sum(steady[1::2]) == 0
    kinds = {m["X-Aduan-Kind"] for m in outbox(on)}
    assert {"pengingat", "eskalasi", "ringkasan"} <= kinds, kinds


# --------------------------------------------- the agenda decides what the whole would
def _same(full, steady) -> None:
    """Two decisions are the same: every email (and its content), write, document, line."""

    def mails(d):
        return [
            (n.key, n.kind, n.to_roles, n.to_complainant, n.not_before, n.attachments, n.context)
            for n in d.notifications
        ]

    assert mails(steady) == mails(full)
    ups = [(u.ticket, u.index, u.values, u.staff) for u in full.writes.updates]
    assert [(u.ticket, u.index, u.values, u.staff) for u in steady.writes.updates] == ups
    assert steady.writes.appends == full.writes.appends
    assert steady.writes.history == full.writes.history
    assert steady.writes.meta == full.writes.meta
    assert [(j.ticket, j.path) for j in steady.documents] == [
        (j.ticket, j.path) for j in full.documents
    ]
    assert (steady.log, steady.problems) == (full.log, full.problems)
    assert steady.counts == full.counts


@pytest.fixture
def office(make_settings):
    """An office's engine config and a register in memory (as in test_engine)."""

    def make(name: str):
        s = make_settings(name)
        sop = s.load_sop()
        layout = build_layout(sop, s.categories)
        return engine_config(s, sop, layout, s.calendar()), Mem(layout.headers)

    return make


def _register(office):
    """A register in every situation time can move: open at each step, waiting for the
    complainant, closed by email, closed for an SMS complainant with the kabar task of
    its answer not yet confirmed, a duplicate ticket, and closed ones nothing can move."""
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(n, frm=f"warga{n}@example.com") for n in range(1, 9)])
    mem.type_row(**{C.CHANNEL: "SMS", C.NAME: "Pak Darto", C.CONTACT: "0857 3311 2200",
                    C.TEXT: "Pohon tumbang di Jl. Lawu"})  # fmt: skip
    step(mem, cfg, MON + timedelta(minutes=1))
    tickets = [r[C.TICKET] for r in mem.rows]
    for t in tickets[:5] + tickets[8:]:  # answered directly: closed (the SMS one too)
        mem.row(t).update({"Perlu Tindak Lanjut": "Tidak", "Tanggapan": "Sudah ditangani."})
    mem.row(tickets[5])["Perlu Tindak Lanjut"] = "Ya"  # on to step 3, the officer's
    mem.row(tickets[6])[C.MISSING] = "fotokopi KTP"  # waiting for the complainant
    step(mem, cfg, MON + timedelta(minutes=2))
    mem.rows.append(dict(mem.row(tickets[7])))  # staff copied a row: a duplicate ticket
    return cfg, mem, tickets


def test_the_agenda_decides_what_the_whole_register_would(office):
    """Three weeks of cycles every 20 minutes, nothing new but the clock: each one decided
    from the agenda equals the one decided from the whole register (reminders, escalations,
    the overall deadline, the waiting reminder and closing, the kabar reminder of a closed
    complaint, Terlambat, the daily summary); each decision is written and the agenda made
    again from the register it leaves."""
    cfg, mem, tickets = _register(office)
    now = MON + timedelta(minutes=3)
    d, agenda = decide_cycle(mem.snap(), [], cfg, now)
    assert idle(d) and agenda is not None
    weighed = {r.get(C.TICKET) for r in agenda.rows}
    assert tickets[8] in weighed, "the SMS complainant's kabar reminder is still to come"
    assert not weighed & set(tickets[:5]), "closed by email: nothing left to happen"
    assert agenda.total == len(mem.rows) and len(agenda.rows) == 5
    roles = {"petugas": ("petugas@bpbd.example.go.id",), "kalak": ("kalak@bpbd.example.go.id",)}
    acted = 0
    while now < MON + timedelta(days=21):
        now += timedelta(minutes=20)
        full = decide(mem.snap(), [], cfg, now)
        _same(full, decide(agenda.view(), [], cfg, now))
        digests = [build_digests(s, cfg.sop, cfg.calendar, now, roles=roles)
                   for s in (mem.snap(), agenda.view())]  # fmt: skip
        assert [(n.key, n.context) for n in digests[1]] == [(n.key, n.context) for n in digests[0]]
        if not idle(full):
            acted += 1
            mem.apply(full.writes)
            d, fresh = decide_cycle(mem.snap(), [], cfg, now)
            assert idle(d) and fresh is not None, "fed its own output: nothing new"
            agenda = fresh
    kinds_seen = {(k.split("|") + [""])[1] for t in tickets for k in state(mem, t).sent}
    print(kinds_seen, acted, len(agenda.rows))
    assert {"pengingat", "eskalasi", "batas_layanan", "pengingat_kelengkapan"} <= kinds_seen
    assert {"jawaban_langsung", "tidak_dilengkapi"} <= kinds_seen and acted >= 4
    assert any("~ingat" in k for k in state(mem, tickets[8]).sent), "the kabar reminder went"
    assert len(agenda.rows) < 5, "the closed complaints left the agenda"


def test_a_typed_row_gets_no_agenda(office):
    cfg, mem = office("bpbd")
    mem.type_row(**{C.CHANNEL: "SMS", C.NAME: "Bu Sri", C.TEXT: "Lampu jalan mati"})
    # e.g. the row names no contact: registered anyway, numbered from every ticket
    d, agenda = decide_cycle(mem.snap(), [], cfg, MON)
    assert not idle(d) and agenda is None


# ------------------------------------------------------------ Google Sheets (issue 19)
class SheetOffice:
    """An office whose register is a Google Sheet on the local server, with change
    detection on: each cycle a new register (a new process under cron)."""

    def __init__(self, make_settings, server) -> None:
        self.server = server
        self.key = server.create_spreadsheet("Register BPBD", tabs=["Sheet1"])
        self.s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": self.key})
        self.layout = build_layout(self.s.load_sop(), self.s.categories)
        self.register().init()

    def register(self):
        snap = self.s.path(self.s.paths.state) / "register-snapshot.pickle"
        return sheets_register(self.s, self.layout, client=self.server.client(), snapshot_file=snap)

    def cycle(self, minutes: int, reg=None):
        self.server.reset_counts()
        reg = reg or self.register()
        rep = run_cycle(self.s, now=T0 + timedelta(minutes=minutes), register=reg)
        assert rep.problems == [], rep.problems
        return rep, [r.kind for r in self.server.requests]

    def type(self, ticket: str, cells: dict[str, str]) -> None:
        rows = self.server.cells(self.key, REGISTER_TAB)
        r = next(i for i, row in enumerate(rows, 1) if row and row[0] == ticket)
        for k, v in cells.items():
            self.server.set_cells(self.key, REGISTER_TAB, [[v]], f"{a1_col(rows[0].index(k))}{r}")

    def row(self) -> dict[str, str]:
        head, first = self.server.cells(self.key, REGISTER_TAB)[:2]
        return {h: v or "" for h, v in zip(head, first, strict=False)}


@pytest.fixture
def sheet_office(make_settings, sheets_server):
    o = SheetOffice(make_settings, sheets_server)
    deliver(o.s, "m1", complaint(1, "Pohon tumbang"))
    for minute in (0, 1, 2):  # registers; logs the sends; finds nothing left to do
        o.cycle(minute)
    return o


def test_sheets_steady_cycle_is_one_drive_request_and_deadlines_still_fire(sheet_office):
    o = sheet_office
    rep, kinds = o.cycle(3)
    assert kinds == ["drive.files.get"], "the version only: no values read"
    assert rep.counts["register_steady"] == 1 and rep.counts["rows"] == 1
    # the petugas' 5-minute step runs late: decided from the agenda, written, and our
    # own write (Drive's version one up) keeps the read: no batchGet at all
    before = len(outbox(o.s))
    rep, kinds = o.cycle(7)
    assert kinds == ["drive.files.get", "batchUpdate", "drive.files.get"]
    assert [m["To"] for m in outbox(o.s)[before:]] == ["petugas@bpbd.example.go.id"]
    assert o.row()[C.LATE] == "Ya"
    rep, kinds = o.cycle(8)  # logs the reminder's send: the whole register, kept, no read
    assert rep.counts["register_unchanged"] == 1 and "values.batchGet" not in kinds
    assert kinds.count("batchUpdate") == 1
    rep, kinds = o.cycle(9)  # nothing to do: decided from the whole (kept) read, once
    assert kinds == ["drive.files.get"] and rep.counts["register_steady"] == 0
    rep, kinds = o.cycle(10)  # the next rung, from the agenda made then
    assert rep.counts["register_steady"] == 1 and "values.batchGet" not in kinds
    assert "kalak@bpbd.example.go.id" in {m["To"] for m in outbox(o.s)[before:]}


def test_sheets_staff_edit_means_a_full_read(sheet_office):
    o = sheet_office
    assert o.cycle(3)[1] == ["drive.files.get"]
    o.type("ADU/2026/11/0001", {"Perlu Tindak Lanjut": "Ya"})
    rep, kinds = o.cycle(4)
    assert kinds[:2] == ["drive.files.get", "values.batchGet"], "the edit was read"
    assert o.row()[C.STEP].startswith("3.")


def test_sheets_one_register_object_across_cycles_sees_every_edit(sheet_office):
    """A register kept open across cycles (a long-lived process) never decides from a
    stamp it asked for in an earlier cycle."""
    o = sheet_office
    reg = o.register()
    assert o.cycle(3, reg)[1] == ["drive.files.get"]
    o.type("ADU/2026/11/0001", {"Perlu Tindak Lanjut": "Ya"})
    deliver(o.s, "m2", complaint(2, "Banjir di Jl. Lawu"))  # mail: straight to read()
    rep, kinds = o.cycle(4, reg)
    assert kinds[:2] == ["drive.files.get", "values.batchGet"], kinds
    assert o.row()[C.STEP].startswith("3.")


def test_sheets_edit_racing_our_write_is_not_lost(sheet_office):
    """Staff type right after our batch, before we ask Drive for its version: the version
    is two up, so the next cycle reads the whole sheet and sees what they typed."""
    o = sheet_office
    o.cycle(3)
    wrote, typed = [], []

    def staff_types(req) -> None:
        if wrote and not typed:  # the files.get that follows our write
            o.type("ADU/2026/11/0001", {"Perlu Tindak Lanjut": "Ya"})
            typed.append(req)

    o.server.before_request(wrote.append, match="batchUpdate", once=True)
    o.server.before_request(staff_types, match="drive.files.get")
    o.cycle(7)  # the reminder: written; the check after it sees the edit too
    o.server.clear_hooks()
    assert wrote and typed, "staff typed between our write and the version check"
    rep, kinds = o.cycle(8)
    assert "values.batchGet" in kinds and rep.counts["register_unchanged"] == 0
    assert o.row()[C.STEP].startswith("3."), "the edit typed during our write was acted on"


def test_sheets_without_drive_access_read_in_full(sheet_office, caplog):
    o = sheet_office
    o.server.fail_next(403, 5, match="drive.files.get")
    rep, kinds = o.cycle(3)
    assert "values.batchGet" in kinds and rep.counts["register_unchanged"] == 0
    assert "change detection unavailable" in caplog.text


def test_fake_drive_version_moves_with_every_change(sheets_server):
    """The local server is as strict as Drive: ``version`` one up for every change (a
    write request, an edit as staff), none for a read or a refused batch."""
    s = sheets_server
    key = s.create_spreadsheet("R", tabs=["Sheet1"])
    http = s.client().http_client

    def version() -> int:
        url = f"https://www.googleapis.com/drive/v3/files/{key}"
        got = http.request("get", url, params={"fields": "version,modifiedTime"}).json()
        assert set(got) == {"version", "modifiedTime"} and got["modifiedTime"].endswith("Z")
        return int(got["version"])

    v = version()
    s.set_cells(key, "Sheet1", [["a"]])
    assert version() == v + 1
    http.values_batch_get(key, ["Sheet1"])
    assert version() == v + 1, "a read changes nothing"
    http.values_update(
        key, "Sheet1!A2", params={"valueInputOption": "RAW"}, body={"values": [["b"]]}
    )
    assert version() == v + 2
    bad = {"requests": [{"updateCells": {"range": {"sheetId": 999}, "fields": "*"}}]}
    with pytest.raises(APIError):
        http.batch_update(key, bad)
    assert version() == v + 2, "a refused batch changes nothing"
    with pytest.raises(APIError, match="Field 'nosuch' not found"):
        http.request("get", f"https://www.googleapis.com/drive/v3/files/{key}",
                     params={"fields": "nosuch"})  # fmt: skip
    claim("schema")
