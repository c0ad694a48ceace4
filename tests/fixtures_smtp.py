"""aiosmtpd SMTP server fixture (see issue 6: notifications).

``smtp_server`` runs a real SMTP server on 127.0.0.1 (a free port) in a thread.
It collects every message it accepts, offers AUTH PLAIN/LOGIN without TLS (for
``user`` / ``password``; sessions without login are accepted too), and can be told
to fail: ``server.refuse("x@example.test", "550 5.1.1 No such user")`` answers that
reply to RCPT for one recipient, ``server.data_reply = "451 4.3.0 Try later"`` answers
it to DATA, ``server.script_data("", "421 4.3.2 Bye")`` answers the next DATA commands in
turn ("" accepts; mid-run failures), ``server.hang_up()`` drops every open session.
``rcpt_seen`` lists every RCPT TO address tried, accepted or not.

``smtp_tls_server(mode)`` starts the same server with a throw-away self-signed
certificate for 127.0.0.1 (made with the ``openssl`` command), ``mode`` being "ssl"
(implicit TLS, as on port 465) or "starttls" (as on port 587); ``.cafile`` is the
certificate a client must trust.
"""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest

__all__ = ["Received", "SmtpServer", "free_port", "smtp_server", "smtp_tls_server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=default)  # type: ignore[return-value]


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    user: str = "aduan@example.test"
    password: str = "rahasia-smtp-123"
    messages: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    data_script: list[str] = field(default_factory=list)
    rcpt_seen: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    sessions: int = 0
    loop: Any = None
    cafile: str = ""
    smtputf8: bool = True  # False: do not offer SMTPUTF8 (non-ASCII addresses)
    _open: list[Any] = field(default_factory=list)

    def refuse(self, address: str, reply: str) -> None:
        """Answer ``reply`` (e.g. "550 5.1.1 No such user") to RCPT TO for ``address``."""
        self.rcpt_replies[address.lower()] = reply

    def script_data(self, *replies: str) -> None:
        """Answer the next DATA commands with ``replies`` in turn ("" = accept)."""
        self.data_script.extend(replies)

    def hang_up(self) -> None:
        """Close every open session from the server side (an idle timeout, a restart)."""
        done = threading.Event()

        def close() -> None:
            for srv in self._open:
                if srv.transport is not None:
                    srv.transport.close()
            self._open.clear()
            done.set()

        self.loop.call_soon_threadsafe(close)
        done.wait(5)

    # ---- aiosmtpd handler hooks
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        self._open.append(server)
        session.host_name = hostname
        return [r for r in responses if self.smtputf8 or "SMTPUTF8" not in r]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen.append(address.lower())
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        scripted = self.data_script.pop(0) if self.data_script else ""
        if scripted or self.data_reply:
            return scripted or self.data_reply
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
            )
        )
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        if ok:
            self.logins.append(self.user)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields :class:`SmtpServer`."""
    from aiosmtpd.controller import Controller

    srv = SmtpServer(port=free_port())
    ctl = Controller(
        srv,
        hostname=srv.host,
        port=srv.port,
        authenticator=srv.authenticate,
        auth_require_tls=False,
        decode_data=False,
    )
    ctl.start()
    srv.loop = ctl.loop
    try:
        yield srv
    finally:
        ctl.stop()


def _self_signed(folder) -> tuple[str, str]:
    if not shutil.which("openssl"):
        pytest.skip("openssl command not found")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def smtp_tls_server(tmp_path):
    """Factory: ``smtp_tls_server("ssl")`` or ``smtp_tls_server("starttls")``."""
    from aiosmtpd.controller import Controller

    cert, key = _self_signed(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    started = []

    def start(mode: str) -> SmtpServer:
        srv = SmtpServer(port=free_port(), cafile=cert)
        tls = {"ssl_context": ctx} if mode == "ssl" else {"tls_context": ctx}
        # aiosmtpd 1.4 does not count implicit TLS as TLS for auth_require_tls
        ctl = Controller(
            srv,
            hostname=srv.host,
            port=srv.port,
            authenticator=srv.authenticate,
            auth_require_tls=mode == "starttls",
            decode_data=False,
            **tls,
        )
        ctl.start()
        srv.loop = ctl.loop
        started.append(ctl)
        return srv

    yield start
    for ctl in started:
        ctl.stop()
