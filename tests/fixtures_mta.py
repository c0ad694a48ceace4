"""A real MTA for the tests: Postfix on loopback delivering over LMTP into Dovecot + sieve.

``mta`` (session) starts Dovecot (IMAP, LMTP, Pigeonhole sieve; ``tests/start-dovecot-lmtp.sh``)
and a separate Postfix instance (``tests/start-postfix.sh``) with every file under one temp
dir and free 127.0.0.1 ports; the system's /etc/postfix and dovecot service are not used.
What the tests can observe is what a real mail system does:

* mail to a known user of example.test / kantor.test lands in its maildir (IMAP readable);
* mail to an unknown user is accepted at SMTP, refused at LMTP (550 5.1.1), and Postfix sends
  the sender a real bounce (multipart/report, Action: failed);
* mail to slow.test is never deliverable (deferred), and Postfix sends a delay DSN
  (Action: delayed) after ``delay_warning_time`` (2 s);
* cuti@example.test and staffcuti@kantor.test answer with sieve ``vacation`` (RFC 5230:
  once per sender per day, never to Auto-Submitted mail); the reply travels through Postfix.

Waiting is always a bounded poll (``wait_for``, ``wait_log``, ``wait_settled``), never a
fixed sleep. Needs root (Postfix); without postfix/dovecot-lmtpd/dovecot-sieve (or as
non-root) the tests skip, except under ``CI=true``, where that fails the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_imap import serve, stop_server

HERE = Path(__file__).resolve().parent
START_POSTFIX = HERE / "start-postfix.sh"
START_DOVECOT_LMTP = HERE / "start-dovecot-lmtp.sh"
POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"
POSTFIX_MASTER = "/usr/lib/postfix/sbin/master"
DOVECOT = "/usr/sbin/dovecot"
DOVECOT_LMTP = "/usr/lib/dovecot/lmtp"
SIEVE_PLUGIN = "/usr/lib/dovecot/modules/lib90_sieve_plugin.so"

PASSWORD = "rahasia-mta-41c7"
DOMAINS = ("example.test", "kantor.test")
DEFER_DOMAIN = "slow.test"  # accepted, never deliverable: mail there stays deferred
# address -> answers with sieve vacation
USERS = {
    "aduan@kantor.test": False,  # the office inbox
    "staff@kantor.test": False,
    "staffcuti@kantor.test": True,
    "warga@example.test": False,
    "cuti@example.test": True,
}
START_TIMEOUT_S = 20.0
POLL_S = 0.05
VACATION_SIEVE = (
    'require "vacation";\nvacation :days 1 :subject "Sedang cuti" "Saya sedang cuti.";\n'
)
SPARE_USERS = 40  # unused mailboxes per domain, for add_user()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _missing() -> str | None:
    """Why the MTA cannot run here, or None."""
    if os.geteuid() != 0:
        return "the Postfix test MTA needs root (Postfix's master runs as root)"
    need = {
        POSTFIX: "postfix",
        DOVECOT: "dovecot-core",
        DOVECOT_LMTP: "dovecot-lmtpd",
        SIEVE_PLUGIN: "dovecot-sieve",
    }
    absent = sorted({pkg for path, pkg in need.items() if not os.path.exists(path)})
    if absent:
        return (
            f"test MTA not installed ({', '.join(absent)}): "
            "run scripts/install-system-deps.sh as root (or `make test`)"
        )
    return None


def _wait_greeting(port: int, prefix: bytes, deadline: float, alive: Callable[[], bool]) -> None:
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.settimeout(2)
                if s.recv(1024).startswith(prefix):
                    return
        except OSError as e:
            last = e
        time.sleep(POLL_S)
    raise TimeoutError(f"nothing answers {prefix!r} on 127.0.0.1:{port}: {last}")


def _delivery_time(name: str) -> tuple[int, int, str]:
    """Dovecot's maildir names start with the delivery time: <seconds>.M<microseconds>P..."""
    m = re.match(r"(\d+)\.M(\d+)", name)
    return (int(m.group(1)), int(m.group(2)), name) if m else (0, 0, name)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class Mta:
    """The running Postfix + Dovecot pair and the helpers the tests observe it with."""

    dir: Path
    smtp_port: int
    imap_port: int
    lmtp_port: int
    smtp_host: str = "127.0.0.1"
    imap_host: str = "127.0.0.1"
    password: str = PASSWORD
    users: dict[str, str] = field(default_factory=dict)  # address -> password
    vacation_users: tuple[str, ...] = ()
    spare: dict[str, list[str]] = field(default_factory=dict)  # domain -> unused addresses
    defer_domain: str = DEFER_DOMAIN
    startup_s: float = 0.0  # launch of Dovecot to Postfix's SMTP greeting

    @property
    def postfix_etc(self) -> Path:
        return self.dir / "postfix" / "etc"

    def add_user(self, domain: str = "example.test", vacation: bool = False) -> str:
        """A mailbox no test has used yet (same password), so vacation's once-per-sender
        memory and mailbox counts belong to one test. Returns the address."""
        spare = self.spare.get(domain)
        if not spare:
            # they are listed at start: Dovecot re-reads a changed passwd-file only once a
            # second, so a user added later could bounce as "User doesn't exist"
            pytest.fail(f"no unused test mailbox left in {domain}: raise SPARE_USERS")
        user = spare.pop(0)
        if vacation:
            home = self.dir / "dovecot" / "home" / user
            (home / "sieve" / "cuti.sieve").write_text(VACATION_SIEVE)
            (home / ".dovecot.sieve").symlink_to("sieve/cuti.sieve")
            owner = home.stat()
            for p in (home / "sieve" / "cuti.sieve", home / ".dovecot.sieve"):
                os.lchown(p, owner.st_uid, owner.st_gid)
            self.vacation_users += (user,)
        return user

    def send(self, sender: str, to: str | list[str], raw: bytes) -> str:
        """Submit raw over SMTP to Postfix; returns Postfix's queue id."""
        rcpts = [to] if isinstance(to, str) else list(to)
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=10) as s:
            s.ehlo("klien.example.test")
            code, resp = s.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, resp, sender)
            for r in rcpts:
                code, resp = s.rcpt(r)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({r: (code, resp)})
            code, resp = s.data(raw)
            if code != 250:
                raise smtplib.SMTPDataError(code, resp)
        m = re.search(rb"queued as ([0-9A-Za-z]+)", resp)
        if not m:
            raise AssertionError(f"no queue id in Postfix's reply: {resp!r}")
        return m.group(1).decode()

    def maildir(self, user: str) -> Path:
        return self.dir / "dovecot" / "mail" / user

    def messages(self, user: str) -> list[EmailMessage]:
        """Every message in the user's INBOX (read from the maildir), oldest first."""
        base = self.maildir(user)
        parser = BytesParser(policy=policy.default)
        for _ in range(20):  # bounded: Dovecot may move a file new/ -> cur/ while we read
            found: list[tuple[str, bytes]] = []
            try:
                for sub in ("new", "cur"):
                    d = base / sub
                    for name in os.listdir(d) if d.is_dir() else ():
                        found.append((name, (d / name).read_bytes()))
            except FileNotFoundError:
                continue
            found.sort(key=lambda item: _delivery_time(item[0]))
            return [parser.parsebytes(raw) for _, raw in found]
        raise AssertionError(f"{base}: maildir kept changing while being read")

    def wait_for(
        self,
        user: str,
        predicate: Callable[[list[EmailMessage]], bool],
        timeout_s: float = 30.0,
    ) -> list[EmailMessage]:
        """Poll the user's mailbox until predicate(messages) holds; returns the messages."""
        deadline = time.monotonic() + timeout_s
        while True:
            msgs = self.messages(user)
            if predicate(msgs):
                return msgs
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{user}: condition not met within {timeout_s} s "
                    f"({len(msgs)} message(s)).\n--- postfix log (tail)\n"
                    + "\n".join(self.log().splitlines()[-30:])
                )
            time.sleep(POLL_S)

    def flush(self) -> None:
        """postqueue -f: retry every deferred message now."""
        subprocess.run(
            [POSTQUEUE, "-c", str(self.postfix_etc), "-f"],
            check=True,
            capture_output=True,
            timeout=10,
        )

    def queue(self) -> list[dict[str, Any]]:
        """The messages in Postfix's queue (postqueue -j, one JSON object each)."""
        out = subprocess.run(
            [POSTQUEUE, "-c", str(self.postfix_etc), "-j"],
            check=True,
            capture_output=True,
            timeout=10,
            text=True,
        ).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def wait_settled(self, timeout_s: float = 30.0) -> None:
        """Wait until Postfix holds no mail except the never-deliverable slow.test mail."""
        deadline = time.monotonic() + timeout_s
        while True:
            pending = [
                q
                for q in self.queue()
                if not all(r["address"].endswith("@" + self.defer_domain) for r in q["recipients"])
            ]
            if not pending:
                return
            if time.monotonic() >= deadline:
                raise AssertionError(f"Postfix queue not settled in {timeout_s} s: {pending}")
            time.sleep(POLL_S)

    def log(self) -> str:
        """Postfix's log (its own maillog file, no syslog)."""
        return _read(self.dir / "postfix" / "maillog")

    def dovecot_log(self) -> str:
        return _read(self.dir / "dovecot" / "dovecot.log")

    def wait_log(self, pattern: str, timeout_s: float = 30.0, dovecot: bool = False) -> str:
        """Poll Postfix's (or Dovecot's) log until the regex matches; returns the match."""
        deadline = time.monotonic() + timeout_s
        while True:
            text = self.dovecot_log() if dovecot else self.log()
            m = re.search(pattern, text)
            if m:
                return m.group(0)
            if time.monotonic() >= deadline:
                tail = "\n".join(text.splitlines()[-30:])
                raise AssertionError(f"log never matched {pattern!r} in {timeout_s} s:\n{tail}")
            time.sleep(POLL_S)

    def wait_delivered(self, queue_id: str, timeout_s: float = 30.0) -> str:
        """Wait until Postfix has finished the message (sent, bounced or expired)."""
        return self.wait_log(rf"{queue_id}: to=<[^>]+>.*status=(sent|bounced|expired).*", timeout_s)

    def imap(self, user: str) -> Any:
        """A logged-in IMAPClient for the user (the caller logs out)."""
        from imapclient import IMAPClient

        c = IMAPClient(self.imap_host, port=self.imap_port, ssl=False, timeout=10)
        c.login(user, self.users[user])
        return c


def _stop_postfix(etc: Path, queue: Path) -> None:
    """postfix stop, then wait (bounded) until the master's lock is free; SIGKILL if not."""
    subprocess.run([POSTFIX, "-c", str(etc), "stop"], capture_output=True, timeout=15)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # master -t: exit 0 when no master holds the lock (a zombie holds none)
        r = subprocess.run([POSTFIX_MASTER, "-c", str(etc), "-t"], capture_output=True)
        if r.returncode == 0:
            return
        time.sleep(POLL_S)
    with contextlib.suppress(OSError, ValueError):
        os.kill(int((queue / "pid" / "master.pid").read_text().strip()), signal.SIGKILL)


@contextlib.contextmanager
def run_mta() -> Iterator[Mta]:
    """Start Dovecot then Postfix in a fresh temp dir; stop both and remove it on exit."""
    why = _missing()
    if why:
        raise FileNotFoundError(why)
    # Not tmp_path_factory: /tmp/pytest-of-root is 0700 and the servers' processes run as
    # the dovecot and postfix users; a short path keeps unix sockets under 108 bytes.
    d = Path(tempfile.mkdtemp(prefix="mta-", dir="/tmp"))
    d.chmod(0o755)
    smtp_port, imap_port, lmtp_port = _free_port(), _free_port(), _free_port()
    spare = {dom: [f"baru{i}@{dom}" for i in range(1, SPARE_USERS + 1)] for dom in DOMAINS}
    users = {u: PASSWORD for u in [*USERS, *(a for addrs in spare.values() for a in addrs)]}
    specs = [f"{u}:{PASSWORD}" + (":vacation" if vac else "") for u, vac in USERS.items()]
    specs += [f"{u}:{PASSWORD}" for addrs in spare.values() for u in addrs]
    dovecot = subprocess.Popen(
        [
            str(START_DOVECOT_LMTP),
            str(d / "dovecot"),
            str(imap_port),
            str(lmtp_port),
            str(smtp_port),
            *specs,
        ],
        env={**os.environ, "FOREGROUND": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    etc, queue = d / "postfix" / "etc", d / "postfix" / "queue"
    postfix_started = False
    try:
        t0 = time.monotonic()
        deadline = t0 + START_TIMEOUT_S
        try:
            _wait_greeting(imap_port, b"* OK", deadline, lambda: dovecot.poll() is None)
            _wait_greeting(lmtp_port, b"220 ", deadline, lambda: dovecot.poll() is None)
        except (RuntimeError, TimeoutError) as e:
            dovecot.kill()
            out = dovecot.communicate()[0].decode(errors="replace")
            log = _read(d / "dovecot" / "dovecot.log")
            raise RuntimeError(f"dovecot (LMTP) failed to start ({e}):\n{out}\n{log}") from None
        r = subprocess.run(
            [
                str(START_POSTFIX),
                str(d / "postfix"),
                str(smtp_port),
                f"127.0.0.1:{lmtp_port}",
                *DOMAINS,
            ],
            env={**os.environ, "DEFER_DOMAIN": DEFER_DOMAIN},
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
        )
        postfix_started = True
        try:
            if r.returncode != 0:
                raise RuntimeError(f"start-postfix.sh exited {r.returncode}")
            _wait_greeting(smtp_port, b"220 ", deadline, lambda: True)
        except (RuntimeError, TimeoutError) as e:
            log = _read(d / "postfix" / "maillog")
            raise RuntimeError(
                f"postfix failed to start ({e}):\n{r.stdout}{r.stderr}\n{log}"
            ) from None
        mta = Mta(
            dir=d,
            smtp_port=smtp_port,
            imap_port=imap_port,
            lmtp_port=lmtp_port,
            users=users,
            vacation_users=tuple(u for u, vac in USERS.items() if vac),
            spare=spare,
            startup_s=time.monotonic() - t0,
        )
        yield mta
    finally:
        if postfix_started:
            _stop_postfix(etc, queue)
        stop_server(dovecot)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def mta() -> Iterator[Mta]:
    """Postfix (SMTP on a free 127.0.0.1 port) -> LMTP -> Dovecot (IMAP, sieve vacation)."""
    yield from serve(run_mta)
