"""The IMAP inbox against a real Dovecot (tests/fixtures_imap.py)."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aduan.config import ImapInbox as ImapConfig
from aduan.core.layout import C
from aduan.errors import ConfigError, InboxError
from aduan.inbox.imap import PROCESSED_FLAG, QUARANTINE_FLAG, ImapInbox
from aduan.inbox.parse import parse_message
from aduan.run.wiring import open_inbox
from tests.conftest import require_corpus


def msg(n: int, subject: str = "") -> bytes:
    return (
        f"From: Warga {n} <w{n}@warga.id>\r\nTo: aduan@example.test\r\n"
        f"Subject: {subject or f'Aduan {n}'}\r\nMessage-ID: <m{n}@warga.id>\r\n\r\n"
        f"Isi aduan nomor {n}.\r\n"
    ).encode()


def make_inbox(account, tmp_path, **kw) -> ImapInbox:
    cfg_over = {k: kw.pop(k) for k in list(kw) if k in ImapConfig.model_fields}
    cfg = ImapConfig(**account.inbox_config(**cfg_over))
    kw.setdefault("retry_wait", 0.01)
    return ImapInbox(cfg, password=account.password, state_dir=tmp_path / "state", **kw)


def flags_by_message_id(account, folder="INBOX") -> dict[str, set[bytes]]:
    c = account.client()
    try:
        c.select_folder(folder, readonly=True)
        uids = c.search("ALL")
        out = {}
        for _uid, d in c.fetch(uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).items():
            header = d[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().strip()
            out[header.split(":", 1)[1].strip() if header else ""] = set(d[b"FLAGS"])
        return out
    finally:
        c.logout()


class CommandLog:
    """Every IMAP command sent (imaplib's single choke point), by name."""

    def __init__(self, monkeypatch):
        self.names: list[str] = []
        real = imaplib.IMAP4._command

        def counted(imap, name, *args):
            self.names.append(name if name != "UID" else f"UID {args[0]}")
            return real(imap, name, *args)

        monkeypatch.setattr(imaplib.IMAP4, "_command", counted)


# ------------------------------------------------------------------ polling
def test_poll_mark_and_next_run(imap_account, tmp_path):
    imap_account.append(msg(1), msg(2), msg(3))
    inbox = make_inbox(imap_account, tmp_path)
    got = inbox.poll()
    assert [parse_message(m.data).message_id for m in got] == [
        "<m1@warga.id>",
        "<m2@warga.id>",
        "<m3@warga.id>",
    ]
    assert got[0].data == msg(1)
    v = got[0].key.split(":")[0]
    assert [m.key for m in got] == [f"{v}:1", f"{v}:2", f"{v}:3"]
    inbox.mark_processed(got[0].key)
    inbox.mark_processed(got[2].key)
    inbox.close()
    flags = flags_by_message_id(imap_account)
    assert PROCESSED_FLAG in flags["<m1@warga.id>"] and PROCESSED_FLAG in flags["<m3@warga.id>"]
    assert PROCESSED_FLAG not in flags["<m2@warga.id>"]
    assert b"\\Seen" not in flags["<m2@warga.id>"]  # BODY.PEEK: staff still see it unread

    again = make_inbox(imap_account, tmp_path)
    assert [m.key for m in again.poll()] == [f"{v}:2"]
    again.mark_processed(f"{v}:2")
    again.close()
    state = (tmp_path / "state").glob("imap-*.json")
    assert '"last_uid": 3' in next(state).read_text()


def test_processed_folder_is_created_and_receives_mail(imap_account, tmp_path):
    imap_account.append(msg(1), msg(2))
    inbox = make_inbox(imap_account, tmp_path, processed_folder="Aduan/Diproses")
    for m in inbox.poll():
        inbox.mark_processed(m.key)
    inbox.close()
    assert flags_by_message_id(imap_account) == {}
    moved = flags_by_message_id(imap_account, "Aduan/Diproses")
    assert set(moved) == {"<m1@warga.id>", "<m2@warga.id>"}
    assert all(PROCESSED_FLAG in f for f in moved.values())


def test_quarantine_moves_original_beside_a_note(imap_account, tmp_path):
    raw = b"From: x\r\nSubject: \xff\xfe rusak\r\nMessage-ID: <bad@x>\r\n\r\n\x01\x02"
    imap_account.append(raw, msg(2))
    inbox = make_inbox(imap_account, tmp_path)
    bad, good = inbox.poll()
    inbox.quarantine(bad.key, "tidak dapat diurai")
    inbox.mark_processed(good.key)
    inbox.close()
    c = imap_account.client()
    try:
        c.select_folder("Aduan/Karantina", readonly=True)
        data = c.fetch(c.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
    finally:
        c.logout()
    bodies = [d[b"BODY[]"] for d in data.values()]
    assert raw in bodies  # the original, byte for byte
    (note,) = [b for b in bodies if b != raw]
    assert b"Alasan: tidak dapat diurai" in note
    assert b"Auto-Submitted: auto-generated" in note
    assert all(QUARANTINE_FLAG in d[b"FLAGS"] for d in data.values())
    assert make_inbox(imap_account, tmp_path).poll() == []


def test_idle_poll_costs_constant_commands(imap_account, imap_server, tmp_path, monkeypatch):
    from tests.fixtures_imap import ImapAccount

    def idle_commands(account, n: int) -> list[str]:
        c = account.client()
        c.multiappend("INBOX", [msg(i) for i in range(n)])
        c.select_folder("INBOX")
        c.add_flags("1:*", [PROCESSED_FLAG], silent=True)
        c.logout()
        first = make_inbox(account, tmp_path / str(n))
        assert first.poll() == []  # all flagged: one keyword search sets the watermark
        first.close()
        log = CommandLog(monkeypatch)
        idle = make_inbox(account, tmp_path / str(n))
        assert idle.poll() == []
        idle.close()
        monkeypatch.undo()
        return log.names

    small = idle_commands(imap_account, 5)
    other = ImapAccount(imap_account.host, imap_account.port, "", imap_account.password)
    from tests.fixtures_imap import _next_user

    other.user = f"t{next(_next_user)}@example.test"
    large = idle_commands(other, 400)
    assert small == large
    assert not any(n.startswith(("UID SEARCH", "UID FETCH", "SEARCH", "FETCH")) for n in large)
    assert len(large) <= 5, large


def test_new_mail_after_idle_poll_is_found(imap_account, tmp_path):
    imap_account.append(msg(1))
    inbox = make_inbox(imap_account, tmp_path)
    for m in inbox.poll():
        inbox.mark_processed(m.key)
    inbox.close()
    imap_account.append(msg(2))
    inbox = make_inbox(imap_account, tmp_path)
    assert [parse_message(m.data).message_id for m in inbox.poll()] == ["<m2@warga.id>"]


def test_batch_and_watermark_never_skip_unfinished(imap_account, tmp_path):
    imap_account.append(*[msg(i) for i in range(1, 6)])
    inbox = make_inbox(imap_account, tmp_path, batch=2)
    first = inbox.poll()
    assert [k.key.split(":")[1] for k in first] == ["1", "2"]
    inbox.mark_processed(first[1].key)  # 2 done, 1 not (the run dies before it)
    inbox.close()
    second = make_inbox(imap_account, tmp_path, batch=2)
    assert [k.key.split(":")[1] for k in second.poll()] == ["1", "3"]


def test_reconnect_before_marking_never_skips_newer_mail(imap_account, tmp_path):
    imap_account.append(msg(1))
    inbox = make_inbox(imap_account, tmp_path)
    (m,) = inbox.poll()
    imap_account.append(msg(2))  # arrives after the search
    inbox._drop()  # the link drops; marking reconnects and SELECT sees UIDNEXT 3
    inbox.mark_processed(m.key)
    inbox.close()
    again = make_inbox(imap_account, tmp_path)
    assert [parse_message(x.data).message_id for x in again.poll()] == ["<m2@warga.id>"]


def test_marking_without_a_poll_keeps_the_watermark(imap_account, tmp_path):
    imap_account.append(msg(1), msg(2))
    first = make_inbox(imap_account, tmp_path)
    keys = [m.key for m in first.poll()]
    first._drop()
    other = make_inbox(imap_account, tmp_path)
    other.mark_processed(keys[0])  # e.g. a later tool marking one message by hand
    other.close()
    assert [m.key for m in make_inbox(imap_account, tmp_path).poll()] == [keys[1]]


def test_run_killed_between_register_write_and_flag(imap_account, tmp_path):
    imap_account.append(msg(1))
    killed = make_inbox(imap_account, tmp_path)
    (m,) = killed.poll()
    killed._drop()  # the process dies: no mark, no close, no state saved
    rerun = make_inbox(imap_account, tmp_path)
    (again,) = rerun.poll()
    assert again.key == m.key and again.data == m.data  # handed out again; the cycle dedupes
    rerun.mark_processed(again.key)
    rerun._drop()  # dies after the flag but before saving the watermark
    assert make_inbox(imap_account, tmp_path).poll() == []


def test_uidvalidity_change_falls_back_to_keywords(imap_account, tmp_path, caplog):
    c = imap_account.client()
    c.create_folder("Kotak")
    c.logout()
    imap_account.append(msg(1), msg(2), folder="Kotak")
    inbox = make_inbox(imap_account, tmp_path, folder="Kotak")
    old = inbox.poll()
    for m in old:
        inbox.mark_processed(m.key)
    inbox.close()
    # the mailbox is rebuilt (migration): same mail, keywords kept for one only
    c = imap_account.client()
    c.delete_folder("Kotak")
    c.create_folder("Kotak")
    c.append("Kotak", msg(1), flags=[PROCESSED_FLAG])
    c.append("Kotak", msg(2))
    c.append("Kotak", msg(3))
    c.logout()
    inbox = make_inbox(imap_account, tmp_path, folder="Kotak")
    with caplog.at_level(logging.WARNING, logger="aduan.inbox.imap"):
        got = inbox.poll()
    assert "UIDVALIDITY" in caplog.text
    assert [parse_message(m.data).message_id for m in got] == ["<m2@warga.id>", "<m3@warga.id>"]
    assert got[0].key.split(":")[0] != old[0].key.split(":")[0]
    inbox.mark_processed(old[0].key)  # a key of the old mailbox: logged, ignored
    assert PROCESSED_FLAG not in flags_by_message_id(imap_account, "Kotak")["<m2@warga.id>"]


def test_uidvalidity_change_mid_run_flags_nothing(imap_account, tmp_path):
    c = imap_account.client()
    c.create_folder("Kotak")
    c.logout()
    imap_account.append(msg(1), folder="Kotak")
    inbox = make_inbox(imap_account, tmp_path, folder="Kotak")
    (m,) = inbox.poll()
    inbox._drop()  # the link drops while the register is written...
    c = imap_account.client()  # ...and meanwhile the mailbox is rebuilt
    c.delete_folder("Kotak")
    c.create_folder("Kotak")
    c.append("Kotak", msg(2))  # now UID 1 again, but another message
    c.logout()
    inbox.mark_processed(m.key)
    inbox.close()
    assert PROCESSED_FLAG not in flags_by_message_id(imap_account, "Kotak")["<m2@warga.id>"]


# ------------------------------------------------------------------ failures
class CuttingProxy:
    """A loopback TCP proxy that drops the connection once when the client
    sends ``cut_on`` (the server 'goes down' mid-command). It talks to the
    server from ``source``, so the server sees another client address."""

    def __init__(self, host: str, port: int, cut_on: bytes = b"", source: str = "127.0.0.1"):
        self.target = (host, port)
        self.cut_on = cut_on
        self.source = source
        self.cut = False
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            server = socket.create_connection(self.target, source_address=(self.source, 0))
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, src, dst, upstream):
        try:
            while data := src.recv(65536):
                if upstream and self.cut_on and not self.cut and self.cut_on in data:
                    self.cut = True
                    src.close()
                    dst.close()
                    return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self):
        self.sock.close()


def test_server_down_mid_fetch_is_retried(imap_account, tmp_path):
    imap_account.append(msg(1), msg(2))
    proxy = CuttingProxy(imap_account.host, imap_account.port, b"BODY.PEEK[]")
    try:
        inbox = make_inbox(imap_account, tmp_path, port=proxy.port)
        got = inbox.poll()
        inbox.close()
    finally:
        proxy.close()
    assert proxy.cut and proxy.connections == 2
    assert [parse_message(m.data).message_id for m in got] == ["<m1@warga.id>", "<m2@warga.id>"]


def test_unreachable_server_is_one_clear_line(imap_account, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # closed again: nothing listens there
    inbox = make_inbox(imap_account, tmp_path, port=dead, retries=2)
    with pytest.raises(InboxError) as e:
        inbox.poll()
    text = str(e.value)
    assert f"{imap_account.user} at 127.0.0.1:{dead}" in text
    assert "after 2 attempts" in text and "refused" in text.lower()
    assert "\n" not in text and imap_account.password not in text
    assert not e.value.permanent


def test_login_refused_names_user_and_host_never_the_password(imap_account, tmp_path):
    # from 127.0.0.2: Dovecot's per-address auth penalty must not slow other tests
    proxy = CuttingProxy(imap_account.host, imap_account.port, source="127.0.0.2")
    cfg = ImapConfig(**imap_account.inbox_config(port=proxy.port))
    secret = "Sangat-Rahasia-123"
    inbox = ImapInbox(cfg, password=secret, state_dir=tmp_path, retry_wait=0.01)
    try:
        with pytest.raises(InboxError) as e:
            inbox.poll()
    finally:
        proxy.close()
    text = str(e.value)
    assert text.startswith(f"IMAP {imap_account.user} at 127.0.0.1:{proxy.port}: login refused")
    assert secret not in text and "\n" not in text
    assert e.value.permanent
    assert proxy.connections == 1  # a refused login is not retried


def test_missing_folder_is_permanent(imap_account, tmp_path):
    inbox = make_inbox(imap_account, tmp_path, folder="TidakAda")
    with pytest.raises(InboxError, match="cannot open folder 'TidakAda'") as e:
        inbox.poll()
    assert e.value.permanent


def test_check_reports_login_folder_count(imap_account, tmp_path):
    imap_account.append(msg(1), msg(2))
    line = make_inbox(imap_account, tmp_path).check()
    assert "login OK" in line and "'INBOX' 2 pesan" in line and "MOVE" in line


# ------------------------------------------------------------------ settings
def test_open_inbox_from_settings(imap_account, make_settings):
    imap_account.append(msg(1))
    s = make_settings("bpbd", inbox=imap_account.inbox_config(processed_folder="Aduan/Diproses"))
    inbox = open_inbox(s)
    (m,) = inbox.poll()
    inbox.mark_processed(m.key)
    inbox.close()
    assert flags_by_message_id(imap_account) == {}


def test_open_inbox_imap_without_password_names_the_variable(make_settings, monkeypatch):
    monkeypatch.delenv("ADUAN_TEST_NO_SUCH_VAR", raising=False)
    inbox = {
        "type": "imap",
        "host": "127.0.0.1",
        "user": "a@b.id",
        "password_env": "ADUAN_TEST_NO_SUCH_VAR",
    }
    with pytest.raises(ConfigError, match="ADUAN_TEST_NO_SUCH_VAR"):
        open_inbox(make_settings("bpbd", inbox=inbox))


# -------------------------------------------------------------------- corpus
# ------------------------------------------------- end to end (the real cycle)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Wednesday, office hours


def office(make_settings, account, name="bpbd", **inbox):
    from aduan.core.layout import build_layout
    from aduan.run.wiring import open_register

    s = make_settings(name, inbox=account.inbox_config(**inbox))
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    reg.init()
    reg.close()
    return s


def register_rows(s) -> list[dict[str, str]]:
    from aduan.core.layout import build_layout
    from aduan.run.wiring import open_register

    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        return [r.values for r in reg.read().rows]
    finally:
        reg.close()


def complaint(n: int, sender: str = "", subject: str = "", **headers: str) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: Warga {n} <{sender or f'warga{n}@desa.example.id'}>\r\nTo: aduan@example.test\r\n"
        f"Subject: {subject or f'Jalan rusak di RT {n}'}\r\nMessage-ID: <e2e.{n}@desa.example.id>\r\n"
        f"Date: Wed, 25 Nov 2026 08:{n:02d}:00 +0700\r\n{extra}\r\n"
        f"Jalan di RT {n} rusak parah, mohon segera diperbaiki.\r\n"
    ).encode()


@pytest.mark.parametrize("name", ["bpbd", "blitar"])
def test_both_sops_register_imap_mail_once(name, imap_account, make_settings):
    from aduan.core.layout import C
    from aduan.run.cycle import run_cycle

    own = f"aduan@{name}.example.go.id"
    imap_account.append(
        complaint(1),
        complaint(2, subject="Balasan otomatis: Sedang cuti", Auto_Submitted="auto-replied"),
        complaint(3, subject="Out of Office: jalan", X_Autoreply="yes"),
        complaint(4, sender=own, subject="Tanda terima"),  # our own mail coming back: loop guard
        complaint(5, subject="Buletin", Precedence="bulk"),
    )
    s = office(make_settings, imap_account, name, processed_folder="Aduan/Diproses")
    rep = run_cycle(s, now=NOW)
    assert not [p for p in rep.problems if "kotak masuk" in p], rep.problems
    rows = register_rows(s)
    assert [r[C.CONTACT] for r in rows] == ["warga1@desa.example.id"]
    assert rows[0][C.TICKET].startswith("ADU/2026/11/")
    assert flags_by_message_id(imap_account) == {}  # all five consumed and moved
    assert len(flags_by_message_id(imap_account, "Aduan/Diproses")) == 5

    again = run_cycle(s, now=NOW + timedelta(minutes=5))
    assert again.counts["mail_polled"] == 0
    assert len(register_rows(s)) == 1


def test_run_killed_after_register_write_registers_nothing_twice(imap_account, make_settings):
    from aduan.run.cycle import run_cycle

    class DiesBeforeMarking(ImapInbox):
        def mark_processed(self, key: str) -> None:
            raise KeyboardInterrupt  # the process is killed right after the write

    imap_account.append(complaint(1), complaint(2))
    s = office(make_settings, imap_account)
    state = s.path(s.paths.state)
    dying = DiesBeforeMarking(s.inbox, password=imap_account.password, state_dir=state)
    with pytest.raises(KeyboardInterrupt):
        run_cycle(s, now=NOW, inbox=dying)
    dying._drop()  # no close: the watermark is not saved either
    assert len(register_rows(s)) == 2
    assert all(PROCESSED_FLAG not in f for f in flags_by_message_id(imap_account).values())

    rep = run_cycle(s, now=NOW + timedelta(minutes=5))
    assert rep.counts["mail_duplicate"] == 2
    assert len(register_rows(s)) == 2
    assert all(PROCESSED_FLAG in f for f in flags_by_message_id(imap_account).values())


def test_reply_from_complainant_threads_into_ticket(imap_account, make_settings):
    from aduan.core.layout import C
    from aduan.run.cycle import run_cycle

    imap_account.append(complaint(1))
    s = office(make_settings, imap_account)
    run_cycle(s, now=NOW)
    (row,) = register_rows(s)
    ticket = row[C.TICKET]
    imap_account.append(
        complaint(7, sender="warga1@desa.example.id", subject=f"Re: [{ticket}] Tanda terima"),
        complaint(8, sender="orang.lain@desa.example.id", subject=f"Re: [{ticket}] Tanda terima"),
    )
    rep = run_cycle(s, now=NOW + timedelta(minutes=5))
    assert rep.counts["replies"] == 1
    rows = register_rows(s)
    # the stranger quoting the ticket becomes a new complaint, the complainant does not
    assert [r[C.CONTACT] for r in rows] == ["warga1@desa.example.id", "orang.lain@desa.example.id"]


def test_inbox_down_still_does_register_work(imap_account, make_settings, tmp_path):
    from aduan.run.cycle import run_cycle

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    s = office(make_settings, imap_account, port=dead)
    fast = ImapInbox(s.inbox, password=imap_account.password, state_dir=tmp_path, retry_wait=0.01)
    rep = run_cycle(s, now=NOW, inbox=fast)
    (problem,) = [p for p in rep.problems if "kotak masuk" in p]
    assert f"{imap_account.user} at 127.0.0.1:{dead}" in problem
    assert imap_account.password not in problem
    assert rep.exit_code != 0


# ----------------------------------------------------------------------- TLS
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_verified_certificate(security, imap_server, imap_account, tmp_path, monkeypatch):
    if not imap_server.ca_file:
        pytest.skip("openssl not available to make a test certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(imap_server.ca_file))  # trust our self-signed CA
    imap_account.append(msg(1))
    port = imap_server.imaps_port if security == "ssl" else imap_server.port
    inbox = make_inbox(imap_account, tmp_path, security=security, port=port)
    (m,) = inbox.poll()
    inbox.mark_processed(m.key)
    inbox.close()
    assert m.data == msg(1)


def test_tls_refuses_an_untrusted_certificate(imap_server, imap_account, tmp_path, monkeypatch):
    if not imap_server.ca_file:
        pytest.skip("openssl not available to make a test certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "empty.pem"))
    (tmp_path / "empty.pem").write_text("")
    inbox = make_inbox(
        imap_account, tmp_path, security="ssl", port=imap_server.imaps_port, retries=1
    )
    with pytest.raises(InboxError, match="CERTIFICATE_VERIFY_FAILED"):
        inbox.poll()


@pytest.mark.slow
def test_every_corpus_email_through_dovecot_and_the_cycle(imap_account, make_settings, tmp_path):
    """Issue 4: each corpus email is registered once, or consumed as not a
    complaint (bounce, list, duplicate Message-ID); none is left behind."""
    from aduan.run.cycle import run_cycle

    root = require_corpus()
    files = sorted(
        p
        for p in root.rglob("*")
        if p.suffix in (".eml", ".txt") and not p.name.startswith("LICENSE")
    )
    originals = [p.read_bytes() for p in files]
    c = imap_account.client()
    c.multiappend("INBOX", originals)
    c.logout()
    peek = make_inbox(imap_account, tmp_path, batch=1000)
    got = peek.poll()  # look without marking: the cycle below does the work
    peek._drop()
    assert len(got) == len(files)
    for raw, m in zip(originals, got, strict=True):
        # imaplib sends CRLF line ends; otherwise the bytes come back unchanged
        assert m.data.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    parsed = [parse_message(raw) for raw in originals]
    complaints = {m.message_id for m in parsed if m.kind == "complaint"}
    # the corpus's 10 delivery reports: 8 failures and 2 delay warnings (Action: delayed, 4.x.x)
    kinds = [m.kind for m in parsed]
    assert (kinds.count("bounce"), kinds.count("delay")) == (8, 2) and len(complaints) > 100

    s = office(make_settings, imap_account)
    rep = run_cycle(s, now=NOW)
    assert rep.counts["mail_polled"] == len(files)
    rows = register_rows(s)
    assert sorted(r[C.SOURCE] for r in rows) == sorted(complaints)  # each once
    left = [
        k
        for k, f in flags_by_message_id(imap_account).items()
        if PROCESSED_FLAG not in f and QUARANTINE_FLAG not in f
    ]
    assert left == []
    assert run_cycle(s, now=NOW + timedelta(minutes=5)).counts["mail_polled"] == 0
