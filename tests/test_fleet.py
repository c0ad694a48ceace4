"""The fleet (issue 19): `aduan run --all DIR` / `check --all DIR` run every office in its
own process, under its own lock; one broken office is named and never stops the others."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from aduan.config import load_settings
from aduan.core.layout import C, build_layout
from aduan.run.fleet import (
    FleetOffice,
    OfficeResult,
    cycle_work,
    find_offices,
    fleet_exit,
    run_fleet,
)
from aduan.run.lock import lock
from aduan.run.wiring import open_register
from tests.conftest import settings_dict
from tests.test_cycle import complaint, deliver, outbox, rows

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)  # Monday, office hours
ADUAN = Path(sys.executable).with_name("aduan")


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _office(fleet: Path, folder: str, seed: str, **overrides) -> Path:
    root = fleet / folder
    root.mkdir(parents=True)
    data = settings_dict(root, seed, **overrides)
    (root / "settings.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return root / "settings.yaml"


def init_register(s) -> None:
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        reg.init()
    finally:
        reg.close()


def _ready(settings_file: Path, mail_no: int) -> None:
    s = load_settings(settings_file)
    init_register(s)
    deliver(s, f"m{mail_no}", complaint(mail_no, f"Aduan nomor {mail_no}"))


@pytest.fixture
def fleet(tmp_path):
    """Five offices: two healthy, a broken settings file, an unreachable IMAP server and a
    register open in LibreOffice."""
    d = tmp_path / "pemda"
    good = [_office(d, "bpbd", "bpbd"), _office(d, "dinsos", "blitar")]
    for i, f in enumerate(good, 1):
        _ready(f, i)
    (d / "rusak").mkdir()
    (d / "rusak" / "settings.yaml").write_text("office: [tidak selesai\n")
    imap = _office(
        d,
        "imap-mati",
        "bpbd",
        inbox={
            "type": "imap",
            "host": "127.0.0.1",
            "port": _closed_port(),
            "security": "plain",
            "user": "aduan",
            "password_env": "ADUAN_TEST_IMAP_PASSWORD",
            "timeout_s": 5,
        },
    )
    init_register(load_settings(imap))
    locked = _office(d, "terkunci", "blitar")
    _ready(locked, 3)
    reg = load_settings(locked).path(load_settings(locked).register_.path)
    reg.with_name(f".~lock.{reg.name}#").write_text("staf,pc-depan,02.11.2026 08:00,staf;")
    return d


def test_one_broken_office_among_several_never_stops_the_others(fleet):
    p = subprocess.run(
        [str(ADUAN), "run", "--all", str(fleet), "--jobs", "2", "--now", "2026-11-02T09:00"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ADUAN_TEST_IMAP_PASSWORD": "rahasia"},
    )
    assert p.returncode == 1, p.stdout + p.stderr  # partial: some offices failed
    lines = {ln.split(": ", 2)[1]: ln for ln in p.stdout.splitlines() if " — " in ln}
    assert set(lines) == {"bpbd", "dinsos", "rusak", "imap-mati", "terkunci"}, p.stdout
    assert "OK — 1 aduan baru" in lines["bpbd"] and "OK — 1 aduan baru" in lines["dinsos"]
    assert "KONFIGURASI" in lines["rusak"] and "settings.yaml" in lines["rusak"]
    assert "SEBAGIAN" in lines["imap-mati"] and "kotak masuk" in lines["imap-mati"]
    assert "SEBAGIAN" in lines["terkunci"] and "LibreOffice" in lines["terkunci"]
    assert "armada 5 kantor: 2 ok" in p.stdout
    for name in ("bpbd", "dinsos"):
        s = load_settings(fleet / name / "settings.yaml")
        assert [r[C.TICKET] for r in rows(s.path(s.register_.path))] == ["ADU/2026/11/0001"]
        assert "warga@contoh.id" in {m["To"] for m in outbox(s)}, "acknowledged"
    s = load_settings(fleet / "terkunci" / "settings.yaml")
    assert rows(s.path(s.register_.path)) == [] and outbox(s) == []


def test_check_all_names_each_office(fleet):
    p = subprocess.run(
        [str(ADUAN), "check", "--all", str(fleet)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ADUAN_TEST_IMAP_PASSWORD": "rahasia"},
    )
    assert p.returncode == 1
    out = p.stdout
    assert "aduan: bpbd: OK" in out and "aduan: dinsos: OK" in out
    assert "aduan: rusak: KONFIGURASI" in out
    assert "aduan: imap-mati: GAGAL" in out and "Kotak masuk" in out


def test_a_busy_office_is_reported_and_the_pass_is_not_failed(tmp_path):
    d = tmp_path / "pemda"
    files = [_office(d, "a", "bpbd"), _office(d, "b", "blitar")]
    for i, f in enumerate(files, 1):
        _ready(f, i)
    held = lock(load_settings(files[0]))
    held.acquire()
    try:
        res = run_fleet(find_offices(d), lambda o: cycle_work(o, now=T0), jobs=2)
    finally:
        held.release()
    assert [r.status for r in res] == ["sibuk", "ok"]
    assert fleet_exit(res) == 0


def test_a_crashing_or_hanging_office_is_named_the_others_finish(tmp_path):
    offices = [FleetOffice(n, tmp_path / n / "settings.yaml") for n in ("a", "mati", "b", "macet")]

    def work(o: FleetOffice) -> OfficeResult:
        if o.name == "mati":
            os.kill(os.getpid(), signal.SIGKILL)  # what a segfault or the OOM killer does
        if o.name == "macet":
            threading.Event().wait()  # a server that never answers
        return OfficeResult(o.name, "ok", f"pid {os.getpid()}")

    res = run_fleet(offices, work, jobs=2, timeout_s=3)
    by = {r.office: r for r in res}
    assert [r.office for r in res] == ["a", "mati", "b", "macet"], "the offices' order"
    assert by["a"].status == by["b"].status == "ok"
    assert by["a"].summary != f"pid {os.getpid()}", "ran in its own process"
    assert by["mati"].status == "crash" and "sinyal 9" in by["mati"].summary
    assert by["macet"].status == "waktu habis"
    assert fleet_exit(res) == 1


def test_jobs_bounds_the_offices_running_at_once(tmp_path):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2, timeout=20)  # two must meet: proves two ran together
    running, peak = ctx.Value("i", 0), ctx.Value("i", 0)

    def work(o: FleetOffice) -> OfficeResult:
        with running.get_lock():
            running.value += 1
            peak.value = max(peak.value, running.value)
        barrier.wait()
        with running.get_lock():
            running.value -= 1
        return OfficeResult(o.name, "ok", "")

    offices = [FleetOffice(f"k{i}", tmp_path / f"k{i}") for i in range(6)]
    res = run_fleet(offices, work, jobs=2, timeout_s=60)
    assert [r.status for r in res] == ["ok"] * 6, [r.line for r in res]
    assert peak.value == 2


def test_find_offices_from_a_folder_or_a_list_file(tmp_path):
    from aduan.errors import ConfigError

    d = tmp_path / "pemda"
    a, b = _office(d, "bpbd", "bpbd"), _office(d, "dinsos", "blitar")
    (d / "catatan").mkdir()  # a folder without settings.yaml is not an office
    assert find_offices(d) == [FleetOffice("bpbd", a), FleetOffice("dinsos", b)]
    lst = tmp_path / "kantor.txt"
    lst.write_text("# armada pemda\npemda/dinsos\n\npemda/bpbd/settings.yaml  # BPBD\n")
    assert find_offices(lst) == [FleetOffice("dinsos", b), FleetOffice("bpbd", a)]
    with pytest.raises(ConfigError, match="tidak ada kantor"):
        find_offices(d / "catatan")
