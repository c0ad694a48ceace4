"""Loop guards (issue 17): a responder that strips the RFC 3834 markers and answers from
the user's own address gets one refusal, not one a cycle; at most one refusal per sender,
ticket and step a day. Real cycles over Dovecot IMAP, xlsx register and aiosmtpd."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from tests.test_replies_e2e import Office, _at_disposition, office, only

__all__ = ["office"]  # the fixture, imported for pytest

CYCLES = 10


def _autoreply_to(o: Office, told: EmailMessage, frm: str) -> None:
    """What a marker-stripping responder sends: no Auto-Submitted, no X-Auto*, a plain
    "Re:" subject, from the user's own address, threaded under the mail it answers."""
    o.n += 1
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = str(told["Reply-To"] or told["From"])
    msg["Subject"] = f"Re: {told['Subject']}"
    msg["Message-ID"] = f"<auto.{o.n}@{frm.partition('@')[2]}>"
    msg["In-Reply-To"] = str(told["Message-ID"])
    msg["References"] = f"{told['References']} {told['Message-ID']}"
    msg["Date"] = format_datetime(o.now)
    msg.set_content("Terima kasih atas email Anda. Saya akan membalas secepatnya.")
    o.resend(msg.as_bytes())


def test_marker_stripping_responder_gets_one_refusal(office):
    o = office()
    ticket, task = _at_disposition(o)
    head = o.address["pimpinan"]
    _autoreply_to(o, task.message, head)  # answers the task email: no command, refused
    rep = o.run()
    assert rep.counts["decisions_refused"] == 1
    refusal = only(o.sent(), "ditolak", "pimpinan")
    inbox = [refusal.message]
    total = 1
    for _ in range(CYCLES):  # bounded: the responder answers whatever it got
        for m in inbox:
            _autoreply_to(o, m, head)
        o.run(minutes=24 * 60)  # a day later: a new day's refusal is not what stops it
        inbox = [s.message for s in o.sent() if s.kind == "ditolak"]
        total += len(inbox)
        if not inbox:
            break
    assert total == 1, "the refusal is answered, and that answer never answered"
    refused = [h for h in o.history(ticket) if h["Peristiwa"] == "Balasan ditolak"]
    assert len(refused) == 2  # each reply is still recorded
    assert o.row(ticket)["Disposisi"] == ""


def test_one_refusal_per_sender_ticket_and_step_a_day(office):
    o = office()
    ticket, task = _at_disposition(o)
    # no token: to the plain address, a subject without the [balas:...] tag
    plain, subject = o.s.mail_identity.from_address, f"Re: [{ticket}] Tugas tahap 4"
    for n in range(3):  # three separate bad replies to the task itself, same day
        o.reply(task, f"DISPOSISI: coba {n}", to=plain, subject=subject)
        rep = o.run()
        assert rep.counts["decisions_refused"] == 1
    sent = o.sent()
    assert [s.kind for s in sent if s.kind == "ditolak"] == ["ditolak"]
    refused = [h for h in o.history(ticket) if h["Peristiwa"] == "Balasan ditolak"]
    assert len(refused) == 3
    # the next day the same sender is told again
    o.run(minutes=24 * 60)
    o.sent()
    o.reply(task, "DISPOSISI: coba lagi", to=plain, subject=subject)
    o.run()
    assert [s.to for s in o.sent() if s.kind == "ditolak"] == [("pimpinan",)]
