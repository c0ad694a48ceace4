"""A steady cycle's agenda (issue 19): the rows time alone can still move.

When the register is exactly as the last cycle left it and no mail came in, the
engine fed that register decides nothing new at the same ``now`` (its fixed-point
property), and at a later ``now`` only the clock can make a difference. The clock
matters for few rows:

* an open complaint: its step deadline and ladder, the overall deadline and its
  warning, the wait for the complainant (reminder, closing), *Terlambat* turning
  *Ya*, the daily overdue summary, a kabar reminder — every open row is weighed
  each cycle (they are few: a register's open complaints, not its years);
* a closed complaint with a kabar task not yet confirmed nor reminded
  (:func:`aduan.core.engine.relay.remind`), until that one reminder went out;
* both rows of a duplicate ticket (the engine logs the second every cycle).

Every other row is a closed complaint nothing can happen to by time alone (its
*Terlambat* is fixed by its history, a typed rating was recorded when typed): it
costs nothing in a steady cycle. Whatever the cycle would weigh is kept here with
the meta, so a steady cycle neither reads nor loads the whole register.

An agenda is only made from a decision that did nothing (:func:`idle`) on the whole
register: that register is then a fixed point, and the agenda's rows decide exactly
what the whole register would (``tests/test_change_detection.py`` compares the two).
A register with a row staff typed in without a number gets no agenda (numbering
looks at every ticket). A rule that makes a *closed* row act by time alone must be
added to :func:`live` — the comparison test would fail otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aduan.core.engine.config import Decision
from aduan.core.engine.kabar import OK, REMIND
from aduan.core.engine.relay import _parts, _relays
from aduan.core.layout import C
from aduan.core.model import Row, Snapshot
from aduan.core.sop import Sop
from aduan.core.state import RowState

__all__ = ["Agenda", "idle", "live", "plan"]


@dataclass
class Agenda:
    """What a steady cycle decides from: the live rows of an unchanged register and
    its meta; ``total`` is how many rows the register holds."""

    headers: list[str]
    rows: list[Row]
    meta: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    total: int = 0

    def view(self) -> Snapshot:
        """The snapshot the engine decides from (a copy: the engine may edit rows)."""
        rows = [Row(r.index, dict(r.values)) for r in self.rows]
        return Snapshot(list(self.headers), rows, dict(self.meta), list(self.problems))


def idle(d: Decision) -> bool:
    """True when a decision changes nothing: no write, email, document or mail taken."""
    return (
        d.writes.is_empty()
        and not d.notifications
        and not d.documents
        and not d.attachments
        and not d.consumed
    )


def live(st: RowState, sop: Sop) -> bool:
    """Can time alone still make this complaint act? (Open: always.)"""
    if not st.closed:
        return True
    for short, when in _relays(st):  # a kabar task's reminder still to go
        if when is None or f"{OK}|{short}" in st.sent or "~" in short:
            continue
        step_id, kind, n = _parts(short)
        sid = step_id if sop.has_step(step_id) else "-"
        if f"{sid}|{kind}|{n}{REMIND}|pengadu" not in st.sent:
            return True
    return False


def plan(snap: Snapshot, states: Mapping[str, RowState], sop: Sop) -> Agenda | None:
    """The agenda of ``snap`` after an idle decision (``states``: each ticket's state
    as that decision left it); None when the register cannot have one."""
    keep: list[Row] = []
    seen: dict[str, Row] = {}
    for row in snap.rows:
        ticket = row.get(C.TICKET)
        if not ticket:
            if any(row.get(c) for c in (C.NAME, C.CONTACT, C.SUBJECT, C.TEXT)):
                return None  # a typed row: its number depends on every ticket
            continue
        first = seen.setdefault(ticket, row)
        if first is not row:  # a duplicate: both rows, every cycle
            if not any(r is first for r in keep):
                keep.append(first)
            keep.append(row)
            continue
        st = states.get(ticket)
        if st is None or live(st, sop):
            keep.append(row)
    keep.sort(key=lambda r: r.index)
    return Agenda(
        headers=list(snap.headers),
        rows=keep,
        meta=dict(snap.meta),
        problems=list(snap.problems),
        total=len(snap.rows),
    )
