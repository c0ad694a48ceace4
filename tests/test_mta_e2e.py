"""Aduan's real cycle against a real mail system (issue 17, part 3): ``run_cycle`` polls
Dovecot over IMAP and sends through Postfix, which delivers over LMTP (sieve vacation
answering) and writes its own bounces and delay notices (tests/fixtures_mta.py).

Each test has its own office inbox and staff mailboxes (``Mta.add_user``), a frozen
clock for the cycles, and bounded waits for the mail system; every scenario ends in
counts of the messages each mailbox holds."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import openpyxl

from aduan.core.layout import HISTORY_TAB, C, build_layout
from aduan.run.cycle import CycleReport, run_cycle
from aduan.run.wiring import open_register

if TYPE_CHECKING:
    from tests.fixtures_mta import Mta

pytest_plugins = ["tests.fixtures_mta"]

WIB = ZoneInfo("Asia/Jakarta")
START = datetime(2026, 11, 25, 9, 0, tzinfo=WIB)  # a Wednesday, office open
PASSWORD_ENV = "ADUAN_TEST_MTA_PASSWORD"
KEY_ENV = "ADUAN_TEST_MTA_REPLY_KEY"
_seq = itertools.count(1)


class Office:
    """A BPBD office on the test MTA: its inbox is a fresh kantor.test mailbox."""

    def __init__(self, mta: Mta, make_settings, monkeypatch, roles: dict[str, list[str]], **kw):
        monkeypatch.setenv(PASSWORD_ENV, mta.password)
        monkeypatch.setenv(KEY_ENV, "kunci-uji-mta-0123456789abcdef01")
        self.mta = mta
        self.inbox = mta.add_user("kantor.test")
        self.s = make_settings(
            "bpbd",
            inbox={
                "type": "imap",
                "host": mta.imap_host,
                "port": mta.imap_port,
                "security": "plain",
                "user": self.inbox,
                "password_env": PASSWORD_ENV,
                "timeout_s": 10,
            },
            mail={
                "type": "smtp",
                "host": mta.smtp_host,
                "port": mta.smtp_port,
                "security": "plain",
            },
            mail_identity={"from_address": self.inbox, "from_name": "Layanan Aduan"},
            replies={"enabled": True, "key_env": KEY_ENV},
            roles=roles,
            **kw,
        )
        reg = open_register(self.s, build_layout(self.s.load_sop(), self.s.categories))
        reg.init()
        reg.close()
        self.now = START

    def run(self, minutes: int = 2) -> CycleReport:
        """A cycle ``minutes`` later; then wait until Postfix delivered what it sent."""
        self.now += timedelta(minutes=minutes)
        rep = run_cycle(self.s, now=self.now)
        self.mta.wait_settled()
        return rep

    def settle(self, rounds: int = 6, minutes: int = 1) -> list[CycleReport]:
        """Cycles until one polls nothing (bounded): what the mail system sends back
        (bounces, vacation replies) is read and answered, or not, to the end."""
        reps = []
        for _ in range(rounds):
            reps.append(self.run(minutes))
            if reps[-1].counts["mail_polled"] == 0:
                return reps
        raise AssertionError(f"still mail after {rounds} cycles: {[r.counts for r in reps]}")

    def complaint(self, sender: str, subject: str, text: str = "Mohon segera ditangani.") -> str:
        msg = EmailMessage()
        msg["From"] = f"Warga {sender.partition('@')[0]} <{sender}>"
        msg["To"] = self.inbox
        msg["Subject"] = subject
        msg["Message-ID"] = f"<keluhan.{next(_seq)}@example.test>"
        msg["Date"] = format_datetime(self.now)
        msg.set_content(text)
        mid = str(msg["Message-ID"])
        self.mta.send(sender, self.inbox, msg.as_bytes())
        self.mta.wait_for(self.inbox, lambda ms: any(m["Message-ID"] == mid for m in ms))
        return mid

    # -- what can be observed
    def rows(self) -> list[dict[str, str]]:
        reg = open_register(self.s, build_layout(self.s.load_sop(), self.s.categories))
        try:
            return [r.values for r in reg.read().rows]
        finally:
            reg.close()

    def ticket_of(self, sender: str) -> str:
        (row,) = [r for r in self.rows() if r[C.CONTACT] == sender]
        return row[C.TICKET]

    def history(self, ticket: str) -> list[dict[str, str]]:
        wb = openpyxl.load_workbook(self.s.path(self.s.register_.path))
        rows = list(wb[HISTORY_TAB].iter_rows(values_only=True))
        out = [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
        return [h for h in out if h["No. Aduan"] == ticket]

    def events(self, ticket: str) -> Counter[str]:
        return Counter(str(h["Peristiwa"]) for h in self.history(ticket))


def aduan_mail(mta: Mta, user: str) -> Counter[str]:
    """The kinds of Aduan's mails in a mailbox (X-Aduan-Kind), counted."""
    return Counter(str(m["X-Aduan-Kind"]) for m in mta.messages(user) if m["X-Aduan-Kind"])


def _staff(mta: Mta, **vacation: bool) -> dict[str, list[str]]:
    return {
        r: [mta.add_user("kantor.test", vacation=vacation.get(r, False))]
        for r in ("petugas", "tim", "pimpinan")
    }


def _redeliver_processed(mta: Mta, user: str) -> int:
    """What a second mail client or a migration does: every processed message copied
    back into the INBOX without Aduan's keyword. Returns how many."""
    from aduan.inbox.imap import PROCESSED_FLAG

    c = mta.imap(user)
    try:
        c.select_folder("INBOX")
        uids = c.search(["KEYWORD", PROCESSED_FLAG])
        data = c.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        for uid in uids:
            c.append("INBOX", data[uid][b"BODY[]"], flags=())
        return len(uids)
    finally:
        c.logout()


def test_bounces_delays_a_stale_staff_address_and_redelivered_mail(mta, make_settings, monkeypatch):
    roles = _staff(mta)
    petugas = roles["petugas"][0]
    stale = "lama.pensiun@kantor.test"  # a petugas who left: no such mailbox any more
    roles["petugas"].append(stale)
    admin = mta.add_user("kantor.test")
    o = Office(mta, make_settings, monkeypatch, roles, admin=[admin])
    gone = "tidak.ada.lagi@example.test"  # a complainant's mistyped address
    slow = "pelapor@" + mta.defer_domain  # a server that answers later
    ok = mta.add_user()
    for sender, subject in ((gone, "Jalan rusak"), (slow, "Banjir"), (ok, "Pohon tumbang")):
        o.complaint(sender, subject)
    first = o.run()
    assert first.counts["registered_mail"] == 3 and first.counts["emails_sent"] == 6, first.log
    # Postfix answers: a real bounce for the complainant, three for the stale petugas (one
    # per task mail), and, once delay_warning_time passed, a delay notice for slow.test
    mta.flush()
    mta.wait_for(
        o.inbox,
        lambda ms: (
            sum(str(m["Subject"]).startswith("Undelivered") for m in ms) == 4
            and any(str(m["Subject"]).startswith("Delayed Mail") for m in ms)
        ),
    )
    reps = o.settle()
    counts = sum((r.counts for r in reps), Counter())
    assert counts["bounces"] >= 4 and counts["bounces_delayed"] == 1, counts
    assert counts["registered_mail"] == 0  # no bounce, no delay notice became a complaint
    assert len(o.rows()) == 3

    t_gone, t_slow, t_ok = (o.ticket_of(a) for a in (gone, slow, ok))
    # the complainant's bounce: on its ticket, the petugas told (as before issue 17)
    failed = [h for h in o.history(t_gone) if h["Peristiwa"] == "Email tidak terkirim"]
    assert len(failed) >= 1 and "email kepada pengadu" in failed[0]["Keterangan"]
    # the delay: recorded as such, nobody alarmed
    assert o.events(t_slow)["Email tertunda"] == 1
    assert o.events(t_slow)["Email tidak terkirim"] == 1  # the stale petugas's copy, not slow's
    # the stale address: Riwayat names it, the admin and the other petugas are told once
    stale_rows = [
        h for t in (t_gone, t_slow, t_ok) for h in o.history(t) if stale in h["Keterangan"]
    ]
    assert len(stale_rows) >= 3 and all(
        "perbaiki alamat peran" in h["Keterangan"] for h in stale_rows
    )
    notices = [m for m in mta.messages(admin) if m["X-Aduan-Kind"] == "pantulan"]
    assert len(notices) == 1
    body = notices[0].get_body(("plain",)).get_content()
    assert stale in body and "perbaiki alamat peran" in body and "Petugas" in body
    assert str(notices[0]["Subject"]).endswith("perbaiki pengaturan peran")
    kinds = {"tanda_terima", "tugas", "pantulan", "ditolak", "konfirmasi", "balasan_pengadu"}

    def mail_of(user: str) -> dict[str, int]:
        return {k: n for k, n in aduan_mail(mta, user).items() if k in kinds}

    before = {u: mail_of(u) for u in (petugas, admin, ok, roles["tim"][0], roles["pimpinan"][0])}
    assert before[petugas] == {"tugas": 3, "pantulan": 2}  # gone's bounce, the stale address
    assert before[admin] == {"pantulan": 1}
    assert before[ok] == {"tanda_terima": 1}
    assert before[roles["tim"][0]] == before[roles["pimpinan"][0]] == {}
    history = {t: len(o.history(t)) for t in (t_gone, t_slow, t_ok)}
    rows = o.rows()

    # re-delivery: every processed message back in the INBOX without the keyword
    copied = _redeliver_processed(mta, o.inbox)
    assert copied >= 8  # 3 complaints, 4 bounces, 1 delay notice (and what came later)
    # at the moment of the last cycle: no step falls due, so any mail would be the copies'
    again = sum((r.counts for r in o.settle(minutes=0)), Counter())
    assert again["mail_polled"] == again["mail_duplicate"] == copied, again
    assert again["emails_sent"] == 0
    assert o.rows() == rows
    assert {t: len(o.history(t)) for t in history} == history
    assert {u: mail_of(u) for u in before} == before


def _send_as(mta: Mta, sender: str, to: str, subject: str, text: str, **headers: str) -> str:
    """A person's plain mail through Postfix (no RFC 3834 markers); returns its Message-ID."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<orang.{next(_seq)}@{sender.partition('@')[2]}>"
    msg["Date"] = format_datetime(START)
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(text)
    mta.send(sender, to, msg.as_bytes())
    return str(msg["Message-ID"])


def test_vacation_replies_of_a_complainant_and_a_staff_member(mta, make_settings, monkeypatch):
    roles = _staff(mta, petugas=True)
    petugas = roles["petugas"][0]
    o = Office(mta, make_settings, monkeypatch, roles)
    warga = mta.add_user(vacation=True)
    o.complaint(warga, "Lampu jalan mati")
    first = o.run()
    assert first.counts["registered_mail"] == 1 and first.counts["emails_sent"] == 2
    ack = next(m for m in mta.messages(warga) if m["X-Aduan-Kind"] == "tanda_terima")
    task = next(m for m in mta.messages(petugas) if m["X-Aduan-Kind"] == "tugas")
    # Aduan's mail says Auto-Submitted: both vacations stay silent (RFC 5230)
    for m in (ack, task):
        line = mta.wait_log(rf"msgid={m['Message-ID']}: vacation action: .*", dovecot=True)
        assert "discarding vacation response to auto-submitted message" in line, line
    assert o.settle()[0].counts["mail_polled"] == 0
    ticket = o.ticket_of(warga)
    history = len(o.history(ticket))

    # a person writes from the office's address (no markers): both vacations answer it,
    # with a null sender and Auto-Submitted: auto-replied, into the office inbox
    sent = [
        _send_as(mta, o.inbox, warga, f"[{ticket}] Mohon kirim foto lokasi", "Mohon fotonya."),
        _send_as(mta, o.inbox, petugas, f"[{ticket}] Tolong cek", "Tolong dicek hari ini."),
    ]
    got = mta.wait_for(o.inbox, lambda ms: sum(m["In-Reply-To"] in sent for m in ms) == 2)
    replies = [m for m in got if m["In-Reply-To"] in sent]
    assert {str(m["Subject"]) for m in replies} == {"Sedang cuti"}
    assert all(m["Return-Path"] == "<>" for m in replies)
    reps = o.settle()
    counts = sum((r.counts for r in reps), Counter())
    assert counts["mail_polled"] == 2 and counts["mail_auto_reply"] == 2, counts
    for k in ("registered_mail", "replies", "bounces", "emails_sent"):
        assert counts[k] == 0, (k, counts)
    assert counts["decisions_accepted"] == counts["decisions_refused"] == 0
    assert len(o.rows()) == 1 and len(o.history(ticket)) == history  # a null sender: no bounce
    kinds = {"tanda_terima", "tugas", "pantulan", "ditolak", "konfirmasi", "balasan_pengadu"}
    assert {k: n for k, n in aduan_mail(mta, warga).items() if k in kinds} == {"tanda_terima": 1}
    assert {k: n for k, n in aduan_mail(mta, petugas).items() if k in kinds} == {"tugas": 1}


def _reply_by_mail(mta: Mta, staff: str, task: EmailMessage, body: str) -> str:
    """A role answers its task mail as a mail client does, through Postfix."""
    return _send_as(
        mta,
        staff,
        (task["Reply-To"] or task["From"]).addresses[0].addr_spec,
        f"Re: {task['Subject']}",
        f"{body}\n\n> {task.get_body(('plain',)).get_content()[:300]}",
        In_Reply_To=str(task["Message-ID"]),
        References=f"{task['References']} {task['Message-ID']}",
    )


def _new_tasks(mta: Mta, user: str, seen: set[str]) -> list[EmailMessage]:
    out = [m for m in mta.messages(user) if m["X-Aduan-Kind"] and m["Message-ID"] not in seen]
    seen.update(str(m["Message-ID"]) for m in out)
    return out


def test_decisions_by_reply_through_postfix_and_a_marker_stripping_responder(
    mta, make_settings, monkeypatch
):
    roles = _staff(mta)
    petugas, head = roles["petugas"][0], roles["pimpinan"][0]
    o = Office(mta, make_settings, monkeypatch, roles)
    warga = mta.add_user()
    o.complaint(warga, "Tanah longsor di Dusun Ngargoyoso")
    o.run()
    ticket = o.ticket_of(warga)
    seen: set[str] = set()
    (task,) = _new_tasks(mta, petugas, seen)
    # through Postfix: Received, Delivered-To and Return-Path added; the token holds
    for body, role, user in (("TINDAK LANJUT", "petugas", petugas), ("KATEGORI: Bencana", "", "")):
        mid = _reply_by_mail(mta, petugas, task, body)
        arrived = mta.wait_for(o.inbox, lambda ms, mid=mid: any(m["Message-ID"] == mid for m in ms))
        got = next(m for m in arrived if m["Message-ID"] == mid)
        assert "+" in str(got["Delivered-To"])  # the plus-address with the token
        assert any("(Postfix)" in str(r) for r in got.get_all("Received", []))
        rep = o.run()
        assert rep.counts["decisions_accepted"] == 1, rep.log
        if role:
            (task,) = [m for m in _new_tasks(mta, user, seen) if m["X-Aduan-Kind"] == "tugas"]
    decided = [h for h in o.history(ticket) if str(h["Peristiwa"]).startswith("Keputusan lewat")]
    assert len(decided) == 2
    (task,) = [m for m in _new_tasks(mta, head, seen) if m["X-Aduan-Kind"] == "tugas"]
    assert str(task["X-Aduan-Step"]) == "4"

    # the head's mail client answers everything it gets, from the head's own address,
    # without Auto-Submitted or X-Auto*: a loop unless Aduan's guards hold (bounded)
    answered = 0
    refusals: Counter[str] = Counter()
    inbox = [task]
    for _day in range(3):
        for _ in range(3):  # three cycles a day
            for m in inbox:
                mid = _reply_by_mail(mta, head, m, "Terima kasih. Saya sedang di luar kantor.")
                mta.wait_for(o.inbox, lambda ms, mid=mid: any(x["Message-ID"] == mid for x in ms))
                answered += 1
            o.run(minutes=1)
            inbox = _new_tasks(mta, head, seen)
            refusals[o.now.date().isoformat()] += sum(m["X-Aduan-Kind"] == "ditolak" for m in inbox)
        o.now += timedelta(days=1)
    told = [m for m in mta.messages(head) if m["X-Aduan-Kind"] == "ditolak"]
    assert len(told) == sum(refusals.values())
    assert all(n <= 1 for n in refusals.values()), refusals
    assert len(told) <= 3  # at most one a day, not one a cycle
    assert o.rows()[0]["Disposisi"] == ""  # an auto-reply never decides
    # nor is it a complaint: answers to mails about no ticket (the daily summary) included
    assert len(o.rows()) == 1 and "tanda_terima" not in aduan_mail(mta, head)
    assert answered < 20  # the loop stopped: the responder ran dry
    assert not inbox or all(m["X-Aduan-Kind"] != "ditolak" for m in inbox)
