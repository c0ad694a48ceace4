"""Forwarded WhatsApp chats (aduan.inbox.whatsapp, issue 16): the line forms phones of
several languages and platforms write, and a forwarded mail made the citizen's complaint."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from aduan.core.layout import C
from aduan.inbox.parse import parse_message
from aduan.inbox.whatsapp import parse_chat


@pytest.mark.parametrize(
    ("text", "name", "number", "first"),
    [
        (
            "[23/11/26 08.02.15] +62 812-3456-7890: Selamat pagi, jalan longsor\n"
            "[23/11/26 08.05.00] Anda: Baik, kami catat",
            "",
            "+6281234567890",
            "[23/11/26 08.02.15] Selamat pagi, jalan longsor",
        ),
        (
            "\u200e[23/11/26, 08:02:15] Wulan Sari: Pagi, lampu mati",
            "Wulan Sari",
            "",
            "[23/11/26 08:02:15] Pagi, lampu mati",
        ),
        ("23/11/26 08.02 - Wulan Sari: isi pesan", "Wulan Sari", "", "[23/11/26 08.02] isi pesan"),
        (
            "11/23/26, 8:02\u202fAM - +62 812-3456-7890: isi pesan",
            "",
            "+6281234567890",
            "[11/23/26 8:02 AM] isi pesan",
        ),
        ("23.11.26, 08:02 - Wulan Sari: isi pesan", "Wulan Sari", "", "[23.11.26 08:02] isi pesan"),
        (
            "Nomornya 0812 9999 1111\n\n[08.02, 23/11/2026] Wulan Sari: isi pesan",
            "Wulan Sari",
            "+6281299991111",
            "[23/11/2026 08.02] isi pesan",
        ),
    ],
)
def test_chat_lines_in_the_forms_phones_write(text, name, number, first):
    chat = parse_chat(text)
    assert chat is not None
    assert (chat.name, chat.number) == (name, number)
    assert chat.citizen_text().splitlines()[0] == first


def test_continuation_lines_media_and_system_lines():
    chat = parse_chat(
        "23/11/26 08.00 - Pesan dan panggilan terenkripsi secara end-to-end.\n"
        "23/11/26 08.01 - +62 812-3456-7890: Jembatan putus\n"
        "sejak kemarin malam\n"
        "23/11/26 08.02 - +62 812-3456-7890: <Media tidak disertakan>\n"
        "23/11/26 08.03 - Anda: Terima kasih\n"
    )
    assert chat is not None
    assert chat.citizen_text() == "[23/11/26 08.01] Jembatan putus\nsejak kemarin malam"


@pytest.mark.parametrize(
    "text", ["Rapat pukul 08.00: bahas jalan.", "Tanggal 23/11/26 jalan rusak.", ""]
)
def test_ordinary_text_is_no_chat(text):
    assert parse_chat(text) is None


def _forward(body: str, attachment: tuple[str, str] | None = None) -> bytes:
    m = EmailMessage()
    m["From"] = "Petugas Rina <rina@bpbd.example.go.id>"
    m["To"] = "aduan@bpbd.example.go.id"
    m["Subject"] = "Fwd: chat WhatsApp warga"
    m["Message-ID"] = "<fwd-1@bpbd.example.go.id>"
    m["Date"] = "Mon, 23 Nov 2026 09:00:00 +0700"
    m.set_content(body)
    if attachment:
        m.add_attachment(
            attachment[1].encode(), maintype="text", subtype="plain", filename=attachment[0]
        )
    return m.as_bytes()


def test_a_forwarded_chat_is_the_citizens_complaint_entered_by_the_staff_member():
    raw = _forward(
        "Mohon dicatat, pak.\n\n"
        "[23/11/26 08.02.15] +62 812-3456-7890: Selamat pagi, jalan di Dusun Krajan longsor\n"
        "[23/11/26 08.05.00] Anda: Baik, kami catat\n"
    )
    mail = parse_message(raw, "k1")
    assert mail.kind == "complaint"
    assert mail.channel == "WhatsApp"
    assert mail.from_addr == "+6281234567890"
    assert "rina@bpbd.example.go.id" in mail.reason
    assert mail.fields[C.NOTE] == "Chat WhatsApp diteruskan oleh rina@bpbd.example.go.id."
    assert mail.subject == "Selamat pagi, jalan di Dusun Krajan longsor"
    assert "Anda" not in mail.text and "kami catat" not in mail.text


def test_an_exported_chat_attachment_is_read():
    export = "23/11/26 08.02 - Wulan Sari: Lampu PJU mati di Jl. Melati\n"
    raw = _forward("Nomor warga 0812 9999 1111", ("Chat WhatsApp dengan Wulan Sari.txt", export))
    mail = parse_message(raw, "k2")
    assert (mail.channel, mail.from_addr, mail.from_name) == (
        "WhatsApp",
        "+6281299991111",
        "Wulan Sari",
    )
    assert mail.text == "[23/11/26 08.02] Lampu PJU mati di Jl. Melati"


def test_an_ordinary_mail_stays_an_email_complaint():
    mail = parse_message(_forward("Jalan rusak di depan SD, mohon diperbaiki."), "k3")
    assert (mail.channel, mail.from_addr) == ("Email", "rina@bpbd.example.go.id")
