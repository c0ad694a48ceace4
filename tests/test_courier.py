"""The fleet's courier (issue 19): on one host, the mail between offices with a file
outbox reaches the other office's Maildir after a fleet pass, exactly once, and nothing
else is touched. Last, the whole hand-off through the fleet folder: A forwards, the
courier carries it, B registers it as *Penyaluran dari A*, B's status comes back."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from aduan.config import load_settings
from aduan.core.layout import C
from aduan.inbox.maildir import _delivered
from aduan.run.courier import MEMORY_FILE, Courier, bare, run_courier
from aduan.run.fleet import cycle_work, find_offices, run_fleet
from tests.conftest import settings_dict
from tests.test_cycle import complaint, deliver, rows, staff_edit
from tests.test_fleet import init_register

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)  # Monday, office hours
ADUAN = Path(sys.executable).with_name("aduan")
A_ADDR, B_ADDR = "aduan@blitar.example.go.id", "aduan@bpbd.example.go.id"
KEY = "kunci-pemda-uji-0123456789abcdef"


def _office(fleet: Path, folder: str, seed: str, **overrides) -> Path:
    root = fleet / folder
    root.mkdir(parents=True)
    data = settings_dict(root, seed, **overrides)
    (root / "settings.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    for sub in ("new", "cur", "tmp"):
        (root / "maildir" / sub).mkdir(parents=True, exist_ok=True)
    (root / "outbox").mkdir()
    return root


@pytest.fixture
def pemda(tmp_path) -> Path:
    """Two offices on one host: Dinsos Blitar (A) and BPBD (B), file outbox, Maildir."""
    d = tmp_path / "pemda"
    _office(d, "a-blitar", "blitar")
    _office(d, "b-bpbd", "bpbd")
    return d


def _mail(folder: Path, name: str, to: str, mid: str, cc: str = "") -> Path:
    text = (
        f"From: Layanan Aduan <{A_ADDR}>\r\nTo: {to}\r\n"
        + (f"Cc: {cc}\r\n" if cc else "")
        + f"Subject: Uji kurir\r\nMessage-ID: {mid}\r\n"
        "Date: Mon, 02 Nov 2026 08:55:00 +0700\r\n\r\nIsi uji.\r\n"
    )
    p = folder / "outbox" / name
    p.write_bytes(text.encode())
    return p


def _inbox(root: Path) -> list[Path]:
    return sorted((root / "maildir" / "new").iterdir())


def test_a_mail_to_another_fleet_office_lands_once_in_its_maildir(pemda):
    a, b = pemda / "a-blitar", pemda / "b-bpbd"
    _mail(a, "1.eml", f"Kantor BPBD <{B_ADDR}>", "<m1@blitar.example.go.id>")
    offices = find_offices(pemda)
    rep = run_courier(offices, now=T0)
    assert (rep.delivered, rep.to_office, rep.problems) == (1, {"b-bpbd": 1}, [])
    assert rep.line == "kurir: 1 email antar-kantor diantar"
    [got] = _inbox(b)
    raw = got.read_bytes()
    assert raw.startswith(f"Delivered-To: {B_ADDR}\r\nFrom: Layanan Aduan".encode())
    assert _delivered(got) == T0  # received when the courier delivered, on the pass's clock
    assert list((b / "maildir" / "tmp").iterdir()) == []
    assert _inbox(a) == []  # nothing back to the sender

    # repeated passes, or the same mail rewritten by a resend: never twice
    for n in range(3):
        assert run_courier(offices, now=T0 + timedelta(minutes=5 * n)).delivered == 0
    _mail(a, "1.eml", B_ADDR, "<m1@blitar.example.go.id>")
    assert run_courier(offices, now=T0 + timedelta(minutes=20)).delivered == 0
    assert _inbox(b) == [got]
    memory = json.loads((a / "state" / MEMORY_FILE).read_text())
    assert memory["delivered"] == {"b-bpbd": ["<m1@blitar.example.go.id>"]}


def test_a_crash_between_delivering_and_remembering_delivers_nothing_twice(pemda):
    a, b = pemda / "a-blitar", pemda / "b-bpbd"
    _mail(a, "1.eml", B_ADDR, "<m1@blitar.example.go.id>")
    offices = find_offices(pemda)
    assert run_courier(offices, now=T0).delivered == 1
    (a / "state" / MEMORY_FILE).unlink()  # as if killed before remembering
    assert run_courier(offices, now=T0 + timedelta(minutes=5)).delivered == 0
    assert len(_inbox(b)) == 1
    # B processed it meanwhile (moved on to .Diproses): still found, still once
    [got] = _inbox(b)
    (b / "maildir" / ".Diproses" / "cur").mkdir(parents=True)
    got.rename(b / "maildir" / ".Diproses" / "cur" / f"{got.name}:2,S")
    (a / "state" / MEMORY_FILE).write_text("{torn")
    assert run_courier(offices, now=T0 + timedelta(minutes=10)).delivered == 0
    assert _inbox(b) == []


def test_only_fleet_addresses_are_delivered_plus_addresses_included(pemda):
    a, b = pemda / "a-blitar", pemda / "b-bpbd"
    _mail(a, "1.eml", "warga@contoh.id", "<m1@x>")  # a citizen: the real mail server's
    _mail(a, "2.eml", "AdUaN+Tiket.ABC@BPBD.example.go.id", "<m2@x>")  # B, plus-addressed
    _mail(a, "3.eml", "warga@contoh.id", "<m3@x>", cc=f"Kantor A <{A_ADDR}>, {B_ADDR}")
    _mail(a, "4.eml", "aduan@bpbd.example.go.id.palsu.id", "<m4@x>")  # not B's domain
    _mail(a, "5.eml", A_ADDR, "<m5@x>")  # to itself: not another office
    rep = run_courier(find_offices(pemda), now=T0)
    assert rep.delivered == 2
    heads = sorted(p.read_bytes().split(b"\r\n", 1)[0] for p in _inbox(b))
    assert heads == [
        b"Delivered-To: aduan+tiket.abc@bpbd.example.go.id",
        f"Delivered-To: {B_ADDR}".encode(),
    ]
    assert _inbox(a) == []
    assert bare("Aduan+x+y@Contoh.ID") == "aduan@contoh.id" and bare("bukan-alamat") == ""


def test_an_office_without_a_maildir_or_file_outbox_is_left_alone(tmp_path):
    d = tmp_path / "pemda"
    a = _office(d, "a-blitar", "blitar")
    imap = {"type": "imap", "host": "127.0.0.1", "user": "u", "password_env": "X_TIDAK_ADA"}
    _office(d, "b-bpbd", "bpbd", inbox=imap)
    smtp = {"type": "smtp", "host": "127.0.0.1", "port": 2525, "security": "plain"}
    c = _office(d, "c-bpbd2", "bpbd", mail=smtp, mail_identity={"from_address": "c@c.go.id"})
    _mail(a, "1.eml", B_ADDR, "<m1@x>")
    _mail(a, "2.eml", "c@c.go.id", "<m2@x>")
    (c / "outbox" / "3.eml").write_bytes(f"To: {A_ADDR}\r\nMessage-ID: <m3@x>\r\n\r\nx".encode())
    rep = run_courier(find_offices(d), now=T0)
    assert rep.delivered == 1  # to C only; B reads IMAP; C's outbox is not its mail
    assert len(_inbox(c)) == 1 and _inbox(a) == []


def test_a_broken_outbox_file_is_logged_and_skipped(pemda, caplog):
    a, b = pemda / "a-blitar", pemda / "b-bpbd"
    (a / "outbox" / "0-rusak.eml").mkdir()  # unreadable as a file
    (a / "outbox" / "1-tanpa-id.eml").write_bytes(f"To: {B_ADDR}\r\n\r\ntanpa id\r\n".encode())
    (a / "outbox" / ".2-sementara.eml.tmp").write_bytes(b"half")  # an atomic write's temp
    _mail(a, "3.eml", B_ADDR, "<m3@x>")
    with caplog.at_level(logging.WARNING, logger="aduan.run.courier"):
        rep = run_courier(find_offices(pemda), now=T0)
    assert rep.delivered == 1 and len(_inbox(b)) == 1
    assert len(rep.problems) == 2, rep.problems
    assert "0-rusak.eml tidak dapat dibaca" in rep.problems[0]
    assert "1-tanpa-id.eml tanpa Message-ID" in rep.problems[1]
    logged = [r.getMessage() for r in caplog.records]
    assert any("0-rusak.eml" in m for m in logged) and any("1-tanpa-id" in m for m in logged)
    assert "masalah" in rep.line


def test_two_offices_claiming_one_address_get_none_of_its_mail(tmp_path):
    d = tmp_path / "pemda"
    a = _office(d, "a-blitar", "blitar")
    same = {"from_address": B_ADDR}
    b1, b2 = (_office(d, n, "bpbd", mail_identity=same) for n in ("b1", "b2"))
    _mail(a, "1.eml", B_ADDR, "<m1@x>")
    c = Courier.of_fleet(find_offices(d))
    assert c.deliver(T0).delivered == 0
    assert _inbox(b1) == _inbox(b2) == []


def test_run_all_delivers_by_default_and_not_with_no_courier(pemda):
    a, b = pemda / "a-blitar", pemda / "b-bpbd"
    for root in (a, b):
        init_register(load_settings(root / "settings.yaml"))
    _mail(a, "1.eml", B_ADDR, "<m1@x>")
    now = ["--now", "2026-11-02T09:00"]
    off = subprocess.run(
        [ADUAN, "run", "--all", str(pemda), "--no-courier", *now], capture_output=True, text=True
    )
    assert off.returncode == 0, off.stdout + off.stderr
    assert "kurir" not in off.stdout and _inbox(b) == []
    on = subprocess.run([ADUAN, "run", "--all", str(pemda), *now], capture_output=True, text=True)
    assert on.returncode == 0, on.stdout + on.stderr
    assert "aduan: kurir: 1 email antar-kantor diantar" in on.stdout
    [got] = _inbox(b)
    assert _delivered(got) == datetime(2026, 11, 2, 9, 0, tzinfo=WIB)  # --now, B's clock
    # B registered it and acknowledged A (an automatic mail): carried to A, which
    # answers nothing; the offices do not ping-pong
    lines = []
    for _ in range(2):
        p = subprocess.run(
            [ADUAN, "run", "--all", str(pemda), *now], capture_output=True, text=True
        )
        lines.append(next(ln for ln in p.stdout.splitlines() if "kurir:" in ln))
    assert lines == [
        "aduan: kurir: 1 email antar-kantor diantar",
        "aduan: kurir: 0 email antar-kantor diantar",
    ]
    assert rows(a / "register.xlsx") == []


# ------------------------------------------------------------------ the whole hand-off
def test_a_hand_off_through_the_fleet_folder(tmp_path):
    """A forwards; the courier carries it to B; B registers it as Penyaluran dari A;
    B's status comes back by the courier too, and A's Tahap shows it."""
    d = tmp_path / "pemda"
    key = tmp_path / "pemda.key"
    key.write_text(KEY)
    handoff = {"key_file": str(key)}
    bpbd = {"name": "BPBD Kabupaten Karanganyar", "aliases": ["BPBD"], "email": B_ADDR}
    a = _office(
        d,
        "a-blitar",
        "blitar",
        handoff=handoff,
        agencies=[{**bpbd, "office_id": "bpbd-karanganyar"}],
    )
    b = _office(d, "b-bpbd", "bpbd", handoff=handoff)
    sa, sb = (load_settings(r / "settings.yaml") for r in (a, b))
    for s in (sa, sb):
        init_register(s)
    offices = find_offices(d)

    def fleet_pass(now: datetime) -> int:
        results = run_fleet(offices, lambda o: cycle_work(o, now=now), jobs=2)
        assert all(r.status == "ok" for r in results), [r.line for r in results]
        return run_courier(offices, now=now).delivered

    deliver(sa, "m1", complaint(1, "Tanggul sungai retak", sender="budi@contoh.id"))
    assert fleet_pass(T0) == 0
    [row] = rows(a / "register.xlsx")
    a_ticket = row[C.TICKET]
    staff_edit(
        a / "register.xlsx", a_ticket, {"Kewenangan": "Bukan Kewenangan", "Instansi Tujuan": "BPBD"}
    )
    assert fleet_pass(T0 + timedelta(minutes=5)) == 1  # the forwarding, to B
    [fwd] = _inbox(b)
    assert b"X-Aduan-Penyaluran-Tanda" in fwd.read_bytes()

    assert fleet_pass(T0 + timedelta(minutes=10)) == 1  # B registered it: status to A
    [brow] = rows(b / "register.xlsx")
    assert brow[C.CHANNEL] == "Penyaluran dari Dinsos Kota Blitar"
    assert a_ticket in brow[C.NOTE]
    [status] = _inbox(a)
    msg = email.message_from_bytes(status.read_bytes(), policy=email.policy.default)
    assert msg["Delivered-To"] == A_ADDR and msg["X-Aduan-Kind"] == "status_penyaluran"

    assert fleet_pass(T0 + timedelta(minutes=15)) == 0
    tahap = next(r for r in rows(a / "register.xlsx") if r[C.TICKET] == a_ticket)[C.STEP]
    assert f"Di BPBD Kabupaten Karanganyar: {brow[C.TICKET]} — dicatat" in tahap, tahap
    assert len(rows(b / "register.xlsx")) == 1
    shutil.rmtree(d)
