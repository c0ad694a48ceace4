"""Decisions by reply, end to end: real cycles (``run_cycle`` with an explicit ``now``)
polling Dovecot over IMAP, an xlsx register, and sending through an aiosmtpd server
on loopback. Staff never touch the register here: they answer the task emails.

Shown: both SOPs from complaint to closure driven only by replies; a forged From
without token; a valid token replayed for another ticket or at a later step; the
right person from an unconfigured address; a DKIM failure; the same reply twice;
a complainant who writes a command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C, build_layout
from aduan.run.cycle import CycleReport, run_cycle
from aduan.run.wiring import open_register

WIB = ZoneInfo("Asia/Jakarta")
COMPLAINANT = "budi.santoso@desa.example.id"
KEY_ENV = "ADUAN_TEST_REPLY_KEY"
START = datetime(2026, 11, 25, 9, 0, tzinfo=WIB)  # a Wednesday, office open


@dataclass
class Sent:
    kind: str
    to: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()

    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class Office:
    """One office: Dovecot inbox, xlsx register, aiosmtpd outgoing mail, replies on."""

    def __init__(self, make_settings, imap_account, smtp, monkeypatch, name: str) -> None:
        monkeypatch.setenv(KEY_ENV, "kunci-uji-balasan-0123456789abcdef")
        self.acct, self.smtp = imap_account, smtp
        self.s = make_settings(
            name,
            inbox=imap_account.inbox_config(),
            mail={"type": "smtp", "host": "127.0.0.1", "port": smtp.port, "security": "plain"},
            replies={"enabled": True, "key_env": KEY_ENV},
        )
        reg = open_register(self.s, build_layout(self.s.load_sop(), self.s.categories))
        reg.init()
        reg.close()
        self.address = {r: addrs[0] for r, addrs in self.s.roles.items()}
        self.role_of = {a: r for r, addrs in self.s.roles.items() for a in addrs}
        self.now = START
        self.n = 0

    # -- time and cycles
    def run(self, minutes: int = 2) -> CycleReport:
        """A cycle ``minutes`` later, then one at the same moment (which must do nothing)."""
        self.now += timedelta(minutes=minutes)
        rep = run_cycle(self.s, now=self.now)
        before = len(self.smtp.messages)
        again = run_cycle(self.s, now=self.now)
        assert len(self.smtp.messages) == before, "a rerun at the same moment sent mail"
        assert again.counts["mail_polled"] == 0
        return rep

    def sent(self) -> list[Sent]:
        out = []
        for m in self.smtp.messages:
            to = tuple(
                sorted(
                    self.role_of.get(a, "pengadu" if a == COMPLAINANT else a) for a in m.rcpt_tos
                )
            )
            out.append(Sent(str(m.message["X-Aduan-Kind"]), to, m.message))
        self.smtp.messages.clear()
        return out

    # -- mail in
    def complaint(self, subject: str = "Jalan rusak di RT 3") -> str:
        self.n += 1
        msg = EmailMessage()
        msg["From"] = f"Budi Santoso <{COMPLAINANT}>"
        msg["To"] = self.s.mail_identity.from_address
        msg["Subject"] = subject
        msg["Message-ID"] = f"<aduan.{self.n}@desa.example.id>"
        msg["Date"] = format_datetime(self.now)
        msg.set_content("Jalan di depan SD Negeri 1 berlubang besar dan membahayakan.")
        self.acct.append(msg.as_bytes())
        self.run()
        return self.rows()[-1][C.TICKET]

    def reply(
        self,
        task: Sent,
        body: str,
        *,
        frm: str | None = None,
        to: str | None = None,
        subject: str | None = None,
        auth: str = "",
        mid: str | None = None,
        below_quote: bool = False,
    ) -> str:
        """Answer a task email the way a mail client does (quoting it); returns the Message-ID."""
        self.n += 1
        frm = frm or self.address[task.to[0]]
        mid = mid or f"<balas.{self.n}@{frm.partition('@')[2]}>"
        quoted = "\n".join("> " + ln for ln in task.text().splitlines())
        attribution = f"Pada {format_datetime(self.now)}, Layanan Aduan menulis:"
        text = (
            f"{attribution}\n{quoted}\n\n{body}\n"
            if below_quote
            else f"{body}\n\n{attribution}\n{quoted}\n"
        )
        msg = EmailMessage()
        msg["From"] = frm
        msg["To"] = to or str(task.message["Reply-To"])
        msg["Subject"] = subject or f"Re: {task.subject}"
        msg["Message-ID"] = mid
        msg["In-Reply-To"] = str(task.message["Message-ID"])
        msg["References"] = f"{task.message['References']} {task.message['Message-ID']}"
        msg["Date"] = format_datetime(self.now)
        if auth:
            msg["Authentication-Results"] = auth
        msg.set_content(text)
        self.resend(msg.as_bytes())
        return mid

    def resend(self, raw: bytes) -> None:
        self.acct.append(raw)
        self.last_raw = raw

    # -- the register
    def rows(self) -> list[dict[str, str]]:
        reg = open_register(self.s, build_layout(self.s.load_sop(), self.s.categories))
        try:
            return [r.values for r in reg.read().rows]
        finally:
            reg.close()

    def row(self, ticket: str) -> dict[str, str]:
        return next(r for r in self.rows() if r[C.TICKET] == ticket)

    def history(self, ticket: str) -> list[dict[str, str]]:
        wb = openpyxl.load_workbook(self.s.path(self.s.register_.path))
        rows = list(wb[HISTORY_TAB].iter_rows(values_only=True))
        out = [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
        return [h for h in out if h["No. Aduan"] == ticket]


def only(sent: list[Sent], kind: str, to: str) -> Sent:
    got = [s for s in sent if s.kind == kind and s.to == (to,)]
    assert len(got) == 1, [(s.kind, s.to) for s in sent]
    return got[0]


@pytest.fixture
def office(make_settings, imap_account, smtp_server, monkeypatch):
    def make(name: str = "bpbd") -> Office:
        return Office(make_settings, imap_account, smtp_server, monkeypatch, name)

    return make


def decide(o: Office, task: Sent, body: str, **kw) -> list[Sent]:
    """The task's role replies with ``body``; the next cycle's mails."""
    o.reply(task, body, **kw)
    rep = o.run()
    assert rep.counts["decisions_accepted"] == 1, rep.log
    sent = o.sent()
    command = body.split(":")[0].strip(" .").upper()
    nxt = [s for s in sent if s.kind == "tugas" and s.to == task.to]
    if nxt:  # issue 21: the next step is the same role's: its task says it was accepted
        assert not [s for s in sent if s.kind == "konfirmasi"], "one mail, not two"
        assert f"KEPUTUSAN ANDA DITERIMA: {command}" in nxt[0].text()
        return sent
    conf = only(sent, "konfirmasi", task.to[0])
    assert command in conf.subject
    assert conf.message["Reply-To"] is None or "+" not in str(conf.message["Reply-To"])
    return sent


# ------------------------------------------------------------------ whole SOPs
def test_bpbd_from_complaint_to_closure_by_replies_only(office):
    o = office("bpbd")
    ticket = o.complaint()
    sent = o.sent()
    only(sent, "tanda_terima", "pengadu")
    task = only(sent, "tugas", "petugas")
    # the task email says at its top what to reply, and where
    reply_to = str(task.message["Reply-To"])
    assert reply_to.startswith("aduan+") and reply_to.endswith("@bpbd.example.go.id")
    top = task.text().split("TUGAS ANDA")[0]
    for usage in ("TANGGAPI: <jawaban untuk pengadu>", "TINDAK LANJUT", "BUKAN KEWENANGAN: <"):
        assert usage in top
    assert reply_to in top
    token = reply_to.split("+")[1].split("@")[0]
    assert task.subject.endswith(f"[balas:{token}]")
    assert "TANGGAPI: &lt;jawaban untuk pengadu&gt;" in task.html()

    sent = decide(o, task, "tindak lanjut")
    task = only(sent, "tugas", "petugas")  # step 3: record the complaint
    assert "KATEGORI: <kategori aduan>" in task.text()
    # the command below the whole quoted task email
    sent = decide(o, task, "KATEGORI: Infrastruktur", below_quote=True)
    task = only(sent, "tugas", "pimpinan")
    assert "DISPOSISI: <arahan untuk tim>" in task.text()
    sent = decide(o, task, "DISPOSISI: Tim segera rapat dan tinjau lokasi.\nLaporkan hari ini.")
    task = only(sent, "tugas", "tim")
    sent = decide(o, task, "Rencana: Peninjauan lokasi pukul 13.00.")
    task = only(sent, "tugas", "tim")
    sent = decide(o, task, "SELESAI: Lubang jalan sudah ditambal.\n\nSalam,\nTim Reaksi Cepat")
    hasil = only(sent, "hasil", "pengadu")
    assert "Lubang jalan sudah ditambal." in hasil.text()
    assert "Tim Reaksi Cepat" not in hasil.text()
    task = only(sent, "tugas", "tim")
    sent = decide(o, task, "LAPOR: Penambalan selesai, 2 m2.")
    only(sent, "laporan", "pimpinan")

    row = o.row(ticket)
    assert row[C.STATUS] == "Selesai"
    assert {k: row[k] for k in ("Perlu Tindak Lanjut", "Kategori", "Disposisi")} == {
        "Perlu Tindak Lanjut": "Ya",
        "Kategori": "Infrastruktur",
        "Disposisi": "Tim segera rapat dan tinjau lokasi.\nLaporkan hari ini.",
    }
    assert row["Rencana Tindak Lanjut"] == "Peninjauan lokasi pukul 13.00."
    assert row["Jawaban untuk Pengadu"] == "Lubang jalan sudah ditambal."
    assert row["Laporan Pelaksanaan"] == "Penambalan selesai, 2 m2."
    decisions = [h for h in o.history(ticket) if h["Peristiwa"].startswith("Keputusan lewat")]
    assert [h["Peristiwa"].rsplit(" ", 1)[-1] for h in decisions] == [
        "LANJUT",
        "KATEGORI",
        "DISPOSISI",
        "RENCANA",
        "SELESAI",
        "LAPOR",
    ]
    assert decisions[2]["Pelaku"] == "Pimpinan (kalak@bpbd.example.go.id)"
    assert "Message-ID <balas." in decisions[2]["Keterangan"]
    assert all(h["Peristiwa"] != "Balasan ditolak" for h in o.history(ticket))
    docs = Path(o.s.path(o.s.paths.documents))
    assert len(list(docs.rglob("*.docx"))) == 4  # formulir, disposisi, rencana, laporan


def test_blitar_from_complaint_to_closure_by_replies_only(office):
    o = office("blitar")
    ticket = o.complaint("Bantuan sosial belum diterima")
    task = only(o.sent(), "tugas", "petugas")
    sent = decide(o, task, "TERIMA")
    task = only(sent, "tugas", "sekretaris")
    assert "TERUSKAN" in task.text().split("TUGAS ANDA")[0]
    sent = decide(o, task, "Teruskan.")
    task = only(sent, "tugas", "kepala")
    sent = decide(o, task, "DISPOSISI: Bahas dalam rapat tim hari ini.")
    task = only(sent, "tugas", "tim")
    sent = decide(o, task, "KEPUTUSAN: Bantuan disalurkan ulang lewat kelurahan.")
    task = only(sent, "tugas", "tim")
    sent = decide(o, task, "SELESAI: Bantuan telah diterima pengadu pada 25 November.")
    hasil = only(sent, "hasil", "pengadu")
    assert "berita_acara" in " ".join(
        p.get_filename() or "" for p in hasil.message.iter_attachments()
    )

    row = o.row(ticket)
    assert row[C.STATUS] == "Selesai"
    assert row["Kewenangan"] == "Kewenangan Dinas"
    assert row["Diteruskan ke Kepala Dinas"] == "Ya"
    assert row["Disposisi"] == "Bahas dalam rapat tim hari ini."
    assert row["Keputusan Penyelesaian"] == "Bantuan disalurkan ulang lewat kelurahan."
    assert row["Jawaban untuk Pengadu"] == "Bantuan telah diterima pengadu pada 25 November."


def test_blitar_forwarded_elsewhere_by_reply(office):
    o = office("blitar")
    ticket = o.complaint("Lampu jalan mati")
    task = only(o.sent(), "tugas", "petugas")
    sent = decide(o, task, "BUKAN KEWENANGAN: Dinas PUPR Kota Blitar")
    assert "Dinas PUPR Kota Blitar" in only(sent, "penyaluran", "pengadu").text()
    row = o.row(ticket)
    assert row[C.STATUS] == "Disalurkan"
    assert row["Instansi Tujuan"] == "Dinas PUPR Kota Blitar"


# ------------------------------------------------------------------ refusals
def _at_disposition(o: Office) -> tuple[str, Sent]:
    """A BPBD complaint brought by replies to step 4 (the head's disposition)."""
    ticket = o.complaint()
    task = only(o.sent(), "tugas", "petugas")
    task = only(decide(o, task, "TINDAK LANJUT"), "tugas", "petugas")
    task = only(decide(o, task, "KATEGORI: Bencana"), "tugas", "pimpinan")
    return ticket, task


def _refused(o: Office, ticket: str, reason: str) -> dict[str, str]:
    """The ticket's one refusal in Riwayat gives ``reason``; returns the entry."""
    refusals = [h for h in o.history(ticket) if h["Peristiwa"] == "Balasan ditolak"]
    assert len(refusals) == 1, refusals
    assert reason in refusals[0]["Keterangan"]
    return refusals[0]


def test_forged_from_without_token_is_refused_and_the_role_told(office):
    o = office()
    ticket, task = _at_disposition(o)
    # to the plain address, and a subject without the [balas:...] tag
    o.reply(
        task,
        "DISPOSISI: tutup saja",
        to=o.s.mail_identity.from_address,
        subject=f"Re: [{ticket}] Tugas tahap 4",
    )
    rep = o.run()
    assert rep.counts["decisions_refused"] == 1
    _refused(o, ticket, "tidak membawa kode balasan")
    told = only(o.sent(), "ditolak", "pimpinan")
    assert "tidak membawa kode balasan" in told.text()
    assert "DISPOSISI: <arahan untuk tim>" in told.text()  # and how to do it right
    row = o.row(ticket)
    assert row["Disposisi"] == "" and row[C.STEP].startswith("4.")


def test_token_replayed_for_another_ticket_is_refused(office):
    o = office()
    ticket_a, task_a = _at_disposition(o)
    ticket_b, _task_b = _at_disposition(o)
    o.reply(task_a, "DISPOSISI: tutup", subject=f"Re: [{ticket_b}] Tugas")
    o.run()
    _refused(o, ticket_b, "tidak cocok dengan aduan dan tahap ini")
    assert o.row(ticket_b)["Disposisi"] == "" and o.row(ticket_a)["Disposisi"] == ""
    only(o.sent(), "ditolak", "pimpinan")


def test_token_replayed_at_a_later_step_and_the_same_reply_twice(office):
    o = office()
    ticket, task = _at_disposition(o)
    task = only(decide(o, task, "DISPOSISI: rapat"), "tugas", "tim")
    rapat_task = task
    first = o.reply(rapat_task, "RENCANA: tinjau lokasi")
    raw = o.last_raw
    o.run()
    # step 6 is the team's too: its task carries the acceptance (issue 21)
    assert "KEPUTUSAN ANDA DITERIMA" in only(o.sent(), "tugas", "tim").text()
    history = o.history(ticket)
    # the very same message again (a client resending, a mailbox restored)
    o.resend(raw)
    rep = o.run()
    # caught before judging now: the register keeps every handled Message-ID (issue 17)
    assert rep.counts["mail_duplicate"] == 1 and rep.counts["decisions_accepted"] == 0
    assert o.sent() == [] and o.history(ticket) == history
    # the same words in a new message, with the token of step 5, now at step 6
    second = o.reply(rapat_task, "RENCANA: tinjau lokasi")
    assert second != first
    o.run()
    _refused(o, ticket, "untuk tahap 5, yang sudah tidak berjalan")
    only(o.sent(), "ditolak", "tim")
    row = o.row(ticket)
    assert row["Rencana Tindak Lanjut"] == "tinjau lokasi" and row[C.STEP].startswith("6.")


def test_right_person_from_an_unconfigured_address_is_not_answered(office):
    o = office()
    ticket, task = _at_disposition(o)
    o.reply(task, "DISPOSISI: rapat", frm="kalak.pribadi@gmail.example")
    rep = o.run()
    assert rep.counts["decisions_refused"] == 1
    entry = _refused(o, ticket, "bukan alamat peran terdaftar")
    assert entry["Pelaku"] == "kalak.pribadi@gmail.example"
    assert o.sent() == []
    assert o.row(ticket)["Disposisi"] == ""


def test_dkim_failure_refuses_the_reply(office):
    o = office()
    ticket, task = _at_disposition(o)
    auth = "mx.bpbd.example.go.id; dkim=fail (signature did not verify) header.d=bpbd.example.go.id"
    o.reply(task, "DISPOSISI: rapat", auth=auth)
    o.run()
    _refused(o, ticket, "dkim=fail (header.d=bpbd.example.go.id)")
    only(o.sent(), "ditolak", "pimpinan")
    assert o.row(ticket)["Disposisi"] == ""
    # the same person, passing the checks, then decides
    o.reply(
        task,
        "DISPOSISI: rapat",
        auth="mx.bpbd.example.go.id; dkim=pass header.d=bpbd.example.go.id",
    )
    o.run()
    assert o.row(ticket)["Disposisi"] == "rapat"


def test_a_complainant_cannot_command_even_with_a_token(office):
    o = office()
    ticket, task = _at_disposition(o)
    o.reply(task, "DISPOSISI: kasus ditutup", frm=COMPLAINANT)
    rep = o.run()
    assert rep.counts["replies"] == 1 and rep.counts["decisions_accepted"] == 0
    told = only(o.sent(), "balasan_pengadu", "pimpinan")
    assert "kasus ditutup" in told.text()
    assert o.row(ticket)["Disposisi"] == ""


def _type_in(o: Office, ticket: str, column: str, value: str) -> None:
    """Staff type into the register, as in Excel."""
    path = o.s.path(o.s.register_.path)
    wb = openpyxl.load_workbook(path)
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    for r in ws.iter_rows(min_row=2):
        if r[cols[C.TICKET] - 1].value == ticket:
            ws.cell(row=r[0].row, column=cols[column], value=value)
    wb.save(path)


def test_what_staff_typed_wins_over_a_reply(office):
    o = office()
    ticket = o.complaint()
    task = only(o.sent(), "tugas", "petugas")
    # the officer began the answer in the register; the reply fills only empty cells
    _type_in(o, ticket, "Tanggapan", "Sudah kami teruskan ke desa.")
    o.reply(task, "TANGGAPI: Terima kasih, akan kami cek.")
    o.run()
    row = o.row(ticket)
    assert row["Perlu Tindak Lanjut"] == "Tidak"
    assert row["Tanggapan"] == "Sudah kami teruskan ke desa."
    answer = only(o.sent(), "jawaban_langsung", "pengadu")
    assert "Sudah kami teruskan ke desa." in answer.text()
    decision = next(h for h in o.history(ticket) if h["Peristiwa"].startswith("Keputusan"))
    assert "tidak ditimpa" in decision["Keterangan"]


def test_a_decision_typed_in_the_register_first_makes_the_reply_late(office):
    o = office()
    ticket, task = _at_disposition(o)
    _type_in(o, ticket, "Disposisi", "Rapat Senin.")
    o.reply(task, "DISPOSISI: rapat hari ini")
    o.run()
    _refused(o, ticket, "untuk tahap 4, yang sudah tidak berjalan")
    assert o.row(ticket)["Disposisi"] == "Rapat Senin."


def test_the_subject_tag_carries_the_token_when_the_server_drops_plus_addresses(office):
    o = office()
    ticket, task = _at_disposition(o)
    assert "[balas:" in task.subject
    sent = decide(o, task, "DISPOSISI: rapat", to=o.s.mail_identity.from_address)
    only(sent, "tugas", "tim")
    assert o.row(ticket)["Disposisi"] == "rapat"
