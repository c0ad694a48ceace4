"""Issue 16 end to end (Maildir -> xlsx register -> file outbox, frozen clock): every
complainant on their own channel, a forwarded WhatsApp chat, and confidentiality
that protects the person in every team mail, attachment and stored team document."""

from __future__ import annotations

import email
import email.policy
from urllib.parse import unquote

import openpyxl

from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C
from aduan.core.privacy import Identity, reveals_text
from aduan.mail.identity import file_text
from aduan.run.cycle import run_cycle
from tests.test_cycle import T0, deliver, outbox, rows, setup_office, staff_edit


def _body(m: email.message.EmailMessage) -> str:
    return m.get_body(("plain",)).get_content()


def test_a_whatsapp_complainant_is_answered_through_a_petugas_task(make_settings):
    s = setup_office(make_settings, "blitar")
    reg = s.path(s.register_.path)
    wb = openpyxl.load_workbook(reg)
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    for k, v in {
        C.CHANNEL: "WhatsApp",
        C.NAME: "Pak Darto",
        C.CONTACT: "0857 3311 2200",
        C.TEXT: "BPNT tidak cair",
    }.items():
        ws.cell(row=2, column=cols[k], value=v)
    wb.save(reg)
    run_cycle(s, now=T0)
    relays = [m for m in outbox(s) if m["X-Aduan-Kind"] == "kabar"]
    assert [m["To"] for m in relays] == ["petugas@dinsos.example.go.id"]
    text = _body(relays[0])
    link = next(w for w in text.split() if w.startswith("https://wa.me/"))
    number, _, query = link.removeprefix("https://wa.me/").partition("?text=")
    assert number == "6285733112200"  # E.164 digits, normalised by phonenumbers
    assert "ADU/2026/11/0001" in unquote(query)  # the ready text: the acknowledgement
    assert "ADU/2026/11/0001" in text.split("----- teks untuk pengadu -----")[1]


def _forwarded_chat() -> bytes:
    return (
        b"From: Petugas Rina <rina@dinsos.example.go.id>\r\nTo: aduan@dinsos.example.go.id\r\n"
        b"Subject: Fwd: chat WA warga\r\nMessage-ID: <fwd1@dinsos.example.go.id>\r\n"
        b"Date: Mon, 02 Nov 2026 07:58:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"\r\nMohon dicatat.\r\n\r\n"
        b"[02/11/26 07.40.10] +62 812-3456-7890: Selamat pagi, bantuan PKH ibu saya belum cair\r\n"
        b"[02/11/26 07.41.00] Anda: Baik bu, kami teruskan\r\n"
    )


def test_a_forwarded_chat_is_the_citizens_complaint_and_the_staff_member_gets_no_ack(
    make_settings,
):
    s = setup_office(make_settings, "blitar")
    deliver(s, "wa1", _forwarded_chat())
    run_cycle(s, now=T0)
    (row,) = rows(s.path(s.register_.path))
    assert (row[C.CHANNEL], row[C.CONTACT]) == ("WhatsApp", "+6281234567890")
    assert row[C.SUBJECT] == "Selamat pagi, bantuan PKH ibu saya belum cair"
    history = rows(s.path(s.register_.path), HISTORY_TAB)
    assert any("dicatat oleh rina@dinsos.example.go.id" in h["Keterangan"] for h in history)
    sent = outbox(s)
    assert all("rina@" not in m["To"] for m in sent)  # no acknowledgement to the forwarder
    relay = next(m for m in sent if m["X-Aduan-Kind"] == "kabar")
    assert "https://wa.me/6281234567890?text=" in _body(relay)


WULAN = Identity("Wulan Sari", "wulan.sari@contoh.id")


def test_the_team_never_sees_who_complained(make_settings):
    s = setup_office(make_settings, "bpbd")
    raw = (
        b"From: Wulan Sari <wulan.sari@contoh.id>\r\nTo: aduan@example.go.id\r\n"
        b"Subject: Sumur warga Girimulyo kering\r\nMessage-ID: <w1@contoh.id>\r\n"
        b"Date: Mon, 02 Nov 2026 07:58:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"\r\nSaya Bu Wulan Sari (HP 0812-3456-7890). Sumur di Dusun Girimulyo kering.\r\n"
        b"Mohon identitas saya dirahasiakan.\r\n\r\nSalam,\r\nWulan Sari\r\n"
    )
    deliver(s, "w1", raw)
    run_cycle(s, now=T0)
    reg = s.path(s.register_.path)
    (row,) = rows(reg)
    assert row[C.CONFIDENTIAL] == "Ya"  # proposed from the complaint's own words
    assert reveals_text(row[C.TEAM_TEXT], WULAN) == [] and "Girimulyo" in row[C.TEAM_TEXT]
    ticket = row[C.TICKET]
    for i, cells in enumerate(
        [
            {"Perlu Tindak Lanjut": "Ya"},
            {"Kategori": "Bencana"},
            {"Disposisi": "Tim cek sumur"},
            {"Rencana Tindak Lanjut": "Berangkat 09.00"},
            {
                "Hasil Tindak Lanjut": "Air bersih dikirim",
                "Jawaban untuk Pengadu": "Air bersih dikirim",
            },
            {"Laporan Pelaksanaan": "Dilaporkan"},
        ],
        start=1,
    ):
        staff_edit(reg, ticket, cells)
        run_cycle(s, now=T0.replace(minute=i))
    team = [m for m in outbox(s) if m["To"] == "tim@bpbd.example.go.id"]
    assert team
    scanned = 0
    for m in team:
        parts = [str(m["Subject"])]
        for p in m.walk():
            if p.is_multipart():
                continue
            data = p.get_payload(decode=True) or b""
            parts.append(p.get_filename() or "")
            parts.append(file_text(data) if p.get_filename() else data.decode("utf-8", "replace"))
            scanned += bool(p.get_filename())
        # the office's own addresses (Reply-To tokens, footer) identify nobody
        found = [f for f in reveals_text("\n".join(parts), WULAN) if "example.go.id" not in f]
        assert found == [], (m["X-Aduan-Kind"], found)
    assert scanned, "the team got its documents"
    assert any("Girimulyo" in _body(m) for m in team)  # the complaint itself survives
    # every stored document the team may print (dokumen/ beside the register)
    team_docs = [
        p
        for p in s.path(".").rglob("*.docx")
        if any(k in p.name for k in ("lembar_disposisi", "rencana", "laporan", "hasil_keputusan"))
    ]
    assert team_docs
    for p in team_docs:
        assert reveals_text(file_text(p.read_bytes()), WULAN) == [], p.name
