"""No personal data in logs at any verbosity (issue 17, part 7): cycles at DEBUG over
Dovecot IMAP and aiosmtpd SMTP, on a complaint with a known name, address, phone and
text, a reply of the complainant and an acknowledgement the server refuses; every log
record (imapclient's protocol trace included), the run's problems and its log lines
are read back and none may carry any of them. Log lines name tickets and Message-IDs."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from aduan.run.cycle import CycleReport, run_cycle
from tests.test_replies_e2e import Office, office

__all__ = ["office"]  # the fixture, imported for pytest

NAME = "Siti Nurhaliza Rahmawati"
ADDRESS = "siti.rahmawati77@warga-desa.example.id"
PHONE = "0812-3456-7890"
BODY = "Saluran irigasi di Dusun Krajan jebol sejak Selasa malam"
SECRETS = (NAME, "Rahmawati", "Nurhaliza", ADDRESS, "siti.rahmawati77", PHONE, "81234567890", BODY)


def _mail(o: Office, n: int, subject: str, text: str, in_reply_to: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{NAME} <{ADDRESS}>"
    msg["To"] = o.s.mail_identity.from_address
    msg["Subject"] = subject
    msg["Message-ID"] = f"<privasi.{n}@warga-desa.example.id>"
    msg["Date"] = format_datetime(o.now)
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = in_reply_to
    msg.set_content(text)
    return msg.as_bytes()


def _cycles(o: Office, n: int = 2) -> list[CycleReport]:
    """``n`` cycles a minute apart (the officer's notice of a refused mail goes in the next)."""
    out = []
    for _ in range(n):
        o.now += timedelta(minutes=1)
        out.append(run_cycle(o.s, now=o.now))
    return out


def test_debug_logs_carry_no_name_address_phone_or_text(office, caplog):
    caplog.set_level(logging.DEBUG)  # what --verbose turns on: the root logger at DEBUG
    o = office()
    o.smtp.refuse(ADDRESS, "550 5.1.1 <siti.rahmawati77@warga-desa.example.id>: no such user")
    o.acct.append(_mail(o, 1, "Irigasi jebol", f"{BODY}.\nHubungi saya di {PHONE}.\n{NAME}"))
    reports = _cycles(o)
    ticket = o.rows()[-1]["No. Aduan"]
    assert ticket, reports[0].log
    sent = o.sent()
    ack = next(s for s in sent if s.kind == "tugas")
    # the complainant writes again, threaded under the task's thread root
    o.acct.append(_mail(o, 2, f"Re: [{ticket}] Irigasi", f"{BODY}, makin parah. {PHONE}"))
    reports += _cycles(o)
    assert reports[2].counts["replies"] == 1, reports[2].log
    o.sent()
    assert ack.message["Message-ID"]

    # aiosmtpd's "mail.log" is the test's SMTP server talking, not Aduan
    records = [r for r in caplog.records if r.name != "mail.log"]
    assert len(records) > 20  # DEBUG really was on: imapclient and Aduan logged a lot
    assert any(r.name.startswith("aduan") and ticket in r.getMessage() for r in records)
    lines = [f"{r.name}: {r.getMessage()}" for r in records]
    lines += [p for rep in reports for p in rep.problems]
    lines += [ln for rep in reports for ln in rep.log]
    # the refused acknowledgement is a problem of the run: named by domain, not address
    assert any("***@warga-desa.example.id" in p for rep in reports for p in rep.problems)
    leaks = [(s, ln[:200]) for ln in lines for s in SECRETS if s.lower() in ln.lower()]
    assert leaks == []
