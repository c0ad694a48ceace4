"""Outbound Message-IDs per register (issue 17, part 5b): two registers, or two offices on
one government mail domain with the same ticket format, never reuse a Message-ID for
different mails; a rerun of the same cycle sends with the ids it decided. Real cycles:
Maildir -> xlsx register -> file outbox, on a frozen clock."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from aduan.core.ids import REGISTER_ID_META, message_id, thread_id
from aduan.core.layout import build_layout
from aduan.errors import MailError
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register
from tests.test_cycle import T0, complaint, deliver, outbox, setup_office


def _register_id(s) -> str:
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        return reg.read().meta.get(REGISTER_ID_META, "")
    finally:
        reg.close()


def _by_kind(s) -> dict[str, EmailMessage]:
    return {str(m["X-Aduan-Kind"]): m for m in outbox(s)}


def test_two_registers_with_one_ticket_format_never_share_a_message_id(make_settings, tmp_path):
    # two offices on one mail domain, same SOP and ticket format, the same first complaint
    one = setup_office(make_settings, "bpbd")
    two = make_settings("bpbd", root=tmp_path / "kantor-dua")
    reg = open_register(two, build_layout(two.load_sop(), two.categories))
    reg.init()
    reg.close()
    assert one.mail_identity.from_address == two.mail_identity.from_address
    for s in (one, two):
        deliver(s, "c1", complaint(1, "Lampu jalan mati"))
        rep = run_cycle(s, now=T0)
        assert rep.counts["registered_mail"] == 1, rep.log
    a, b = _by_kind(one), _by_kind(two)
    assert sorted(a) == sorted(b) == ["tanda_terima", "tugas"]
    ida, idb = _register_id(one), _register_id(two)
    assert ida and idb and ida != idb
    domain = one.mail_identity.from_address.rpartition("@")[2]
    for kind in a:
        assert a[kind]["X-Aduan-Ticket"] == b[kind]["X-Aduan-Ticket"] == "ADU/2026/11/0001"
        assert a[kind]["Message-ID"] != b[kind]["Message-ID"]
        # each thread root is its own register's too
        assert thread_id("ADU/2026/11/0001", domain, ida) in str(a[kind]["References"])
        assert thread_id("ADU/2026/11/0001", domain, idb) in str(b[kind]["References"])
    ack = message_id("ADU/2026/11/0001|-|tanda_terima|0|pengadu", domain, ida)
    assert a["tanda_terima"]["Message-ID"] == ack


class _Down:
    """A mail server that is down: every send fails (transient), nothing goes out."""

    def __init__(self) -> None:
        self.tries = 0

    def send(self, msg: EmailMessage) -> None:
        self.tries += 1
        raise MailError("SMTP connection lost: connection refused")

    def close(self) -> None:
        pass


def test_a_rerun_sends_with_the_ids_the_first_run_decided(make_settings):
    s = setup_office(make_settings, "bpbd")
    assert _register_id(s) == ""  # made by the first cycle, not before
    deliver(s, "c1", complaint(1, "Lampu jalan mati"))
    down = _Down()
    rep = run_cycle(s, now=T0, mailer=down)
    assert down.tries == 1 and outbox(s) == []
    rid = _register_id(s)
    assert len(rid) == 12
    # the same moment again, the server back: the queued mails go with the decided ids
    again = run_cycle(s, now=T0)
    assert again.counts["registered_mail"] == 0
    assert _register_id(s) == rid  # adopted once, never replaced
    domain = s.mail_identity.from_address.rpartition("@")[2]
    sent = _by_kind(s)
    assert sent["tanda_terima"]["Message-ID"] == message_id(
        "ADU/2026/11/0001|-|tanda_terima|0|pengadu", domain, rid
    )
    assert rep.counts["email_tugas"] == 1
    ids = sorted(str(m["Message-ID"]) for m in outbox(s))
    # later cycles decide nothing new: no new mail, the same ids on disk
    run_cycle(s, now=T0 + timedelta(minutes=1))
    assert sorted(str(m["Message-ID"]) for m in outbox(s)) == ids
    assert _register_id(s) == rid


def test_a_reply_to_mail_sent_before_the_register_had_an_id_still_threads(make_settings):
    """A register made before issue 17 sent with ``sha1(key)``: its complainants'
    replies to those mails must still land on their ticket."""
    s = setup_office(make_settings, "bpbd")
    deliver(s, "c1", complaint(1, "Lampu jalan mati"))
    run_cycle(s, now=T0)
    domain = s.mail_identity.from_address.rpartition("@")[2]
    legacy_root = thread_id("ADU/2026/11/0001", domain)  # no register part
    reply = (
        "From: Warga 1 <warga@contoh.id>\r\nTo: aduan@example.go.id\r\n"
        "Subject: Re: lampu\r\nMessage-ID: <balas-lama@contoh.id>\r\n"
        f"In-Reply-To: {legacy_root}\r\nReferences: {legacy_root}\r\n"
        "Date: Mon, 02 Nov 2026 08:03:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Lampunya masih mati.\r\n"
    ).encode()
    deliver(s, "r1", reply)
    rep = run_cycle(s, now=T0 + timedelta(minutes=5))
    assert rep.counts["replies"] == 1 and rep.counts["registered_mail"] == 0, rep.log
