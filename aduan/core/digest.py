"""The optional daily digest: one email per person listing their open and late tasks.

Every open complaint whose current step is that person's (by role), late ones
first. The head also sees every late complaint of the office, since late steps
are escalated to them. A confidential complaint's subject is hidden from whoever
may not see its identity (:mod:`aduan.core.privacy`). Each digest's key is
``ringkasan|<date>|<address>``: one Message-ID per person and day.

Pure: :func:`build_digests` only builds the notifications; when and whether they
are queued is the run's business (:mod:`aduan.run.digest_step`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aduan.core.layout import C
from aduan.core.model import Notification, Snapshot
from aduan.core.privacy import is_confidential, redact, sees_identity
from aduan.core.sop import Sop
from aduan.core.state import tracked_rows
from aduan.core.worktime import WorkCalendar

__all__ = ["KIND", "build_digests"]

KIND = "ringkasan"


def build_digests(
    snap: Snapshot,
    sop: Sop,
    cal: WorkCalendar,
    now: datetime,
    *,
    roles: Mapping[str, Sequence[str]],
    confidential_default: bool = False,
) -> list[Notification]:
    """One notification per staff address (``roles``: role -> addresses) with open tasks."""
    now = cal.local(now)
    open_items: list[tuple[set[str], dict[str, Any], bool]] = []
    for ticket, row, st in tracked_rows(snap.rows):
        if st.closed or not sop.has_step(st.step):
            continue
        step = sop.step(st.step)
        late = bool(st.deadline and now > st.deadline)
        item: dict[str, Any] = {
            "ticket": ticket,
            "subject": row.get(C.SUBJECT),
            "category": row.get(C.CATEGORY),
            "step_number": step.number,
            "step_label": step.label,
            "role": sop.role_label(step.actor),
            "started": st.since,
            "deadline": st.deadline,
            "late": late,
            "late_minutes": (
                int(cal.working_minutes(st.deadline, now)) if late and st.deadline else 0
            ),
        }
        task_roles = set(step.task_roles) or {step.actor}
        open_items.append((task_roles, item, is_confidential(row.values, confidential_default)))

    people: dict[str, list[str]] = {}
    for role, addrs in roles.items():
        for a in addrs:
            people.setdefault(a.lower(), []).append(role)
    day = now.date().isoformat()
    out: list[Notification] = []
    for addr, held in sorted(people.items()):
        mine = set(held)
        sees_all_late = sop.head_role in mine
        items = []
        for task_roles, item, secret in open_items:
            if task_roles & mine or (sees_all_late and item["late"]):
                shown = dict(item)
                if not sees_identity(mine, sop, secret):
                    shown["subject"] = redact(shown["subject"])
                items.append(shown)
        if not items:
            continue
        items.sort(key=lambda i: (not i["late"], i["deadline"] or now, i["ticket"]))
        out.append(
            Notification(
                key=f"{KIND}|{day}|{addr}",
                kind=KIND,
                ticket="",
                step_id=None,
                to_roles=tuple(held),
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
