"""The demo's people's mails: a complainant's email, their answers in the thread, and
the bounce a mail server returns for an address that does not exist."""

from __future__ import annotations

import email
import zlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from aduan.demo.data import Complaint

__all__ = ["ANSWER", "PHOTO", "WIB", "arrival", "bounce", "message", "reply"]

WIB = ZoneInfo("Asia/Jakarta")
# a 1x1 PNG: stands in for the photo a complainant attaches
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
#: the complainant's answer to a request for what was missing (issue 20)
ANSWER = "Berikut saya kirimkan fotokopi KTP dan Kartu Keluarga yang diminta."


def arrival(c: Complaint) -> datetime:
    """When the complaint arrives (November 2026, WIB)."""
    h, m = (int(x) for x in c.hhmm.split("."))
    return datetime(2026, 11, c.day, h, m, tzinfo=WIB)


def message(c: Complaint, i: int, to: str) -> bytes:
    """The complainant's email to the office."""
    msg = EmailMessage()
    msg["From"] = f"{c.name} <{c.email}>"
    msg["To"] = to
    msg["Subject"] = c.subject
    msg["Date"] = format_datetime(arrival(c))
    msg["Message-ID"] = f"<demo-{i:02d}.{c.email.partition('@')[0]}@contoh.id>"
    if c.kind == "auto_reply":
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Autoreply"] = "yes"
    if c.kind == "html":
        msg.set_content(f"<html><body>{c.text}</body></html>", subtype="html")
    else:
        msg.set_content(c.text + f"\n\nSalam,\n{c.name}\n")
    if c.kind == "attachment":
        msg.add_attachment(PHOTO, maintype="image", subtype="png", filename="foto-lokasi.png")
    return msg.as_bytes()


def reply(
    c: Complaint,
    ticket: str,
    to: str,
    when: datetime,
    i: int,
    text: str = "Terima kasih. Saya tambahkan foto terbaru kondisi di lokasi.",
    photo: str = "foto-terbaru.png",
) -> bytes:
    """The complainant answers in the thread (issue 20: also a requested document, with
    ``photo``, or a rating, without one)."""
    msg = EmailMessage()
    msg["From"] = f"{c.name} <{c.email}>"
    msg["To"] = to
    msg["Subject"] = f"Re: [{ticket}] Tanda terima aduan"
    msg["Date"] = format_datetime(when)
    # one id per kind of answer: a rating or a requested document is its own mail
    tag = (
        "balasan"
        if text.startswith("Terima kasih. Saya")
        else f"balasan-{zlib.crc32(text.encode()):08x}"
    )
    msg["Message-ID"] = f"<demo-{tag}-{i:02d}@contoh.id>"
    msg.set_content(f"{text}\n\n> Aduan Anda telah kami terima dengan nomor {ticket}.\n")
    if photo and (c.rating != text):
        msg.add_attachment(PHOTO, maintype="image", subtype="png", filename=photo)
    return msg.as_bytes()


def bounce(original: bytes, rcpt: str, when: datetime, i: int, to: str) -> bytes:
    """A delivery status notification as a mail server (Postfix) writes it."""
    orig = email.message_from_bytes(original)
    headers = "".join(f"{k}: {v}\r\n" for k, v in orig.items())
    b = f"dsn{i:02d}boundary"
    text = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.contoh.go.id>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"Message-ID: <demo-dsn-{i:02d}@mx.contoh.go.id>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\r\n'
        "\r\n"
        f"--{b}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"Pesan tidak dapat dikirim ke <{rcpt}>: alamat tidak ditemukan.\r\n\r\n"
        f"--{b}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.contoh.go.id\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--{b}\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n"
        f"--{b}--\r\n"
    )
    return text.encode("utf-8")
