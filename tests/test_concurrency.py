"""Two runs never overlap: the second exits at once (code 3) with a clear message,
a lock left by a killed run does not block, and `init` / `recap` take the same lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from aduan.core.layout import build_layout
from aduan.run.cycle import lock, run_cycle
from aduan.run.wiring import open_inbox, open_register
from aduan.support.crash import CRASH_ENV

NOW = "2026-11-24T09:01"
# the lock itself waits 0 s; the rest is interpreter start-up (0.4-0.8 s here),
# with room for a loaded CI machine
QUICK_S = 3.0


def _office(make_settings, n_mails: int = 2):
    s = make_settings("bpbd")
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        reg.init()
    finally:
        reg.close()
    md = Path(s.inbox.path)
    for d in ("new", "cur", "tmp"):
        (md / d).mkdir(parents=True, exist_ok=True)
    for i in range(n_mails):
        m = EmailMessage()
        m["From"] = f"Warga {i} <warga{i}@contoh.id>"
        m["To"] = "aduan@bpbd.example.go.id"
        m["Subject"] = f"Pohon tumbang {i}"
        m["Date"] = "Tue, 24 Nov 2026 09:00:00 +0700"
        m["Message-ID"] = f"<lock-{i}@contoh.id>"
        m.set_content("Pohon tumbang menutup jalan desa.")
        (md / "new" / f"lock-{i}").write_bytes(m.as_bytes())
    return s


def _aduan(
    s, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "aduan.cli", "--config", s.file, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return r, time.monotonic() - t0


def _tickets(s) -> list[str]:
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        return [r.get("No. Aduan") for r in reg.read().rows]
    finally:
        reg.close()


@pytest.mark.parametrize(
    "args",
    [("run", "--now", NOW), ("init",), ("recap", "--month", "2026-11", "--now", NOW)],
    ids=["run", "init", "recap"],
)
def test_second_command_exits_3_at_once_while_a_run_holds_the_lock(make_settings, args):
    s = _office(make_settings)
    before = Path(s.register_.path).read_bytes()
    with lock(s):  # a run in progress
        r, took = _aduan(s, *args)
    assert r.returncode == 3, r.stderr
    assert took < QUICK_S
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aduan: sibuk: run lain sedang berjalan"), lines
    # it changed nothing: mail not taken, register untouched
    assert Path(s.register_.path).read_bytes() == before
    assert len(list((Path(s.inbox.path) / "new").iterdir())) == 2


def test_two_runs_started_together_one_works_the_other_exits_3(make_settings, tmp_path):
    """A run (forked child) is held inside its poll while the second run starts."""
    s = _office(make_settings)
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the first run: holds the lock while the test starts the second
        code = 70
        try:
            inbox = open_inbox(s)
            real_poll = inbox.poll

            def poll():
                os.write(ready_w, b"1")
                os.read(go_r, 1)
                return real_poll()

            inbox.poll = poll
            from datetime import datetime

            rep = run_cycle(s, now=datetime.fromisoformat(NOW).replace(tzinfo=s.tz), inbox=inbox)
            code = rep.exit_code
        finally:
            os._exit(code)
    try:
        assert os.read(ready_r, 1) == b"1"  # the first run is inside the lock
        r, took = _aduan(s, "run", "--now", NOW)
    finally:
        os.write(go_w, b"1")
        _, status = os.waitpid(pid, 0)
    assert r.returncode == 3 and took < QUICK_S, r.stderr
    assert "sibuk" in r.stderr
    assert os.waitstatus_to_exitcode(status) == 0
    assert sorted(_tickets(s)) == ["ADU/2026/11/0001", "ADU/2026/11/0002"]


def test_lock_left_by_a_killed_run_does_not_block(make_settings):
    s = _office(make_settings)
    r, _ = _aduan(s, "run", "--now", NOW, env={CRASH_ENV: "after_poll"})
    assert r.returncode == -signal.SIGKILL
    assert (Path(s.paths.state) / "aduan.lock").exists()  # the file stays; the flock went
    r, _ = _aduan(s, "run", "--now", NOW)
    assert r.returncode == 0, r.stderr
    assert sorted(_tickets(s)) == ["ADU/2026/11/0001", "ADU/2026/11/0002"]
