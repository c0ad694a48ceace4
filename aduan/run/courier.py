"""The fleet's courier (issue 19): on one host, offices whose mail goes to a file
outbox reach each other without a mail server.

After a fleet pass, every new ``.eml`` in an office's outbox addressed (To/Cc) to
another fleet office's own address (``mail_identity.from_address``,
``mail_identity.reply_to``, ``replies.address``; ``local+tag@domain`` is
``local@domain``) is delivered into that office's Maildir inbox, as a mail server
would: written in ``tmp/``, renamed into ``new/``, a ``Delivered-To:`` header
prepended. Offices whose inbox is not a Maildir, and mail to any other address, are
left alone (a real SMTP office delivers by its server).

Exactly once. Per sending office, ``<state>/kurir.json`` remembers the outbox files
already looked at (name and mtime: a rewritten file is looked at again) and the
Message-IDs delivered to each office. The courier delivers first and remembers
after; the receiving file's name carries a hash of (office, Message-ID), so a pass
killed in between finds its delivery (in ``new/``, ``cur/``, processed or
quarantined) and does not deliver it again; the receiving engine dedups on
Message-ID as the last guard.

The received time in the Maildir name is the moment the courier delivers, on the
pass's clock (``--now`` when given): the Maildir convention, what a mail server
writes, and fair to the receiving office, whose standards count from when the mail
reached it, not from when the sender wrote it (a pass run with ``--no-courier``, or
a courier that was down, delivers later, and that delay is not the receiver's).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email.utils import getaddresses
from pathlib import Path

from filelock import FileLock, Timeout

from aduan.config import FileMail, MaildirInbox, Settings, load_settings
from aduan.errors import AduanError
from aduan.run.fleet import FleetOffice
from aduan.support.atomic import write_atomic

__all__ = ["Courier", "CourierReport", "CourierStop", "bare", "run_courier"]

logger = logging.getLogger(__name__)

MEMORY_FILE = "kurir.json"
LOCK_FILE = "kurir.lock"
TAG = "kurir"  # the Maildir name's host part: who delivered it


def bare(address: str) -> str:
    """The address compared: lower case, without the ``+tag`` of the local part."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return ""
    return f"{local.split('+', 1)[0]}@{domain}"


@dataclass
class CourierReport:
    """What one pass of the courier did."""

    delivered: int = 0
    to_office: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        """The pass's summary line."""
        line = f"kurir: {self.delivered} email antar-kantor diantar"
        if self.problems:
            line += f"; {len(self.problems)} masalah, pertama: {self.problems[0]}"
        return line


@dataclass
class CourierStop:
    """One fleet office as the courier sees it."""

    name: str
    addresses: frozenset[str]  # bare
    state: Path
    outbox: Path | None  # None: its mail goes by SMTP
    maildir: Path | None  # None: its inbox is IMAP
    tz: tzinfo = UTC

    @classmethod
    def of(cls, name: str, s: Settings) -> CourierStop:
        """From an office's settings."""
        own = (s.mail_identity.from_address, s.mail_identity.reply_to, s.replies.address)
        return cls(
            name,
            frozenset(b for b in (bare(a) for a in own if a) if b),
            s.path(s.paths.state),
            s.path(s.mail.outbox) if isinstance(s.mail, FileMail) else None,
            s.path(s.inbox.path) if isinstance(s.inbox, MaildirInbox) else None,
            s.tz,
        )


class Courier:
    """Delivers the mail between the offices of one fleet (build once, call per pass)."""

    def __init__(self, stops: Iterable[CourierStop]) -> None:
        self.stops = list(stops)
        owners: dict[str, list[CourierStop]] = {}
        for st in self.stops:
            for a in st.addresses:
                owners.setdefault(a, []).append(st)
        self.route: dict[str, CourierStop] = {}
        for a, sts in owners.items():
            if len(sts) > 1:  # two offices claim one address: deliver to neither
                names = ", ".join(x.name for x in sts)
                logger.warning("courier: address %s belongs to several offices (%s)", a, names)
                continue
            self.route[a] = sts[0]

    @classmethod
    def of_fleet(cls, offices: Iterable[FleetOffice]) -> Courier:
        """From the fleet's offices; one whose settings do not load is left out (its own
        cycle names the problem)."""
        stops = []
        for o in offices:
            try:
                stops.append(CourierStop.of(o.name, load_settings(o.settings_file)))
            except AduanError as e:
                logger.info("courier: office %s left out: %s", o.name, e)
        return cls(stops)

    def deliver(
        self, now: datetime | None = None, report: CourierReport | None = None
    ) -> CourierReport:
        """One pass: every new mail from one fleet office to another, delivered once."""
        report = report or CourierReport()
        for st in self.stops:
            if st.outbox is None:
                continue
            try:
                self._from(st, now, report)
            except Timeout:
                logger.info("courier: %s is being delivered by another pass", st.name)
            except OSError as e:
                what = f"{st.name}: kurir gagal ({e.strerror or e})"
                logger.error("courier: %s", what)
                report.problems.append(what)
        return report

    # -------------------------------------------------------------- one sender
    def _from(self, st: CourierStop, now: datetime | None, report: CourierReport) -> None:
        assert st.outbox is not None
        try:
            entries = sorted(e.name for e in os.scandir(st.outbox) if e.name.endswith(".eml"))
        except FileNotFoundError:
            return  # nothing sent yet
        st.state.mkdir(parents=True, exist_ok=True)
        with FileLock(str(st.state / LOCK_FILE), timeout=0):
            memory = _load(st.state / MEMORY_FILE)
            seen: dict[str, int] = memory["seen"]
            done: dict[str, list[str]] = memory["delivered"]
            changed = False
            for name in entries:
                if name.startswith("."):
                    continue  # a temp file of an atomic write
                path = st.outbox / name
                try:
                    mtime = path.stat().st_mtime_ns
                    if seen.get(name) == mtime:
                        continue
                    raw = path.read_bytes()
                except OSError as e:
                    what = f"{st.name}: {name} tidak dapat dibaca ({e.strerror or e}); dilewati"
                    logger.warning("courier: %s", what)
                    report.problems.append(what)
                    continue
                ok = self._one(st, name, raw, now, done, report)
                if ok:
                    seen[name] = mtime
                changed = True
            present = set(entries)
            if set(seen) - present:  # archived or removed: forget them
                memory["seen"] = {n: t for n, t in seen.items() if n in present}
                changed = True
            if changed:
                write_atomic(
                    st.state / MEMORY_FILE,
                    json.dumps(memory, sort_keys=True, separators=(",", ":")),
                    fsync=False,
                )

    def _one(
        self,
        st: CourierStop,
        name: str,
        raw: bytes,
        now: datetime | None,
        done: dict[str, list[str]],
        report: CourierReport,
    ) -> bool:
        """Deliver one outbox file to the fleet offices it names; False when it is broken
        (looked at again next pass, logged again)."""
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        targets: dict[str, tuple[CourierStop, str]] = {}
        for _n, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", [])):
            to = self.route.get(bare(addr))
            if to is not None and to.name != st.name and to.name not in targets:
                targets[to.name] = (to, addr.strip().lower())
        if not targets:
            return True
        mid = str(msg.get("Message-ID") or "").strip()
        if not mid:
            what = f"{st.name}: {name} tanpa Message-ID; tidak diantar"
            logger.warning("courier: %s", what)
            report.problems.append(what)
            return False
        for to, rcpt in targets.values():
            if to.maildir is None:
                logger.debug("courier: %s -> %s: its inbox is not a Maildir", name, to.name)
                continue
            if mid in done.get(to.name, []):
                continue
            fresh = _drop(to, mid, rcpt, raw, now)
            done.setdefault(to.name, []).append(mid)
            if not fresh:
                continue  # delivered by a pass killed before it remembered
            report.delivered += 1
            report.to_office[to.name] = report.to_office.get(to.name, 0) + 1
            logger.info("courier: %s %s -> %s", st.name, mid, to.name)
        return True


def _load(path: Path) -> dict:
    """The sender's memory; a missing or torn one starts afresh (the receiving names
    and the engine's Message-ID dedup keep a re-look from delivering twice)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data.get("seen"), dict) and isinstance(data.get("delivered"), dict):
            return data
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError) as e:
        logger.warning("courier: %s unreadable (%s): starting afresh", path, e)
    return {"seen": {}, "delivered": {}}


def _drop(to: CourierStop, mid: str, rcpt: str, raw: bytes, now: datetime | None) -> bool:
    """Into ``to``'s Maildir, as a delivering agent does; once per (office, Message-ID):
    False when it was there already."""
    assert to.maildir is not None
    unique = "K" + hashlib.sha256(f"{to.name}\0{mid}".encode()).hexdigest()[:24]
    if _already(to.maildir, unique):
        return False
    when = now or datetime.now(UTC)
    if when.tzinfo is None:  # a naive --now is the receiving office's own clock
        when = when.replace(tzinfo=to.tz)
    eol = b"\r\n" if b"\r\n" in raw[:4096] else b"\n"
    data = b"Delivered-To: " + rcpt.encode("utf-8") + eol + raw
    key = f"{int(when.timestamp())}.{unique}.{TAG}"
    for sub in ("tmp", "new", "cur"):
        (to.maildir / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = to.maildir / "tmp" / key
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, to.maildir / "new" / key)
    return True


def _already(maildir: Path, unique: str) -> bool:
    """Delivered before (in the inbox, or moved on: processed, quarantined)?"""
    folders = [maildir]
    try:
        folders += [d for d in maildir.iterdir() if d.name.startswith(".") and d.is_dir()]
    except OSError:
        return False
    return any(any((f / sub).glob(f"*.{unique}.{TAG}*")) for f in folders for sub in ("new", "cur"))


def run_courier(offices: Iterable[FleetOffice], now: datetime | None = None) -> CourierReport:
    """One courier pass over a fleet (what ``aduan run --all`` does after the cycles)."""
    return Courier.of_fleet(offices).deliver(now)
