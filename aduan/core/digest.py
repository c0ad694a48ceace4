"""The daily overdue summary (*ringkasan*): one email per person each working day,
listing every overdue item that is theirs to act on, and those of the people they
supervise, until it is done (issue 21; on by default).

A person's own items say how late each one is and what to do — the step, and the
reply address and commands of that step, so they can decide from the summary. A
superior (the SOP's ``superiors``; the head sees every late complaint) is listed the
overdue items of the people under them, to follow up. A confidential complaint's
subject is hidden from whoever may not see its identity (:mod:`aduan.core.privacy`).
Each summary's key is ``ringkasan|<date>|<address>``: one Message-ID per person and day.

Pure: :func:`build_digests` only builds the notifications; when they are queued is
the run's business (:mod:`aduan.run.digest_step`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aduan.core.layout import C
from aduan.core.model import Notification, Snapshot
from aduan.core.privacy import is_confidential, redact, sees_identity
from aduan.core.replies import ReplyKeys, commands_help, make_token, reply_address
from aduan.core.service import digest_fields
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
    keys: ReplyKeys | None = None,
    address: str = "",
) -> list[Notification]:
    """One notification per staff address (``roles``: role -> addresses) that has
    overdue work of its own or of the people it supervises; none for the others."""
    now = cal.local(now)
    overdue: list[tuple[str, dict[str, Any], bool]] = []  # (role acting, item, secret)
    for ticket, row, st in tracked_rows(snap.rows):
        if st.closed or not sop.has_step(st.step):
            continue
        # issue 20: an item is overdue by its step or by the overall deadline
        # (core.service.digest_fields); none while the complainant is waited for
        svc = digest_fields(st, now)
        step_late = bool(st.deadline and now > st.deadline)
        if svc["waiting"] or not (step_late or svc["service_late"]):
            continue
        step = sop.step(st.step)
        item: dict[str, Any] = {
            "ticket": ticket,
            "subject": row.get(C.SUBJECT),
            "category": row.get(C.CATEGORY),
            "step_number": step.number,
            "step_label": step.label,
            "step_id": step.id,
            "role": sop.role_label(step.actor),
            "started": st.since,
            "deadline": st.deadline,
            "late": True,
            "late_minutes": (
                int(cal.working_minutes(st.deadline, now)) if st.deadline and step_late else 0
            ),
            **svc,
            "commands": commands_help(step),
            "reply_to": "",
        }
        if keys is not None and address and step.replies:
            token = make_token(keys.current, ticket, step.id, step.actor)
            item["reply_to"] = reply_address(address, token)
        overdue.append((step.actor, item, is_confidential(row.values, confidential_default)))

    people: dict[str, list[str]] = {}
    for role, addrs in roles.items():
        for a in addrs:
            people.setdefault(a.lower(), []).append(role)
    day = now.date().isoformat()
    out: list[Notification] = []
    for addr, held in sorted(people.items()):
        mine = set(held)
        own: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        for actor, item, secret in overdue:
            shown = dict(item)
            if not sees_identity(mine, sop, secret):
                shown["subject"] = redact(shown["subject"])
            if actor in mine:
                own.append(shown)
            elif sop.superiors.get(actor) in mine or sop.head_role in mine:
                shown["reply_to"], shown["commands"] = "", []  # not theirs to decide
                others.append(shown)
        if not own and not others:
            continue
        for items in (own, others):
            items.sort(key=lambda i: (-i["late_minutes"], i["ticket"]))
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
                    "own": own,
                    "others": others,
                    "items": own + others,
                    "late_count": len(own) + len(others),
                    "sop_name": sop.name,
                    "sop_number": sop.number,
                },
            )
        )
    return out
