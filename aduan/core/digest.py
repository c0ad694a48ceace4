"""The optional daily digest: one email per person listing their open and late tasks.

With ``digest: true`` in the settings, the first cycle of each working day that
runs while the office is open queues one ``ringkasan`` email per staff address:
every open complaint whose current step is that person's (by role), late ones
first. The head also sees every late complaint of the office, since late steps
are escalated to them. Individual task emails are still sent; the digest is the
morning overview.

Idempotent: each digest's key is ``ringkasan|<date>|<address>`` (hence one
Message-ID per person and day), entries go straight to the spool's ``pending``,
and a small state file remembers the day that was done, written after queuing —
a run killed in between queues the same keys again, which the spool ignores.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from aduan.core.engine import RowState
from aduan.core.layout import C
from aduan.core.model import Notification, Snapshot
from aduan.core.worktime import WorkCalendar
from aduan.mail.compose import HIDDEN
from aduan.mail.spool import Spool

__all__ = ["KIND", "build_digests", "queue_digests"]

logger = logging.getLogger(__name__)

KIND = "ringkasan"
_YES = {"ya", "y", "yes", "true", "1"}
_NO = {"tidak", "t", "no", "false", "0"}


def _confidential(values: dict[str, str], default: bool) -> bool:
    v = (values.get(C.CONFIDENTIAL) or "").strip().casefold()
    return True if v in _YES else False if v in _NO else default


def build_digests(
    snap: Snapshot, settings: Any, sop: Any, cal: WorkCalendar, now: datetime
) -> list[Notification]:
    """One notification per staff address with open tasks (pure: no I/O)."""
    now = cal.local(now)
    open_items: list[tuple[set[str], dict[str, Any], bool]] = []
    for row in snap.rows:
        ticket = row.get(C.TICKET)
        if not ticket:
            continue
        try:
            st = RowState.loads(row.get(C.STATE))
        except ValueError:
            continue
        if st.closed or not sop.has_step(st.step):
            continue
        step = sop.step(st.step)
        late = bool(st.deadline and now > st.deadline)
        item = {
            "ticket": ticket,
            "subject": row.get(C.SUBJECT),
            "category": row.get(C.CATEGORY),
            "step_number": step.number,
            "step_label": step.label,
            "role": sop.role_label(step.actor),
            "started": st.since,
            "deadline": st.deadline,
            "late": late,
            "late_minutes": int(cal.working_minutes(st.deadline, now)) if late else 0,
        }
        roles = set(step.task_roles) or {step.actor}
        open_items.append((roles, item, _confidential(row.values, settings.confidential_default)))

    people: dict[str, list[str]] = {}
    for role, addrs in settings.roles.items():
        for a in addrs:
            people.setdefault(a.lower(), []).append(role)
    privileged = {sop.first.role, sop.head_role}
    day = now.date().isoformat()
    out: list[Notification] = []
    for addr, roles in sorted(people.items()):
        mine = set(roles)
        sees_all_late = sop.head_role in mine
        shows_identity = bool(mine & privileged)
        items = []
        for task_roles, item, secret in open_items:
            if task_roles & mine or (sees_all_late and item["late"]):
                items.append(
                    {**item, "subject": HIDDEN} if secret and not shows_identity else dict(item)
                )
        if not items:
            continue
        items.sort(key=lambda i: (not i["late"], i["deadline"] or now, i["ticket"]))
        out.append(
            Notification(
                key=f"{KIND}|{day}|{addr}",
                kind=KIND,
                ticket="",
                step_id=None,
                to_roles=tuple(roles),
                context={
                    "now": now,
                    "person": addr,
                    "items": items,
                    "late_count": sum(1 for i in items if i["late"]),
                    "sop_name": sop.name,
                    "sop_number": sop.number,
                },
            )
        )
    return out


def queue_digests(settings: Any, spool: Spool, sop: Any, snap: Snapshot, now: datetime) -> int:
    """Queue today's digests once, at the first open-office cycle; the number queued."""
    if not getattr(settings, "digest", False):
        return 0
    cal = settings.calendar()
    if not cal.is_open(now):
        return 0
    day = cal.local(now).date().isoformat()
    marker = Path(settings.path(settings.paths.state)) / "ringkasan-terakhir"
    try:
        if marker.read_text(encoding="utf-8").strip() == day:
            return 0
    except OSError:
        pass  # never sent yet
    notes = build_digests(snap, settings, sop, cal, now)
    if notes:
        spool.stage(notes)
        spool.commit([n.key for n in notes])
    _write_atomic(marker, day)
    logger.info("daily digest %s: %d queued", day, len(notes))
    return len(notes)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
