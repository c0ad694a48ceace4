"""Dovecot IMAP server fixture (see issue: IMAP intake).

``imap_server`` (session) starts Debian's Dovecot on a free loopback port with
config, users and maildirs in a temp dir (nothing under /etc touched), via
``tests/start-dovecot.sh``. ``imap_account`` (per test) hands out a fresh user
with an empty INBOX, so tests never see each other's mail.

Without dovecot the tests skip with a clear message, except under ``CI=true``,
where a missing server fails the run (``make test`` installs it when root).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
START_DOVECOT = os.environ.get("START_DOVECOT", str(HERE / "start-dovecot.sh"))
IMAP_USER = "aduan@example.test"
IMAP_PASSWORD = "rahasia-uji-8d2f"
EXTRA_USERS = 200
_next_user = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dovecot_binary() -> str | None:
    return shutil.which("dovecot", path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin")


def _wait_for_greeting(host: str, port: int, proc: subprocess.Popen, deadline: float) -> None:
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited with code {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=1) as s:
                s.settimeout(2)
                if s.recv(1024).startswith(b"* OK"):
                    return
        except OSError as e:
            last = e
        time.sleep(0.02)
    raise TimeoutError(f"dovecot not answering on {host}:{port}: {last}")


@dataclass
class ImapServer:
    host: str
    port: int
    dir: Path
    password: str = IMAP_PASSWORD
    imaps_port: int = 0  # implicit TLS; 0 when openssl was not there to make a cert
    ca_file: Path | None = None  # the self-signed certificate, to trust in tests


def _make_cert(d: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 (openssl CLI), or None without openssl."""
    if not shutil.which("openssl"):
        return None
    cert, key = d / "cert.pem", d / "key.pem"
    r = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        check=False,
    )
    if r.returncode != 0:
        return None
    cert.chmod(0o644)
    return cert, key


@dataclass
class ImapAccount:
    """One user of the test server with its own INBOX."""

    host: str
    port: int
    user: str
    password: str

    def client(self):
        """A logged-in IMAPClient (the caller logs out)."""
        from imapclient import IMAPClient

        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        c.login(self.user, self.password)
        return c

    def append(self, *messages: bytes, folder: str = "INBOX", flags: tuple = ()) -> None:
        """Deliver messages into a folder, in order."""
        c = self.client()
        try:
            for raw in messages:
                c.append(folder, raw, flags=flags)
        finally:
            c.logout()

    def inbox_config(self, **overrides) -> dict:
        """The ``inbox:`` settings mapping for this account (password via env)."""
        cfg = {
            "type": "imap",
            "host": self.host,
            "port": self.port,
            "security": "plain",
            "user": self.user,
            "password_env": "ADUAN_TEST_IMAP_PASSWORD",
            "timeout_s": 10,
        }
        cfg.update(overrides)
        return cfg


@contextlib.contextmanager
def run_dovecot(extra_users: int = EXTRA_USERS) -> Iterator[ImapServer]:
    """Start Dovecot in a fresh temp dir; stop it and remove the dir on exit.
    Raises RuntimeError when it cannot start (also used by bench/bench_imap.py)."""
    if not _dovecot_binary():
        raise FileNotFoundError(
            "dovecot not installed: apt-get install dovecot-imapd "
            "(or run `make test` as root, which installs it)"
        )
    # Not tmp_path_factory: pytest's /tmp/pytest-of-<user> is mode 0700 and, as
    # root, Dovecot's processes run as the 'dovecot' user and cannot enter it.
    # A short path also keeps the unix sockets under the 108-byte sun_path limit.
    d = Path(tempfile.mkdtemp(prefix="dovecot-", dir="/tmp"))
    d.chmod(0o755)
    host, port = "127.0.0.1", _free_port()
    env = {**os.environ, "FOREGROUND": "1", "EXTRA_USERS": str(extra_users)}
    tls = _make_cert(d)
    imaps = _free_port() if tls else 0
    if tls:
        env.update(SSL_CERT=str(tls[0]), SSL_KEY=str(tls[1]), IMAPS_PORT=str(imaps))
    proc = subprocess.Popen(
        [START_DOVECOT, str(d), str(port), IMAP_USER, IMAP_PASSWORD],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            _wait_for_greeting(host, port, proc, time.monotonic() + 15)
        except Exception as e:
            proc.kill()
            out = proc.communicate()[0].decode(errors="replace")
            log = d / "dovecot.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"dovecot failed to start ({e}):\n{out}\n{text}") from None
        yield ImapServer(host, port, d, imaps_port=imaps, ca_file=tls[0] if tls else None)
    finally:
        stop_server(proc)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """A Dovecot IMAP server on 127.0.0.1, for the whole session."""
    yield from serve(run_dovecot)


@pytest.fixture
def imap_account(imap_server: ImapServer, monkeypatch) -> ImapAccount:
    """A fresh user with an empty INBOX; its password is in $ADUAN_TEST_IMAP_PASSWORD."""
    n = next(_next_user)
    if n > EXTRA_USERS:
        pytest.fail(f"more than {EXTRA_USERS} IMAP test users needed: raise EXTRA_USERS")
    monkeypatch.setenv("ADUAN_TEST_IMAP_PASSWORD", imap_server.password)
    return ImapAccount(
        imap_server.host, imap_server.port, f"t{n}@example.test", imap_server.password
    )


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server started in the foreground: SIGTERM (a master stops its children),
    SIGKILL when it does not go within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def serve(start):
    """A session fixture's body for a server context manager ``start()``: skip when the
    server can't be had here, but fail under CI=true (CI must run every test)."""
    try:
        ctx = start()
        server = ctx.__enter__()
    except (FileNotFoundError, RuntimeError) as e:
        if os.environ.get("CI") == "true":
            pytest.fail(str(e))
        pytest.skip(str(e))
    try:
        yield server
    finally:
        ctx.__exit__(None, None, None)
