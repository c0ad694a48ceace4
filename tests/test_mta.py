"""The test MTA itself (tests/fixtures_mta.py): real delivery, real bounces, real vacation
replies, real delay notices — what later tests of Aduan's mail handling rely on."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the plugin is loaded by pytest_plugins: no import before that
    from tests.fixtures_mta import Mta

pytest_plugins = ["tests.fixtures_mta"]


def _mail(sender: str, to: str, subject: str, *extra: str) -> tuple[str, bytes]:
    """A small plain-text mail with a fresh Message-ID; returns (message_id, raw)."""
    mid = f"<uji-{uuid.uuid4().hex[:12]}@example.test>"
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: {mid}",
        "Date: Tue, 01 Dec 2026 09:00:00 +0700",
        *extra,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    raw = "\r\n".join(headers) + "\r\n\r\nMohon ditindaklanjuti.\r\n"
    return mid, raw.encode()


def _with_id(mid: str) -> Callable[[list[EmailMessage]], bool]:
    return lambda msgs: any(m["Message-ID"] == mid for m in msgs)


def _dsns(msgs: list[EmailMessage], action: str, mid: str) -> list[EmailMessage]:
    """Postfix DSNs with this Action that carry the original Message-ID."""
    return [m for m in msgs if _is_dsn(m) and _action(m) == action and mid in _original(m)]


def _is_dsn(m: Message) -> bool:
    return (
        m.get_content_type() == "multipart/report"
        and m.get_param("report-type") == "delivery-status"
    )


def _status_blocks(m: Message) -> list[Message]:
    """The message/delivery-status part: [per-message fields, per-recipient fields...]."""
    for part in m.walk():
        if part.get_content_type() == "message/delivery-status":
            return list(part.get_payload())
    return []


def _action(m: Message) -> str | None:
    blocks = _status_blocks(m)
    return str(blocks[1]["Action"]).strip() if len(blocks) > 1 else None


def _original(m: Message) -> str:
    """The returned original (message/rfc822) or its headers (text/rfc822-headers)."""
    for part in m.walk():
        if part.get_content_type() == "message/rfc822":
            return str(part.get_payload()[0])  # type: ignore[index]
        if part.get_content_type() == "text/rfc822-headers":
            return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]
    return ""


def _replies_to(msgs: list[EmailMessage], mid: str) -> list[EmailMessage]:
    return [m for m in msgs if m["In-Reply-To"] == mid]


def test_mail_arrives_over_imap_with_postfix_received_header(mta: Mta) -> None:
    mid, raw = _mail("warga@example.test", "aduan@kantor.test", "Jalan rusak di RT 03")
    qid = mta.send("warga@example.test", "aduan@kantor.test", raw)
    mta.wait_for("aduan@kantor.test", _with_id(mid))

    c = mta.imap("aduan@kantor.test")
    try:
        c.select_folder("INBOX", readonly=True)
        uids = c.search(["HEADER", "Message-ID", mid])
        assert len(uids) == 1
        data = c.fetch(uids, ["BODY.PEEK[]"])[uids[0]][b"BODY[]"]
    finally:
        c.logout()
    got = message_from_bytes(data, policy=policy.default)
    received = [str(h) for h in got.get_all("Received", [])]
    assert any(f"(Postfix) with ESMTP id {qid}" in r for r in received), received
    assert got["Delivered-To"] == "aduan@kantor.test"
    assert got["Subject"] == "Jalan rusak di RT 03"
    line = mta.wait_delivered(qid)
    assert f"{qid}: to=<aduan@kantor.test>" in line and "status=sent" in line


def test_unknown_user_comes_back_as_a_real_bounce(mta: Mta) -> None:
    mid, raw = _mail("aduan@kantor.test", "nobody@example.test", "Tanggapan aduan")
    qid = mta.send("aduan@kantor.test", "nobody@example.test", raw)  # accepted at SMTP
    assert "status=bounced" in mta.wait_delivered(qid)
    msgs = mta.wait_for(
        "aduan@kantor.test", lambda ms: bool(_dsns(ms, "failed", mid)), timeout_s=30
    )
    (dsn,) = _dsns(msgs, "failed", mid)
    assert dsn["Return-Path"] == "<>"
    assert "MAILER-DAEMON" in dsn["From"]
    assert dsn["Auto-Submitted"] == "auto-replied"
    per_msg, per_rcpt = _status_blocks(dsn)[:2]
    assert per_msg["X-Postfix-Queue-ID"].strip() == qid
    assert per_rcpt["Final-Recipient"].strip() == "rfc822; nobody@example.test"
    assert per_rcpt["Status"].strip() == "5.1.1"
    assert f"Message-ID: {mid}" in _original(dsn)
    # the LMTP server refused it, not Postfix's smtpd: that is what makes a DSN
    assert "User doesn't exist" in str(per_rcpt["Diagnostic-Code"])


def test_vacation_answers_once_per_sender(mta: Mta) -> None:
    cuti = "cuti@example.test"
    warga = mta.add_user()  # a sender cuti has never answered
    mid1, raw1 = _mail(warga, cuti, "Aduan pertama")
    qid1 = mta.send(warga, cuti, raw1)
    assert "status=sent" in mta.wait_delivered(qid1)
    mta.wait_log(rf"msgid={mid1}: vacation action: sent vacation response", dovecot=True)
    mta.wait_settled()  # the reply went into Postfix during the LMTP delivery: now it is out
    msgs = mta.wait_for(warga, lambda ms: bool(_replies_to(ms, mid1)))
    assert len(msgs) == 1
    (reply,) = _replies_to(msgs, mid1)
    assert reply["From"].addresses[0].addr_spec == cuti
    assert reply["Subject"] == "Sedang cuti"
    assert str(reply["Auto-Submitted"]).startswith("auto-replied")
    assert reply["Return-Path"] == "<>"  # RFC 5230: the reply goes out with a null sender
    assert "Saya sedang cuti." in reply.get_content()

    # a second mail within :days 1: delivered, but no second reply
    mid2, raw2 = _mail(warga, cuti, "Aduan kedua")
    qid2 = mta.send(warga, cuti, raw2)
    assert "status=sent" in mta.wait_delivered(qid2)
    mta.wait_log(rf"msgid={mid2}: vacation action: discarded duplicate", dovecot=True)
    mta.wait_settled()
    assert len(mta.messages(warga)) == 1
    got = mta.wait_for(cuti, lambda ms: sum(m["Message-ID"] in (mid1, mid2) for m in ms) == 2)
    assert [m["Subject"] for m in got if m["Message-ID"] in (mid1, mid2)] == [
        "Aduan pertama",
        "Aduan kedua",
    ]


@pytest.mark.parametrize(
    ("header", "logged"),
    [
        ("Auto-Submitted: auto-generated", "auto-submitted message"),
        ("Auto-Submitted: auto-replied", "auto-submitted message"),
        ("Precedence: bulk", "precedence=bulk"),
        ("List-Id: <warga.example.test>", "mailinglist recipient"),
    ],
)
def test_vacation_never_answers_automatic_mail(mta: Mta, header: str, logged: str) -> None:
    cuti = "staffcuti@kantor.test"
    warga = mta.add_user()  # new sender: the refusal is the header's doing
    mid, raw = _mail(warga, cuti, "Pemberitahuan otomatis", header)
    qid = mta.send(warga, cuti, raw)
    assert "status=sent" in mta.wait_delivered(qid)
    line = mta.wait_log(rf"msgid={mid}: vacation action: .*", dovecot=True)
    assert f"discarding vacation response to {logged}" in line, line
    mta.wait_settled()
    mta.wait_for(cuti, _with_id(mid))
    assert mta.messages(warga) == []

    # control: the same vacation answers an ordinary mail from the same sender
    mid2, raw2 = _mail(warga, cuti, "Aduan biasa")
    mta.send(warga, cuti, raw2)
    msgs = mta.wait_for(warga, lambda ms: bool(_replies_to(ms, mid2)))
    assert len(msgs) == 1 and _replies_to(msgs, mid) == []


def test_undeliverable_domain_gets_a_real_delay_notice(mta: Mta) -> None:
    mid, raw = _mail("aduan@kantor.test", "pelapor@slow.test", "Undangan klarifikasi")
    qid = mta.send("aduan@kantor.test", "pelapor@slow.test", raw)
    mta.wait_log(rf"{qid}: to=<pelapor@slow.test>.*status=deferred")
    mta.flush()  # retry now: the delay notice is due once delay_warning_time (2 s) passed
    msgs = mta.wait_for(
        "aduan@kantor.test", lambda ms: bool(_dsns(ms, "delayed", mid)), timeout_s=30
    )
    (dsn,) = _dsns(msgs, "delayed", mid)
    per_msg, per_rcpt = _status_blocks(dsn)[:2]
    assert per_msg["X-Postfix-Queue-ID"].strip() == qid
    assert per_rcpt["Final-Recipient"].strip() == "rfc822; pelapor@slow.test"
    assert per_rcpt["Status"].strip().startswith("4.")
    assert "Will-Retry-Until" in per_rcpt
    assert dsn["Subject"] == "Delayed Mail (still being retried)"
    # still queued: a delay, not a failure — and only one warning per message
    assert [q["queue_id"] for q in mta.queue() if q["queue_id"] == qid] == [qid]
    mta.flush()
    mta.wait_log(rf"(?s){qid}: sender delay notification.*{qid}: to=<pelapor@slow.test>.*deferred")
    assert mta.log().count(f"{qid}: sender delay notification") == 1
    assert len(_dsns(mta.messages("aduan@kantor.test"), "delayed", mid)) == 1


def test_nothing_is_relayed_beyond_the_test_domains(mta: Mta) -> None:
    _, raw = _mail("aduan@kantor.test", "warga@gmail.com", "Keluar?")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        mta.send("aduan@kantor.test", "warga@gmail.com", raw)
    ((code, text),) = refused.value.recipients.values()
    assert code == 554 and b"Relay access denied" in text
    assert "NOQUEUE: reject: RCPT" in mta.wait_log(r"NOQUEUE: reject: RCPT.*warga@gmail\.com.*")
