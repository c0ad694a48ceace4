"""Change detection for steady cycles (issue 19): an xlsx register whose stamp is the one
the last read saw is not read again; the engine decides from that snapshot, so deadlines
still fire on time; any save by staff (or a layout change) means a full read."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from aduan.core.layout import C
from aduan.register.xlsx import register as xlsx_register
from aduan.run.cycle import run_cycle
from tests.test_cycle import T0, complaint, deliver, outbox, rows, setup_office, staff_edit


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


def test_the_snapshot_file_is_private(make_settings):
    s = setup_office(make_settings, "bpbd")
    run_cycle(s, now=T0)
    snap = s.path(s.paths.state) / "register-snapshot.pickle"
    assert snap.exists() and snap.stat().st_mode & 0o077 == 0
