"""Issue 16 part 4, end to end (Maildir -> xlsx register -> file outbox, frozen clock):
the petugas confirms a kabar task by replying TERKIRIM; Riwayat records it; one
reminder follows when a kabar is not confirmed within the first-response standard."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import openpyxl

from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C, build_layout
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register
from tests.test_cycle import T0, deliver, outbox, rows

KEY_ENV = "ADUAN_TEST_REPLY_KEY"
PETUGAS = "petugas@dinsos.example.go.id"


def _office(make_settings, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "kunci-uji-balasan-0123456789abcdef")
    s = make_settings("blitar", replies={"enabled": True, "key_env": KEY_ENV})
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    reg.init()
    reg.close()
    wb = openpyxl.load_workbook(s.path(s.register_.path))
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    typed = {C.CHANNEL: "SMS", C.NAME: "Pak Darto", C.CONTACT: "0857 3311 2200"}
    for k, v in {**typed, C.TEXT: "BPNT tidak cair"}.items():
        ws.cell(row=2, column=cols[k], value=v)
    wb.save(s.path(s.register_.path))
    return s


def _kabar(s) -> list[EmailMessage]:
    return [m for m in outbox(s) if m["X-Aduan-Kind"] == "kabar"]


def _reply(task: EmailMessage, sender: str, text: str, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(task["Reply-To"])
    msg["Subject"] = f"Re: {task['Subject']}"
    msg["Date"] = format_datetime(T0 + timedelta(minutes=n))
    msg["Message-ID"] = f"<terkirim-{n}@dinsos.example.go.id>"
    msg["In-Reply-To"] = str(task["Message-ID"])
    msg.set_content(text)
    return msg.as_bytes()


def _history(s) -> list[dict[str, str]]:
    return rows(s.path(s.register_.path), HISTORY_TAB)


def test_terkirim_on_the_kabar_task_is_recorded_and_stops_the_reminder(make_settings, monkeypatch):
    s = _office(make_settings, monkeypatch)
    run_cycle(s, now=T0)
    (task,) = _kabar(s)
    body = task.get_body(("plain",)).get_content()
    assert "TERKIRIM" in body and "kolom Catatan" not in body  # the command, not a note
    assert str(task["Reply-To"]).startswith("aduan+")
    # someone else's address with the token: refused, nothing confirmed
    deliver(s, "r0", _reply(task, "tim@dinsos.example.go.id", "TERKIRIM", 1))
    run_cycle(s, now=T0 + timedelta(minutes=1))
    assert not any(h["Peristiwa"] == "Kabar disampaikan" for h in _history(s))
    deliver(s, "r1", _reply(task, PETUGAS, "TERKIRIM: lewat SMS pukul 08.10", 2))
    run_cycle(s, now=T0 + timedelta(minutes=2))
    done = [h for h in _history(s) if h["Peristiwa"] == "Kabar disampaikan"]
    assert len(done) == 1
    assert "Kabar tanda terima disampaikan petugas lewat SMS" in done[0]["Keterangan"]
    # days later: the confirmed kabar brings no reminder
    run_cycle(s, now=T0 + timedelta(days=7))
    assert len(_kabar(s)) == 1


def test_an_unconfirmed_kabar_is_reminded_once(make_settings, monkeypatch):
    s = _office(make_settings, monkeypatch)
    run_cycle(s, now=T0)
    run_cycle(s, now=T0 + timedelta(hours=2))
    assert len(_kabar(s)) == 1  # within the standard: no reminder yet
    for d in (5, 6, 9):
        run_cycle(s, now=T0 + timedelta(days=d))
    kabar = _kabar(s)
    assert len(kabar) == 2  # the task and one reminder, not a flood
    reminder = kabar[1]
    assert str(reminder["Subject"]).startswith(
        f"[{(rows(s.path(s.register_.path)))[0][C.TICKET]}] Pengingat"
    )
    assert reminder["To"] == PETUGAS
    # the reminder confirms the original: TERKIRIM on it is recorded
    deliver(s, "r2", _reply(reminder, PETUGAS, "TERKIRIM", 3))
    run_cycle(s, now=T0 + timedelta(days=9, minutes=5))
    assert sum(h["Peristiwa"] == "Kabar disampaikan" for h in _history(s)) == 1
