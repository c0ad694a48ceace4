"""One complaint's progress as it lives in the hidden *Data Sistem* cell, and the one
way to walk the register's tracked rows (ticket and readable state)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from aduan.core.layout import C
from aduan.core.model import Row

__all__ = ["DUPLICATE", "RowState", "Tracked", "tracked_rows"]

logger = logging.getLogger(__name__)

#: The reason :func:`tracked_rows` gives for the second row of a ticket.
DUPLICATE = "nomor aduan ganda di register"


def iso(dt: datetime | None) -> str | None:
    """A datetime as the state stores it (ISO 8601 to the second), None for None."""
    return dt.isoformat(timespec="seconds") if dt else None


def aware(text: str | None) -> datetime | None:
    """An ISO text back to an aware datetime; None when empty, unreadable or naive."""
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return d if d.tzinfo else None


@dataclass
class RowState:
    """One complaint's progress (stored as JSON in the *Data Sistem* cell)."""

    step: str
    since: datetime
    deadline: datetime | None
    received: datetime
    hist: list[list[str | None]] = field(default_factory=list)  # [step, start, deadline, done]
    sent: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    closed: datetime | None = None
    outcome: str | None = None
    #: the numbers this complaint was given, never given again: "agenda" -> its
    #: buku agenda number, a document name -> that document's number (issue 22)
    nums: dict[str, str] = field(default_factory=dict)
    # -- issue 20: the service standard (aduan.core.service, aduan.core.engine.service)
    #: the *Jenis Aduan* the overall deadline was computed for ("" = office default)
    kind: str = ""
    #: the overall deadline (moved on by the time waited for the complainant)
    sdue: datetime | None = None
    #: when the office first responded (a step done by a person, a request to the complainant)
    first: datetime | None = None
    #: the current wait for the complainant: since (ISO), what was asked, step, reminded
    pause: dict[str, str] | None = None
    #: finished waits: [start, end, what asked]
    pauses: list[list[str]] = field(default_factory=list)
    #: working minutes waited, all finished waits together
    pmin: int = 0
    # -- issue 19: hand-offs between offices that both run Aduan (aduan.core.handoff)
    #: a complaint handed to this office: the origin office's id, name, address, ticket
    origin: dict[str, str] = field(default_factory=dict)
    #: a complaint this office handed on: the agency's number, status, outcome, when
    fwd: dict[str, str] = field(default_factory=dict)

    def dumps(self) -> str:
        """The cell text: compact JSON, version 1."""
        data: dict[str, object] = {
            "v": 1,
            "step": self.step,
            "since": iso(self.since),
            "due": iso(self.deadline),
            "recv": iso(self.received),
            "hist": self.hist,
            "sent": self.sent,
            "docs": self.docs,
        }
        if self.nums:
            data["nums"] = self.nums
        if self.closed:
            data["closed"] = iso(self.closed)
            data["outcome"] = self.outcome
        svc: dict[str, object] = {
            "kind": self.kind,
            "due": iso(self.sdue),
            "first": iso(self.first),
            "pause": self.pause,
            "pauses": self.pauses,
            "pmin": self.pmin,
        }
        svc = {k: v for k, v in svc.items() if v}
        if svc:
            data["svc"] = svc  # issue 20: only when there is something to keep
        if self.origin:
            data["origin"] = self.origin  # issue 19
        if self.fwd:
            data["fwd"] = self.fwd
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> RowState:
        """Parse a cell; ValueError when it is not a state Aduan wrote."""
        try:
            d = json.loads(text)
        except (TypeError, ValueError) as e:
            raise ValueError(f"not JSON ({e})") from None
        if not isinstance(d, dict) or d.get("v") != 1:
            raise ValueError("unknown format")
        since, recv = aware(d.get("since")), aware(d.get("recv"))
        if not since or not recv or not isinstance(d.get("step"), str):
            raise ValueError("missing step or times")
        return cls(
            step=d["step"],
            since=since,
            deadline=aware(d.get("due")),
            received=recv,
            hist=[list(h) for h in d.get("hist", []) if isinstance(h, list) and len(h) == 4],
            sent=[s for s in d.get("sent", []) if isinstance(s, str)],
            docs=[s for s in d.get("docs", []) if isinstance(s, str)],
            closed=aware(d.get("closed")),
            outcome=d.get("outcome"),
            nums=_nums(d.get("nums")),
            **_svc(d.get("svc")),
            origin=_strings(d.get("origin")),
            fwd=_strings(d.get("fwd")),
        )

    def was_late(self) -> bool:
        """True if a finished step ended after its deadline."""
        for _step, _start, due, done in self.hist:
            d, e = aware(due), aware(done)
            if d and e and e > d:
                return True
        return False


def _strings(raw: object) -> dict[str, str]:
    """A string-to-string mapping of a state cell; anything else is dropped."""
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


def _svc(raw: object) -> dict[str, Any]:
    """The service-standard fields of a state cell (issue 20); what is unreadable is dropped."""
    if not isinstance(raw, dict):
        return {}
    pause = raw.get("pause")
    pmin = raw.get("pmin")
    return {
        "kind": raw["kind"] if isinstance(raw.get("kind"), str) else "",
        "sdue": aware(raw.get("due")),
        "first": aware(raw.get("first")),
        "pause": (
            {str(k): str(v) for k, v in pause.items()}
            if isinstance(pause, dict) and aware(pause.get("since"))
            else None
        ),
        "pauses": [
            [str(x) for x in p]
            for p in raw.get("pauses") or []
            if isinstance(p, list) and len(p) == 3
        ],
        "pmin": pmin if isinstance(pmin, int) and pmin > 0 else 0,
    }


def _nums(raw: object) -> dict[str, str]:
    """The ``nums`` mapping of a state cell; what is not text is dropped."""
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


class Tracked(NamedTuple):
    """A register row Aduan tracks: its ticket, the row, and its parsed state."""

    ticket: str
    row: Row
    state: RowState


def tracked_rows(
    rows: Iterable[Row], on_skip: Callable[[str, str], None] | None = None
) -> Iterator[Tracked]:
    """The rows with a ticket and a readable state, in register order.

    A row without a ticket (typed in by staff, numbered by the next run) is passed
    over silently. The second row of a ticket is skipped (the engine ignores it
    too), and so is a row whose *Data Sistem* cannot be read; each skipped row is
    logged once and, when ``on_skip`` is given, passed to it as (ticket, reason) so
    a caller can report it in its own words.
    """
    seen: set[str] = set()
    for row in rows:
        ticket = row.get(C.TICKET)
        if not ticket:
            continue
        if ticket in seen:
            reason = DUPLICATE
        else:
            seen.add(ticket)
            try:
                state = RowState.loads(row.get(C.STATE))
            except ValueError as e:
                reason = f"Data Sistem tidak terbaca ({e})"
            else:
                yield Tracked(ticket, row, state)
                continue
        logger.debug("%s: %s; baris dilewati", ticket, reason)
        if on_skip is not None:
            on_skip(ticket, reason)
