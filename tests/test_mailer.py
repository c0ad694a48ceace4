"""Sending: the file outbox on disk, and SMTP via yagmail to a real aiosmtpd server."""

from __future__ import annotations

import email
import logging
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from zoneinfo import ZoneInfo

import docx
import pytest

from aduan.config import SmtpMail
from aduan.core.model import Notification
from aduan.errors import MailError
from aduan.mail.compose import compose, sample_context, thread_id
from aduan.mail.send import FileOutbox, RecipientsRefused, SmtpMailer
from aduan.run.wiring import compose_cfg, open_mailer
from tests.fixtures_smtp import free_port

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
TICKET = "ADU/2026/11/0007"


def make_message(settings, kind="tugas", n=1, to=("tim@bpbd.example.go.id",), attachments=()):
    ctx = sample_context(kind, NOW)
    note = Notification(
        key=f"{TICKET}|rapat|{kind}|{n}",
        kind=kind,
        ticket=TICKET,
        step_id="rapat",
        to_roles=("tim",),
        context=ctx,
    )
    return compose(note, list(to), compose_cfg(settings), attachments=attachments)


# ------------------------------------------------------------ file outbox
def test_outbox_writes_one_parseable_eml_named_by_time_kind_ticket(make_settings):
    settings = make_settings("bpbd")
    box = open_mailer(settings)
    assert isinstance(box, FileOutbox)
    msg = make_message(settings)
    box.send(msg)
    box.close()
    files = list(settings.path(settings.mail.outbox).iterdir())
    assert len(files) == 1
    assert re.fullmatch(r"20261123-103000-tugas-ADU-2026-11-0007-[0-9a-f]{12}\.eml", files[0].name)
    raw = files[0].read_bytes()
    assert b"\r\n" in raw  # RFC 5322 line ends
    back = email.message_from_bytes(raw, policy=default)
    assert back["Message-ID"] == msg["Message-ID"]
    assert back["Auto-Submitted"] == "auto-generated"
    assert back["References"] == thread_id(TICKET, "bpbd.example.go.id")
    assert "Tim melakukan rapat." in back.get_body(("plain",)).get_content()


def test_outbox_resend_of_same_message_id_overwrites_same_file(make_settings):
    settings = make_settings("bpbd")
    box = open_mailer(settings)
    folder = settings.path(settings.mail.outbox)
    box.send(make_message(settings, n=1))
    first = sorted(folder.iterdir())
    # the same notification composed again later (after a crash): same key, later Date
    again = make_message(settings, n=1)
    again.replace_header("Date", "Mon, 23 Nov 2026 11:45:00 +0700")
    box.send(again)
    assert sorted(folder.iterdir()) == first
    assert b"11:45:00" in first[0].read_bytes()
    box.send(make_message(settings, n=2))
    assert len(list(folder.iterdir())) == 2  # no temp files left behind either


def test_outbox_refuses_message_without_id(tmp_path):
    msg = EmailMessage()
    msg["Subject"] = "x"
    with pytest.raises(MailError) as e:
        FileOutbox(tmp_path).send(msg)
    assert e.value.permanent


def test_outbox_unwritable_folder_is_a_transient_mail_error(make_settings, tmp_path):
    settings = make_settings("bpbd")
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    with pytest.raises(MailError) as e:
        FileOutbox(blocker / "outbox").send(make_message(settings))
    assert not e.value.permanent


# ------------------------------------------------------------ SMTP
def smtp_settings(make_settings, srv, *, user: str = "", password_env: str = ""):
    mail = {"type": "smtp", "host": srv.host, "port": srv.port, "security": "plain", "timeout_s": 5}
    if user:
        mail |= {"user": user, "password_env": password_env}
    return make_settings("bpbd", mail=mail)


def test_smtp_sends_our_message_unchanged_over_one_connection(make_settings, smtp_server, tmp_path):
    settings = smtp_settings(make_settings, smtp_server)
    doc = tmp_path / "lembar_disposisi.docx"
    d = docx.Document()
    d.add_paragraph("LEMBAR DISPOSISI")
    d.save(doc)
    mailer = open_mailer(settings)
    assert isinstance(mailer, SmtpMailer)
    sent = [make_message(settings, n=i, attachments=[doc]) for i in (1, 2, 3)]
    for m in sent:
        mailer.send(m)
    mailer.close()

    assert smtp_server.sessions == 1
    assert smtp_server.logins == []  # no user configured: no AUTH
    assert len(smtp_server.messages) == 3
    got = smtp_server.messages[0]
    assert got.mail_from == "aduan@bpbd.example.go.id"
    assert got.rcpt_tos == ["tim@bpbd.example.go.id"]
    m = got.message
    for h in (
        "Message-ID",
        "Auto-Submitted",
        "In-Reply-To",
        "References",
        "Subject",
        "Date",
        "From",
        "To",
        "X-Aduan-Ticket",
    ):
        assert m[h] == sent[0][h], h
    assert (
        "Batas waktu: Senin, 23 November 2026 pukul 10.20 WIB"
        in m.get_body(("plain",)).get_content()
    )
    assert m.get_body(("html",)) is not None
    att = next(m.iter_attachments())
    assert att.get_filename() == "lembar_disposisi.docx"
    assert att.get_payload(decode=True) == doc.read_bytes()
    assert [r.message["Message-ID"] for r in smtp_server.messages] == [
        s["Message-ID"] for s in sent
    ]


def test_smtp_login_with_password_from_env(make_settings, smtp_server, monkeypatch):
    monkeypatch.setenv("ADUAN_TEST_SMTP_PW", smtp_server.password)
    settings = smtp_settings(
        make_settings, smtp_server, user=smtp_server.user, password_env="ADUAN_TEST_SMTP_PW"
    )
    mailer = open_mailer(settings)
    mailer.send(make_message(settings))
    mailer.close()
    assert smtp_server.logins == [smtp_server.user]
    assert len(smtp_server.messages) == 1


def test_smtp_wrong_password_is_transient_and_never_shown(
    make_settings, smtp_server, monkeypatch, caplog
):
    secret = "SalahSekali-987"
    monkeypatch.setenv("ADUAN_TEST_SMTP_PW", secret)
    settings = smtp_settings(
        make_settings, smtp_server, user=smtp_server.user, password_env="ADUAN_TEST_SMTP_PW"
    )
    mailer = open_mailer(settings)
    with caplog.at_level(logging.DEBUG), pytest.raises(MailError) as e:
        mailer.send(make_message(settings))
    assert not e.value.permanent  # kept and retried once the admin fixes the password
    assert "login" in str(e.value) and "535" in str(e.value)
    assert secret not in str(e.value) and secret not in caplog.text
    assert smtp_server.messages == []


def test_smtp_connection_refused_is_transient(make_settings):
    class Nothing:
        host, port = "127.0.0.1", free_port()  # nobody listens here

    settings = smtp_settings(make_settings, Nothing)
    with pytest.raises(MailError) as e:
        open_mailer(settings).send(make_message(settings))
    assert not e.value.permanent
    assert "cannot connect" in str(e.value)


def test_smtp_550_for_one_recipient_is_permanent_and_names_it(make_settings, smtp_server):
    settings = smtp_settings(make_settings, smtp_server)
    smtp_server.refuse("hilang@bpbd.example.go.id", "550 5.1.1 No such user")
    mailer = open_mailer(settings)
    msg = make_message(settings, to=("tim@bpbd.example.go.id", "hilang@bpbd.example.go.id"))
    with pytest.raises(RecipientsRefused) as e:
        mailer.send(msg)
    assert e.value.permanent
    assert "hilang@bpbd.example.go.id" in str(e.value) and "550" in str(e.value)
    assert set(e.value.refused) == {"hilang@bpbd.example.go.id"}
    assert e.value.delivered == ["tim@bpbd.example.go.id"]
    assert [r.rcpt_tos for r in smtp_server.messages] == [["tim@bpbd.example.go.id"]]
    # the connection is still good for the next message
    mailer.send(make_message(settings, n=2))
    mailer.close()
    assert len(smtp_server.messages) == 2 and smtp_server.sessions == 1


def test_smtp_550_for_the_only_recipient(make_settings, smtp_server):
    settings = smtp_settings(make_settings, smtp_server)
    smtp_server.refuse("tim@bpbd.example.go.id", "550 5.1.1 No such user")
    with pytest.raises(RecipientsRefused) as e:
        open_mailer(settings).send(make_message(settings))
    assert e.value.permanent and e.value.delivered == []
    assert "tim@bpbd.example.go.id (550 5.1.1 No such user)" in str(e.value)


def test_smtp_451_for_a_recipient_is_transient(make_settings, smtp_server):
    settings = smtp_settings(make_settings, smtp_server)
    smtp_server.refuse("tim@bpbd.example.go.id", "451 4.3.0 Mailbox busy, try later")
    with pytest.raises(MailError) as e:
        open_mailer(settings).send(make_message(settings))
    assert not e.value.permanent


def test_smtp_421_mid_run_is_transient_and_next_send_reconnects(make_settings, smtp_server):
    settings = smtp_settings(make_settings, smtp_server)
    mailer = open_mailer(settings)
    mailer.send(make_message(settings, n=1))
    smtp_server.refuse("tim@bpbd.example.go.id", "421 4.3.2 Service shutting down")
    with pytest.raises(MailError) as e:
        mailer.send(make_message(settings, n=2))
    assert not e.value.permanent
    smtp_server.rcpt_replies.clear()
    mailer.send(make_message(settings, n=3))
    mailer.close()
    assert len(smtp_server.messages) == 2
    assert smtp_server.sessions == 2  # smtplib hung up on the 421; we opened a new session


@pytest.mark.parametrize(
    "reply,permanent",
    [("451 4.3.0 Try again later", False), ("554 5.7.1 Message rejected as spam", True)],
)
def test_smtp_refusal_after_data(make_settings, smtp_server, reply, permanent):
    settings = smtp_settings(make_settings, smtp_server)
    smtp_server.data_reply = reply
    with pytest.raises(MailError) as e:
        open_mailer(settings).send(make_message(settings))
    assert e.value.permanent is permanent
    assert reply.split()[0] in str(e.value)


def test_smtp_user_without_password_fails_fast_instead_of_prompting():
    mailer = SmtpMailer(
        SmtpMail(host="127.0.0.1", port=free_port(), security="plain", user="a@b.go.id"),
        from_address="a@b.go.id",
    )
    with pytest.raises(MailError) as e:
        mailer.send(EmailMessage())
    # a configuration problem: the mail stays queued until the admin fixes it
    assert not e.value.permanent and "no password" in str(e.value)


@pytest.mark.parametrize(
    "content", [None, "{not json", '{"installed": {"client_id": "x", "client_secret": "y"}}']
)
def test_smtp_oauth2_without_a_token_file_never_prompts(tmp_path, content):
    token = tmp_path / "oauth2.json"
    if content is not None:
        token.write_text(content)
    conf = SmtpMail(
        host="127.0.0.1",
        port=free_port(),
        security="plain",
        user="a@b.go.id",
        oauth2_file=str(token),
    )
    mailer = SmtpMailer(conf, from_address="a@b.go.id")
    with pytest.raises(MailError) as e:  # yagmail would call input() here
        mailer.send(EmailMessage())
    assert str(token) in str(e.value) and "docs/email.md" in str(e.value)
    assert not e.value.permanent


def test_open_mailer_without_secret_names_the_setting(make_settings, smtp_server, monkeypatch):
    from aduan.errors import ConfigError

    monkeypatch.delenv("ADUAN_TEST_SMTP_PW", raising=False)
    settings = smtp_settings(
        make_settings, smtp_server, user=smtp_server.user, password_env="ADUAN_TEST_SMTP_PW"
    )
    with pytest.raises(ConfigError) as e:
        open_mailer(settings)
    assert "ADUAN_TEST_SMTP_PW" in str(e.value)


# ------------------------------------------------------------ aduan check
def test_check_mailer_logs_in_and_sends_a_test_email(make_settings, smtp_server, monkeypatch):
    from aduan.run.check import check_mailer

    monkeypatch.setenv("ADUAN_TEST_SMTP_PW", smtp_server.password)
    settings = smtp_settings(
        make_settings, smtp_server, user=smtp_server.user, password_env="ADUAN_TEST_SMTP_PW"
    )
    assert check_mailer(settings) == []
    assert smtp_server.logins == [smtp_server.user] and smtp_server.messages == []
    assert check_mailer(settings, "admin@bpbd.example.go.id", now=NOW) == []
    got = smtp_server.messages[0]
    assert got.rcpt_tos == ["admin@bpbd.example.go.id"]
    assert got.message["Auto-Submitted"] == "auto-generated"
    assert "Email uji" in got.message["Subject"]


def test_check_mailer_reports_bad_password_in_one_line(make_settings, smtp_server, monkeypatch):
    from aduan.run.check import check_mailer

    monkeypatch.setenv("ADUAN_TEST_SMTP_PW", "keliru-123")
    settings = smtp_settings(
        make_settings, smtp_server, user=smtp_server.user, password_env="ADUAN_TEST_SMTP_PW"
    )
    problems = check_mailer(settings)
    assert len(problems) == 1 and "login" in problems[0] and "keliru-123" not in problems[0]


def test_check_mailer_file_outbox(make_settings, tmp_path):
    from aduan.run.check import check_mailer

    settings = make_settings("bpbd")
    assert check_mailer(settings) == []
    assert check_mailer(settings, "admin@bpbd.example.go.id", now=NOW) == []
    (eml,) = settings.path(settings.mail.outbox).iterdir()
    assert "-uji-" in eml.name
    blocker = tmp_path / "blok"
    blocker.write_text("x")
    bad = make_settings(
        "bpbd", root=tmp_path / "b", mail={"type": "file", "outbox": str(blocker / "o")}
    )
    assert len(check_mailer(bad)) == 1


def test_smtp_reconnects_when_the_server_dropped_an_idle_session(make_settings, smtp_server):
    settings = smtp_settings(make_settings, smtp_server)
    mailer = open_mailer(settings)
    mailer.send(make_message(settings, n=1))
    smtp_server.hang_up()  # as if the server timed the idle session out
    mailer.send(make_message(settings, n=2))
    mailer.close()
    assert len(smtp_server.messages) == 2 and smtp_server.sessions == 2


def test_outbox_keeps_one_file_per_recipient_group_of_a_message_id(make_settings):
    settings = make_settings("bpbd")
    box = open_mailer(settings)
    folder = settings.path(settings.mail.outbox)
    box.send(make_message(settings, to=("petugas@bpbd.example.go.id",)))
    box.send(make_message(settings, to=("tim@bpbd.example.go.id",)))
    box.send(make_message(settings, to=("tim@bpbd.example.go.id",)))
    got = sorted(
        email.message_from_bytes(f.read_bytes(), policy=default)["To"] for f in folder.iterdir()
    )
    assert got == ["petugas@bpbd.example.go.id", "tim@bpbd.example.go.id"]


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_smtp_over_tls_verifies_the_certificate_and_logs_in(smtp_tls_server, mode):
    srv = smtp_tls_server(mode)
    conf = SmtpMail(host=srv.host, port=srv.port, security=mode, user=srv.user, timeout_s=5)
    settings_free = dict(password=srv.password, from_address="aduan@bpbd.example.go.id")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "aduan@bpbd.example.go.id", "a@b.go.id", "uji"
    msg["Message-ID"] = "<uji@bpbd.example.go.id>"
    msg.set_content("isi")
    trusted = SmtpMailer(conf.model_copy(update={"ca_file": srv.cafile}), **settings_free)
    trusted.send(msg)
    trusted.close()
    assert srv.logins == [srv.user] and len(srv.messages) == 1
    # without trusting the self-signed certificate the connection is refused
    with pytest.raises(MailError) as e:
        SmtpMailer(conf, **settings_free).send(msg)
    assert "certificate" in str(e.value).lower() and not e.value.permanent
    assert len(srv.messages) == 1


def test_smtp_non_ascii_address_without_smtputf8_is_permanent(make_settings, smtp_server):
    settings = smtp_settings(make_settings, smtp_server)
    mailer = open_mailer(settings)
    mailer.send(make_message(settings, to=("sïti@contoh.id",)))  # SMTPUTF8 offered: delivered
    assert smtp_server.messages[-1].rcpt_tos == ["sïti@contoh.id"]
    mailer.close()
    smtp_server.smtputf8 = False
    with pytest.raises(MailError) as e:
        open_mailer(settings).send(make_message(settings, to=("sïti@contoh.id",)))
    assert e.value.permanent


def test_cli_check_send_test_delivers_and_reports(make_settings, smtp_server):
    from click.testing import CliRunner

    from aduan.cli import cli

    settings = smtp_settings(make_settings, smtp_server)
    runner = CliRunner()
    ok = runner.invoke(cli, ["--config", settings.file, "check", "--send-test", "admin@x.go.id"])
    line = next(x for x in ok.output.splitlines() if "Pengiriman email" in x)
    assert line.startswith("[OK]") and "email uji dikirim ke admin@x.go.id" in line
    assert [m.rcpt_tos for m in smtp_server.messages] == [["admin@x.go.id"]]

    smtp_server.refuse("salah@x.go.id", "550 5.1.1 No such user")
    bad = runner.invoke(cli, ["--config", settings.file, "check", "--send-test", "salah@x.go.id"])
    line = next(x for x in bad.output.splitlines() if "Pengiriman email" in x)
    assert line.startswith("[GAGAL]") and "550 5.1.1" in line
    assert bad.exit_code != 0
    assert len(smtp_server.messages) == 1
