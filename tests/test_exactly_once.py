"""Exactly once (issue 17): processed mail that comes back to the INBOX without its
processed mark (a second client, a user moving it back, a server migration) changes
nothing and emails nobody — complaints, complainant replies and bounces alike.
Real cycles: Maildir -> xlsx register -> file outbox, on a frozen clock."""

from __future__ import annotations

from datetime import timedelta

from aduan.core.engine.once import HANDLED_META, MAX_HANDLED, Handled
from aduan.core.layout import HISTORY_TAB, C, build_layout
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register
from tests.test_cycle import T0, complaint, deliver, outbox, rows, setup_office


def _reply(ticket: str) -> bytes:
    return (
        f"From: Warga 1 <warga@contoh.id>\r\nTo: aduan@example.go.id\r\n"
        f"Subject: Re: [{ticket}] Tanda terima aduan\r\nMessage-ID: <balas-1@contoh.id>\r\n"
        "Date: Mon, 02 Nov 2026 08:03:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Ini foto tambahan, lampu masih mati.\r\n"
    ).encode()


def _bounce(original_id: str, rcpt: str = "warga@contoh.id") -> bytes:
    """A Postfix-style DSN for one of Aduan's mails (text/rfc822-headers)."""
    b = "==B=="
    return (
        "From: MAILER-DAEMON@mx.contoh.id (Mail Delivery System)\r\n"
        "To: aduan@example.go.id\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.contoh.id>\r\nAuto-Submitted: auto-replied\r\n"
        "Date: Mon, 02 Nov 2026 08:06:00 +0700\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\r\n\r\n'
        f"--{b}\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        f"--{b}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.contoh.id\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--{b}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: aduan@example.go.id\r\nTo: warga@contoh.id\r\nMessage-ID: {original_id}\r\n"
        f"Subject: Tanda terima\r\n\r\n--{b}--\r\n"
    ).encode()


def _move_back(settings) -> int:
    """What a second mail client does: processed mail back in INBOX/new, unflagged."""
    md = settings.path(settings.inbox.path)
    n = 0
    for p in sorted((md / ".Diproses").glob("*/*")):
        p.rename(md / "new" / p.name.split(":")[0])
        n += 1
    return n


def test_redelivered_mail_changes_nothing_and_emails_nobody(make_settings):
    s = setup_office(make_settings, "bpbd")
    deliver(s, "c1", complaint(1, "Lampu jalan mati"))
    run_cycle(s, now=T0)
    (row,) = rows(s.path(s.register_.path))
    ticket = row[C.TICKET]
    (ack,) = [m for m in outbox(s) if "warga@contoh.id" in str(m["To"])]

    deliver(s, "r1", _reply(ticket))
    deliver(s, "b1", _bounce(str(ack["Message-ID"])))
    rep = run_cycle(s, now=T0 + timedelta(minutes=10))
    assert rep.problems == [], rep.problems
    run_cycle(s, now=T0 + timedelta(minutes=10))  # books the sends in Riwayat ("Email terkirim")
    history = rows(s.path(s.register_.path), HISTORY_TAB)
    events = [h["Peristiwa"] for h in history if h["No. Aduan"] == ticket]
    assert events.count("Balasan pengadu") == 1
    assert events.count("Email tidak terkirim") == 1
    (failed,) = [h for h in history if h["Peristiwa"] == "Email tidak terkirim"]
    assert failed["Keterangan"].startswith("email kepada pengadu;")
    sent = len(outbox(s))
    register = rows(s.path(s.register_.path))

    assert _move_back(s) == 3  # the complaint, the reply and the bounce
    # the same clock: the re-delivered mail is the only thing that differs
    rep = run_cycle(s, now=T0 + timedelta(minutes=10))
    assert rep.problems == [], rep.problems
    assert rep.counts["mail_duplicate"] == 3
    assert rows(s.path(s.register_.path), HISTORY_TAB) == history
    assert len(outbox(s)) == sent, "nobody is emailed again"
    assert [r[C.TICKET] for r in rows(s.path(s.register_.path))] == [r[C.TICKET] for r in register]
    # and they were marked processed again: the next cycle does not see them
    rep = run_cycle(s, now=T0 + timedelta(minutes=10))
    assert rep.counts["mail_polled"] == 0


def test_handled_ids_live_in_the_register_meta_bounded(make_settings):
    s = setup_office(make_settings, "bpbd")
    deliver(s, "c1", complaint(1, "Lampu jalan mati"))
    run_cycle(s, now=T0)
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        meta = reg.read().meta
    finally:
        reg.close()
    assert "<c1@contoh.id>" in Handled(meta[HANDLED_META])

    h = Handled()
    for i in range(MAX_HANDLED + 10):
        h.add(f"<m{i}@x>")
    text = h.dumps()
    assert len(text) < 30_000  # one xlsx cell
    kept = Handled(text)
    assert "<m0@x>" not in kept and f"<m{MAX_HANDLED + 9}@x>" in kept


def test_a_staff_address_bounce_names_the_role_and_address(make_settings):
    s = setup_office(make_settings, "bpbd")
    deliver(s, "c1", complaint(1, "Lampu jalan mati"))
    run_cycle(s, now=T0)
    (ack,) = [m for m in outbox(s) if "warga@contoh.id" in str(m["To"])]
    role, addrs = next(iter(s.roles.items()))
    deliver(s, "b1", _bounce(str(ack["Message-ID"]), rcpt=addrs[0]))
    run_cycle(s, now=T0 + timedelta(minutes=1))
    history = rows(s.path(s.register_.path), HISTORY_TAB)
    (failed,) = [h for h in history if h["Peristiwa"] == "Email tidak terkirim"]
    assert addrs[0] in failed["Keterangan"] and "pengadu" not in failed["Keterangan"]
    assert s.load_sop().role_label(role) in failed["Keterangan"]
