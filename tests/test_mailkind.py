"""The inbound-mail classifier, rule by rule, on small literal messages."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aduan.core.mailkind import MailKind, classify

OFFICE = "pengaduan@bpbd.example.go.id"


def mail(headers: str, body: str = "Isi pesan.\n", *, crlf: bool = False) -> bytes:
    """A message from a header block (one header a line) and a body."""
    text = headers.strip("\n") + "\n\n" + body
    if crlf:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8")


HUMAN = """\
From: Budi Santoso <budi@example.com>
To: pengaduan@bpbd.example.go.id
Subject: Jalan rusak di depan rumah
Message-ID: <abc123@example.com>
Date: Mon, 2 Nov 2026 10:00:00 +0700
"""

DSN = """\
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: pengaduan@bpbd.example.go.id
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"
"""


def dsn(action: str, status: str, *, rcpt: str = "warga@example.net", extra: str = "") -> bytes:
    body = f"""--B
Content-Type: text/plain

This is the mail system at host mx.example.org.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 user unknown
{extra}
--B
Content-Type: text/rfc822-headers

From: {OFFICE}
To: {rcpt}
Message-ID: <tanda-terima-1@bpbd.example.go.id>
Subject: [ADU-2026-0001] Tanda terima

--B--
"""
    return mail(DSN, body)


def kind(raw: bytes, **kw: frozenset[str]) -> str:
    return classify(raw, **kw).kind


# ---------------------------------------------------------------- reports
def test_failed_dsn_is_a_bounce_with_recipient_and_original_id() -> None:
    r = classify(dsn("failed", "5.1.1"))
    assert r == MailKind(
        "bounce",
        "delivery report",
        ("warga@example.net",),
        ("<tanda-terima-1@bpbd.example.go.id>",),
    )


@pytest.mark.parametrize(
    ("action", "status", "want"),
    [
        ("delayed", "4.4.7", "delay"),
        ("delivered", "2.0.0", "delivered"),
        ("relayed", "2.0.0", "delivered"),
        ("expanded", "2.0.0", "delivered"),
    ],
)
def test_dsn_action_decides(action: str, status: str, want: str) -> None:
    assert kind(dsn(action, status)) == want


def test_one_failed_recipient_among_delayed_ones_is_a_bounce() -> None:
    extra = "\nFinal-Recipient: rfc822; lain@example.net\nAction: delayed\nStatus: 4.4.1\n"
    r = classify(dsn("failed", "5.1.1", extra=extra))
    assert r.kind == "bounce"
    assert r.failed_recipients == ("warga@example.net",)


def test_delay_report_names_the_delayed_recipient() -> None:
    assert classify(dsn("delayed", "4.4.7")).failed_recipients == ("warga@example.net",)


def test_message_rfc822_original_gives_its_message_id() -> None:
    body = """--B
Content-Type: text/plain

Delivery failed.
--B
Content-Type: message/delivery-status

Final-Recipient: rfc822; warga@example.net
Action: failed
Status: 5.2.2

--B
Content-Type: message/rfc822

From: pengaduan@bpbd.example.go.id
To: warga@example.net
Message-ID: <asli-7@bpbd.example.go.id>
Subject: Tanda terima

Isi.
--B--
"""
    r = classify(mail(DSN, body))
    assert r.kind == "bounce"
    assert r.original_message_ids == ("<asli-7@bpbd.example.go.id>",)


def test_feedback_report() -> None:
    head = DSN.replace("delivery-status", "feedback-report").replace(
        "MAILER-DAEMON@mx.example.org (Mail Delivery System)", "feedback@arf.example.com"
    )
    body = "--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n\n--B--\n"
    assert classify(mail(head, body)).kind == "feedback"


def test_plain_abuse_complaint_about_an_ip() -> None:
    head = HUMAN.replace("Jalan rusak di depan rumah", "complaint about message from 192.0.2.7")
    assert kind(mail(head, "A user complained.\n")) == "feedback"


def test_dmarc_aggregate_and_tls_reports_are_feedback() -> None:
    head = "From: noreply-dmarc-support@google.com\nSubject: Report domain: bpbd.example.go.id Submitter: google.com Report-ID: <123>"
    assert kind(mail(head, "")) == "feedback"
    tls = DSN.replace("delivery-status", "tlsrpt")
    assert kind(mail(tls, "--B\nContent-Type: text/plain\n\nTLS report\n--B--\n")) == "feedback"


def test_read_receipt_is_an_autoreply() -> None:
    head = DSN.replace("delivery-status", "disposition-notification")
    body = "--B\nContent-Type: message/disposition-notification\n\nDisposition: manual-action/MDN-sent-manually; displayed\n--B--\n"
    assert kind(mail(head, body)) == "autoreply"


# ----------------------------------------------------------- auto-replies
@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "Precedence: auto_reply",
        "X-Autoresponse: yes",
    ],
)
def test_rfc3834_and_vendor_markers(header: str) -> None:
    assert kind(mail(HUMAN + header)) == "autoreply"


def test_auto_submitted_no_is_a_person() -> None:
    assert kind(mail(HUMAN + "Auto-Submitted: no")) == "complaint"


def test_exchange_rules_agent_reply_in_any_language() -> None:
    head = HUMAN.replace("Jalan rusak di depan rumah", "Hors du bureau jusqu'au lundi")
    head += "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: budi@example.com"
    assert classify(mail(head)).reason == "Exchange rules-agent reply"


def test_inbox_rules_loop_header_alone_is_a_person() -> None:
    # a person's forwarding rule leaves the loop header on the mail it forwards
    head = HUMAN + "X-MS-Exchange-Inbox-Rules-Loop: budi@example.com"
    assert kind(mail(head)) == "complaint"


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Laporan",
        "Automatic reply: Tanda terima",
        "Abwesenheitsnotiz: Ihre Nachricht",
        "Réponse automatique : Votre message",
        "Respuesta automática: su mensaje",
        "Resposta automática: mensagem",
        "Risposta automatica: messaggio",
        "Automatisch antwoord: bericht",
        "Balasan otomatis: Tanda terima",
        "Sedang cuti sampai 10 November",
        "Di luar kantor: Tanda terima",
        "Out of Office AutoReply: Laporan",
        "Absence du bureau",
        "=?UTF-8?B?6Ieq5YuV5b+c562UOiDjgYrllY/jgYTlkIjjgo/jgZs=?=",  # 自動応答: お問い合わせ
        "=?UTF-8?Q?Respuesta_autom=C3=A1tica=3A_Tanda_terima?=",
    ],
)
def test_out_of_office_subjects(subject: str) -> None:
    head = HUMAN.replace("Jalan rusak di depan rumah", subject)
    assert kind(mail(head)) == "autoreply"


def test_null_sender_alone_is_not_a_bounce() -> None:
    # an RFC 3834 responder sends with a null envelope sender too
    head = HUMAN.replace("Jalan rusak di depan rumah", "Terima kasih") + "Return-Path: <>"
    r = classify(mail(head, "Saya sedang tidak di kantor.\n"))
    assert (r.kind, r.reason) == ("autoreply", "null Return-Path without a failure report")


def test_out_of_office_with_null_sender_is_an_autoreply() -> None:
    head = HUMAN.replace("Jalan rusak di depan rumah", "Out of office") + "Return-Path: <>"
    assert kind(mail(head)) == "autoreply"


# ---------------------------------------------------------------- bounces
FAILURE_TEXT = """This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  warga@example.net
    SMTP error from remote mail server after RCPT TO:<warga@example.net>:
    550 5.1.1 User unknown

------ This is a copy of the message, including all the headers. ------

Return-Path: <pengaduan@bpbd.example.go.id>
Message-ID: <notice-3@bpbd.example.go.id>
To: warga@example.net
"""


@pytest.mark.parametrize(
    "sender",
    [
        "From: MAILER-DAEMON <>",
        "From: <MAILER-DAEMON>",
        "From: MAILER-DAEMON",
        "From: Postmaster <>",
        "From: post_master@carrier.example.net",
        "From: Mail Delivery System <mailer-daemon@mx.example.org>",
        "From: <>",
        "From:",
    ],
)
def test_daemon_and_empty_senders(sender: str) -> None:
    head = f"{sender}\nTo: {OFFICE}\nSubject: Mail delivery failed\nMessage-ID: <b@x.example>"
    r = classify(mail(head, FAILURE_TEXT))
    assert r.kind == "bounce", r.reason
    assert r.failed_recipients == ("warga@example.net",)
    assert r.original_message_ids == ("<notice-3@bpbd.example.go.id>",)


@pytest.mark.parametrize("path", ["<>", "<MAILER-DAEMON>", "<MAILER-DAEMON@mx.example.org>", ""])
def test_null_return_path_variants_with_failure_subject(path: str) -> None:
    head = f"Return-Path: {path}\nFrom: Gateway <gw@example.org>\nSubject: Returned mail"
    assert kind(mail(head, FAILURE_TEXT)) == "bounce"


def test_sender_that_is_only_a_domain() -> None:
    head = "From: mx.example.org\nSubject: failure notice"
    assert kind(mail(head, FAILURE_TEXT)) == "bounce"


def test_mbox_envelope_of_mailer_daemon() -> None:
    raw = b"From MAILER-DAEMON  Sat Oct  4 08:00:09 2025\n" + mail(
        "From: gw@example.org\nSubject: Delivery failure", FAILURE_TEXT
    )
    assert classify(raw).reason.startswith("null envelope sender")


@pytest.mark.parametrize(
    "subject",
    [
        "Undelivered Mail Returned to Sender",
        "Mail could not be delivered",
        "Delivery failure",
        "Returned mail: see transcript for details",
        "failure notice",
        "Delivery Status Notification (Failure)",
        "[Postmaster] Email Delivery Failure",
        "Undeliverable: Tanda terima",
        "Unzustellbar: Ihre Nachricht",
        "Non remis : votre message",
        "No se puede entregar: su mensaje",
        "Não é possível entregar: mensagem",
        "Non recapitabile: messaggio",
        "Onbestelbaar: bericht",
        "Message undeliverable: Tanda terima",
        "Delivery Notification: Delivery has failed",
        "系统退信",
        "Tidak terkirim: Tanda terima",
        "=?UTF-8?B?44Oh44O844Or6YWN5L+h44Ko44Op44O8?=",  # メール配信エラー
    ],
)
def test_gateway_failure_subjects(subject: str) -> None:
    # an antivirus gateway writes from an ordinary-looking address
    head = f"From: antivirus@gw.example.org\nReturn-Path: <>\nSubject: {subject}"
    assert classify(mail(head, "See below.\n")).reason == "null Return-Path; bounce subject"


def test_gateway_failure_subject_with_report_text_from_ordinary_address() -> None:
    head = "From: virus-scan@gw.example.org\nSubject: Mail could not be delivered"
    body = "Diagnostic-Code: smtp; 550 5.7.1 message rejected\n"
    assert kind(mail(head, body)) == "bounce"


def test_sendmail_permanent_fatal_errors_text() -> None:
    head = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\nSubject: Hello"
    body = "   ----- The following addresses had permanent fatal errors -----\n<warga@example.net>\n    (reason: 550 5.1.1 User unknown)\n"
    r = classify(mail(head, body))
    assert (r.kind, r.failed_recipients) == ("bounce", ("warga@example.net",))


def test_postfix_and_qmail_recipient_lines() -> None:
    head = "From: MAILER-DAEMON@mx.example.org\nSubject: failure notice"
    body = "Hi. This is the qmail-send program at mx.example.org.\n\n<warga@example.net>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 5.1.1 no mailbox\n"
    assert classify(mail(head, body)).failed_recipients == ("warga@example.net",)


def test_x_failed_recipients_header() -> None:
    head = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nSubject: x\nX-Failed-Recipients: warga@example.net"
    r = classify(mail(head, "x\n"))
    assert (r.kind, r.failed_recipients) == ("bounce", ("warga@example.net",))


def test_quoted_message_id_and_in_reply_to() -> None:
    head = "From: MAILER-DAEMON@mx.example.org\nSubject: Returned mail\nIn-Reply-To: <irt@bpbd.example.go.id>\nReferences: <root@bpbd.example.go.id> <irt@bpbd.example.go.id>\nMessage-ID: <self@mx.example.org>"
    body = "Delivery failed.\n\n   Message-ID: <quoted@bpbd.example.go.id>\n"
    ids = classify(mail(head, body)).original_message_ids
    assert ids == (
        "<quoted@bpbd.example.go.id>",
        "<irt@bpbd.example.go.id>",
        "<root@bpbd.example.go.id>",
    )


def test_status_code_in_context_from_a_no_reply_sender() -> None:
    head = "From: no-reply@carrier.example.net\nSubject: Mail delivery error"
    assert kind(mail(head, "Error: 550 5.1.1 recipient rejected\n")) == "bounce"


@pytest.mark.parametrize(
    "marker", ["Auto-Submitted: auto-generated (failure)", "X-AutoGenerated: yes"]
)
def test_bounce_beats_autoreply(marker: str) -> None:
    head = f"From: postmaster@mx.example.org\n{marker}\nSubject: Undeliverable: Tanda terima"
    assert kind(mail(head, FAILURE_TEXT)) == "bounce"


def test_bounce_relayed_by_a_list_manager_is_a_bounce() -> None:
    head = "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nList-Id: <warga.googlegroups.com>\nPrecedence: list\nSubject: Delivery Status Notification (Failure)"
    assert kind(mail(head, FAILURE_TEXT)) == "bounce"


# ----------------------------------------------------------------- delays
@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Warning: message 1abcDE-0001Xy-2Z delayed 24 hours", "has not yet been delivered"),
        ("Delivery Status Notification (Delay)", "THIS IS A WARNING MESSAGE ONLY."),
        ("Delayed Mail (still being retried)", "will continue to try"),
        ("Warning: could not send message for past 4 hours", "Will keep trying until 5 days"),
        ("Message delayed", "Delivery is delayed to these recipients or groups."),
        (
            "Mail delivery failed",
            "This message has not yet been delivered. Delivery attempts will continue.",
        ),
    ],
)
def test_delay_warnings_without_a_report_part(subject: str, body: str) -> None:
    head = f"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\nReturn-Path: <>\nSubject: {subject}"
    text = f"{body}\n\n  warga@example.net\n    retry timeout not reached\n"
    r = classify(mail(head, text))
    assert r.kind == "delay", r.reason
    assert r.failed_recipients == ("warga@example.net",)


def test_final_failure_after_retries_is_a_bounce() -> None:
    head = (
        "From: MAILER-DAEMON@mx.example.org\nSubject: Returned mail: Cannot send message for 5 days"
    )
    body = "Message could not be delivered for 5 days. Giving up on 192.0.2.1.\n"
    assert kind(mail(head, body)) == "bounce"


# ------------------------------------------------------------ lists, own
@pytest.mark.parametrize(
    "header",
    [
        "List-Id: <warga.lists.example.org>",
        "List-Unsubscribe: <mailto:u@x.org>",
        "Precedence: bulk",
    ],
)
def test_list_mail(header: str) -> None:
    assert kind(mail(HUMAN + header)) == "list"


def test_office_group_list_is_the_inbox_not_list_mail() -> None:
    # the complaints address may itself be a group on the office's domain
    head = HUMAN + "List-Id: <pengaduan.bpbd.example.go.id>"
    assert kind(mail(head), own_domains=frozenset({"bpbd.example.go.id"})) == "complaint"


OWN = f"""\
From: BPBD <{OFFICE}>
To: warga@example.net
Subject: [ADU-2026-0001] Tanda terima
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
X-Aduan-Ticket: ADU-2026-0001
X-Aduan-Kind: tanda_terima
"""


def test_own_mail() -> None:
    assert kind(mail(OWN), own_addresses=frozenset({OFFICE})) == "own"
    # another register's Aduan on the same office domain
    other = OWN.replace(OFFICE, "ppid@bpbd.example.go.id")
    assert kind(mail(other), own_domains=frozenset({"bpbd.example.go.id"})) == "own"


def test_colleague_on_the_office_domain_is_not_own_mail() -> None:
    head = HUMAN.replace("budi@example.com", "kepala@bpbd.example.go.id")
    assert kind(mail(head), own_domains=frozenset({"bpbd.example.go.id"})) == "complaint"


# ------------------------------------------------------------- negatives
@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Pengaduan: surat tidak terkirim",
            "Surat saya ke kantor pos tidak terkirim sejak Senin.\n",
        ),
        (
            "Re: [ADU-2026-0001] Tanda terima",
            "Email saya sebelumnya undelivered, ini saya kirim ulang.\n",
        ),
        ("Laporan", "Email saya ke dinas ditolak: 550 5.1.1 User unknown. Mohon dibantu.\n"),
        ("Fwd: Undelivered Mail Returned to Sender", "Mohon dicek, email saya gagal terkirim.\n"),
        ("Keterlambatan bantuan", "Bantuan tertunda, still being retried katanya.\n"),
        ("Di luar kantor kelurahan ada sampah menumpuk", "Mohon diangkut.\n"),
        ("Out of office hours service is closed", "Why?\n"),
        ("Absence of street lights on Jl. Merdeka", "Dark at night.\n"),
    ],
)
def test_people_writing_about_failed_mail_stay_complaints(subject: str, body: str) -> None:
    head = HUMAN.replace("Jalan rusak di depan rumah", subject)
    assert classify(mail(head, body)).kind == "complaint"


def test_web_form_notification_from_no_reply_stays_a_complaint() -> None:
    head = "From: Formulir Pengaduan <no-reply@forms.example.go.id>\nSubject: Pengaduan baru"
    body = (
        "Nama: Siti\nIsi: Surat undangan tidak dapat dikirim ke alamat kami, mailbox full.\n"
        "Petugas bilang will keep trying, tapi sudah giving up. Undeliverable katanya.\n"
    )
    assert kind(mail(head, body)) == "complaint"


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"])
def test_line_endings_do_not_matter(eol: bytes) -> None:
    for raw in (
        dsn("failed", "5.1.1"),
        mail(DSN.replace("multipart/report", "text/plain"), FAILURE_TEXT),
    ):
        assert classify(raw.replace(b"\n", eol)) == classify(raw)


def test_crlf_and_human_complaint() -> None:
    r = classify(mail(HUMAN, "Tolong perbaiki jalan.\n", crlf=True))
    assert (r.kind, r.failed_recipients) == ("complaint", ())


# -------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"Subject: =?x-unknown?Q?=FF?=\n\n\x80\x81",
        b"Content-Type: multipart/report; boundary=\n\n--\n--\n",
        b"From: " + b"<" * 5000 + b"\n\n",
    ],
)
def test_never_raises(raw: bytes) -> None:
    assert isinstance(classify(raw), MailKind)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_never_raises_on_any_bytes(raw: bytes) -> None:
    assert classify(raw).kind in (
        "complaint",
        "autoreply",
        "bounce",
        "delay",
        "delivered",
        "feedback",
        "list",
        "own",
    )


def test_mime_bomb_is_cheap() -> None:
    depth = 5000
    head = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)
    )
    raw = ("From: MAILER-DAEMON@x.example\nSubject: failure notice\n" + head).encode()
    t = time.perf_counter()
    assert classify(raw).kind == "bounce"
    assert time.perf_counter() - t < 1.0
