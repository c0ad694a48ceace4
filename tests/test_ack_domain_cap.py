"""A loop backstop (issue 17, part 4c): beyond the per-address daily cap, a sender domain
that sends null-sender or daemon mail gets at most ``ack_limit_per_domain_per_hour``
acknowledgements an hour, whatever the number of its addresses. Real cycles: Maildir ->
xlsx register -> file outbox, on a frozen clock."""

from __future__ import annotations

from datetime import timedelta

from aduan.core.layout import HISTORY_TAB, build_layout
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register
from tests.test_cycle import T0, complaint, deliver, outbox, rows

CAP = 3


def _office(make_settings):
    s = make_settings(
        "bpbd",
        mail_identity={
            "from_address": "aduan@bpbd.example.go.id",
            "ack_limit_per_domain_per_hour": CAP,
        },
    )
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    reg.init()
    reg.close()
    return s


def _daemon_notice(domain: str) -> bytes:
    """A null-sender notice from the domain's mail system (it classifies as system mail)."""
    return (
        f"Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@{domain}>\r\n"
        "To: aduan@bpbd.example.go.id\r\nSubject: Pemberitahuan sistem\r\n"
        f"Message-ID: <notice-1@{domain}>\r\nAuto-Submitted: auto-replied\r\n"
        "Date: Mon, 02 Nov 2026 07:50:00 +0700\r\nContent-Type: text/plain\r\n\r\n"
        "Pesan otomatis.\r\n"
    ).encode()


def _acks(s) -> list[str]:
    return [str(m["To"]) for m in outbox(s) if m["X-Aduan-Kind"] == "tanda_terima"]


def test_a_domain_that_sends_daemon_mail_gets_few_acknowledgements_an_hour(make_settings):
    s = _office(make_settings)
    loop = "gateway.contoh.id"  # its responder answers from ever new addresses
    deliver(s, "n0", _daemon_notice(loop))
    for i in range(1, 9):
        deliver(s, f"c{i}", complaint(i, f"Jalan berlubang {i}", sender=f"u{i}@{loop}"))
    deliver(s, "p1", complaint(20, "Lampu jalan mati", sender="warga@contoh.id"))
    rep = run_cycle(s, now=T0)
    assert rep.counts["registered_mail"] == 9, (rep.counts, rep.log)  # nothing is lost
    assert rep.counts["acks_capped"] == 8 - CAP
    acks = _acks(s)
    assert sum(loop in a for a in acks) == CAP and sum("warga@contoh.id" in a for a in acks) == 1
    capped = [
        h
        for h in rows(s.path(s.register_.path), HISTORY_TAB)
        if h["Peristiwa"] == "Tanda terima tidak dikirim"
    ]
    assert len(capped) == 8 - CAP and all("per jam" in h["Keterangan"] for h in capped)

    # the next hour: CAP more; an ordinary domain was never counted
    for i in range(9, 14):
        deliver(s, f"c{i}", complaint(i, f"Jalan berlubang {i}", sender=f"u{i}@{loop}"))
    rep = run_cycle(s, now=T0 + timedelta(hours=1))
    assert rep.counts["registered_mail"] == 5 and rep.counts["acks_capped"] == 5 - CAP
    assert sum(loop in a for a in _acks(s)) == 2 * CAP


def test_an_ordinary_domain_is_not_capped_per_hour(make_settings):
    s = _office(make_settings)
    for i in range(1, 7):
        deliver(s, f"c{i}", complaint(i, f"Aduan {i}", sender=f"warga{i}@desa.example.id"))
    rep = run_cycle(s, now=T0)
    assert rep.counts["registered_mail"] == 6 and rep.counts["acks_capped"] == 0
    assert len(_acks(s)) == 6
