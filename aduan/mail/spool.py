"""A durable queue of emails on disk, between the engine's decision and the send.

Why: the engine records an email as emitted in the register row's state, and
the register write and the send are two different systems; a crash between
them must neither lose the email nor send it twice. So a cycle

1. *stages* each new notification here (``staged/``) before the register write;
2. after the write succeeded, *commits* them (``pending/``); a later cycle
   that finds staged entries left by a killed run commits those whose key the
   register confirms (the row's state lists it) and drops the others;
3. sends pending entries whose ``not_before`` has come (office hours), moving
   each to ``sent/`` once the server accepted it, or back to ``pending/`` with
   an attempt count (transient failure), or to ``failed/`` (permanent);
4. reports sent entries not yet written to *Riwayat*; the next register write
   logs them and they are deleted.

Each entry is one JSON file named by a hash of its idempotency key, written to a
temp file and renamed, so a kill mid-write never leaves half an entry and the
same key always lands on the same file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aduan.core.model import Notification
from aduan.support.atomic import write_atomic

__all__ = ["Spool", "SpoolEntry", "dumps", "loads"]

logger = logging.getLogger(__name__)

STATES = ("staged", "pending", "sent", "failed")
MAX_ATTEMPTS = 20  # about a day and a half of 5-minute cycles of a down server


def _encode(o: Any) -> Any:
    if isinstance(o, datetime):
        return {"$dt": o.isoformat()}
    if isinstance(o, date):
        return {"$date": o.isoformat()}
    if isinstance(o, tuple | set):
        return list(o)
    raise TypeError(f"cannot store {type(o).__name__}")


def _decode(d: dict[str, Any]) -> Any:
    if "$dt" in d and len(d) == 1:
        return datetime.fromisoformat(d["$dt"])
    if "$date" in d and len(d) == 1:
        return date.fromisoformat(d["$date"])
    return d


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=_encode, ensure_ascii=False)


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_decode)


@dataclass
class SpoolEntry:
    """One queued email: the notification, its state and delivery bookkeeping."""

    notification: Notification
    state: str = "staged"
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None
    message_id: str = ""
    recipients: list[str] = field(default_factory=list)
    #: addresses refused for good (5xx) -> server reply: never tried again
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.notification.key

    def to_json(self) -> str:
        n = self.notification
        return dumps(
            {
                "notification": {
                    "key": n.key,
                    "kind": n.kind,
                    "ticket": n.ticket,
                    "step_id": n.step_id,
                    "to_roles": list(n.to_roles),
                    "to_complainant": n.to_complainant,
                    "not_before": n.not_before,
                    "attachments": list(n.attachments),
                    "context": n.context,
                },
                "attempts": self.attempts,
                "last_error": self.last_error,
                "sent_at": self.sent_at,
                "message_id": self.message_id,
                "recipients": self.recipients,
                "refused": self.refused,
            }
        )

    @classmethod
    def from_json(cls, text: str, state: str) -> SpoolEntry:
        d = loads(text)
        n = d["notification"]
        notif = Notification(
            key=n["key"],
            kind=n["kind"],
            ticket=n["ticket"],
            step_id=n["step_id"],
            to_roles=tuple(n["to_roles"]),
            to_complainant=n["to_complainant"],
            not_before=n["not_before"],
            attachments=tuple(n["attachments"]),
            context=n["context"],
        )
        return cls(
            notif,
            state,
            d.get("attempts", 0),
            d.get("last_error", ""),
            d.get("sent_at"),
            d.get("message_id", ""),
            d.get("recipients", []),
            d.get("refused", {}),
        )


class Spool:
    """The on-disk queue under ``root`` (one folder per state)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        for s in STATES:
            (self.root / s).mkdir(parents=True, exist_ok=True)

    @staticmethod
    def _name(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".json"

    def _path(self, state: str, key: str) -> Path:
        return self.root / state / self._name(key)

    def _write(self, entry: SpoolEntry, state: str) -> None:
        # no fsync per file: stage() and commit() call os.sync() once per batch
        # (500 new complaints made 4,000 fsyncs, about 15 s)
        # (the temp name ends .tmp, so entries() never reads a half-written one)
        write_atomic(self._path(state, entry.key), entry.to_json(), fsync=False)
        entry.state = state

    def _move(self, entry: SpoolEntry, state: str) -> None:
        """Write the entry (with its new bookkeeping) under ``state``, drop the old file."""
        old = entry.state
        self._write(entry, state)
        if old != state:
            self._path(old, entry.key).unlink(missing_ok=True)

    def _rename(self, entry: SpoolEntry, state: str) -> None:
        """Move an unchanged entry to ``state`` (a rename: atomic, no rewrite)."""
        os.replace(self._path(entry.state, entry.key), self._path(state, entry.key))
        entry.state = state

    def known(self, key: str) -> str | None:
        """The state an entry with this key is in, if any."""
        for s in STATES:
            if self._path(s, key).exists():
                return s
        return None

    def entries(self, state: str) -> list[SpoolEntry]:
        out = []
        for p in sorted((self.root / state).glob("*.json")):
            try:
                out.append(SpoolEntry.from_json(p.read_text(encoding="utf-8"), state))
            except (OSError, ValueError, KeyError, TypeError) as e:
                logger.error("spool entry %s unreadable (%s); moved aside", p.name, e)
                p.rename(p.with_suffix(".rusak"))
        return out

    # -- the protocol
    def stage(self, notifications: Iterable[Notification]) -> int:
        """Stage new notifications (before the register write). Already known keys are kept."""
        n = 0
        for notif in notifications:
            if self.known(notif.key) in ("pending", "sent", "failed"):
                continue
            self._write(SpoolEntry(notif), "staged")
            n += 1
        if n:
            os.sync()  # staged entries must be on disk before the register says "emitted"
        return n

    def commit(self, keys: Iterable[str] | None = None) -> int:
        """Move staged entries (all, or those with ``keys``) to pending."""
        want = set(keys) if keys is not None else None
        n = 0
        for e in self.entries("staged"):
            if want is None or e.key in want:
                self._rename(e, "pending")
                n += 1
        if n:
            os.sync()
        return n

    def recover(self, confirmed: set[str]) -> tuple[int, int]:
        """After a killed run: commit staged entries the register confirms, drop the rest."""
        kept = dropped = 0
        for e in self.entries("staged"):
            if e.key in confirmed:
                self._rename(e, "pending")
                kept += 1
            else:
                self._path("staged", e.key).unlink(missing_ok=True)
                logger.warning("dropped staged email %s: its register write never happened", e.key)
                dropped += 1
        return kept, dropped

    def discard_staged(self) -> int:
        """Drop everything staged (the register write failed; the engine will decide again)."""
        n = 0
        for p in (self.root / "staged").glob("*.json"):
            p.unlink(missing_ok=True)
            n += 1
        return n

    def due(self, now: datetime) -> list[SpoolEntry]:
        """Pending entries whose time has come, oldest decision first."""
        out = [
            e
            for e in self.entries("pending")
            if e.notification.not_before is None or e.notification.not_before <= now
        ]
        return sorted(out, key=lambda e: (e.notification.context.get("now") or now, e.key))

    def mark_sent(
        self, entry: SpoolEntry, when: datetime, message_id: str, recipients: list[str]
    ) -> None:
        entry.sent_at, entry.message_id, entry.recipients = when, message_id, recipients
        self._move(entry, "sent")

    def mark_failed(self, entry: SpoolEntry, error: str, *, permanent: bool) -> None:
        entry.attempts += 1
        entry.last_error = error[:500]
        if permanent or entry.attempts >= MAX_ATTEMPTS:
            self._move(entry, "failed")
        else:
            self._write(entry, "pending")

    def sent_unlogged(self) -> list[SpoolEntry]:
        return self.entries("sent") + [e for e in self.entries("failed") if not e.sent_at]

    def forget(self, entries: Iterable[SpoolEntry]) -> None:
        """Remove entries whose outcome is now in *Riwayat*."""
        for e in entries:
            self._path(e.state, e.key).unlink(missing_ok=True)

    def counts(self) -> dict[str, int]:
        return {s: len(list((self.root / s).glob("*.json"))) for s in STATES}
