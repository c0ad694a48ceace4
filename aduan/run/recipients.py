"""Who an email goes to: a notification's roles (and pseudo-recipients) as addresses.

Moved out of :mod:`aduan.run.cycle` (issue 17) when the admin joined the recipients:
a bounce that names a staff address goes to the admin (``admin`` in the settings, else
the head role) and the role's other members, never to the address that failed."""

from __future__ import annotations

from datetime import datetime

from aduan.config import Settings
from aduan.core.engine import ADMIN_ROLE, AGENCY_ROLE, ORIGIN_ROLE
from aduan.core.ids import email_in
from aduan.core.privacy import sees_identity
from aduan.core.sop import Sop
from aduan.mail.spool import SpoolEntry

__all__ = ["ON_CALL_KINDS", "recipients_for", "staff_addresses"]

#: the staff mails an urgent complaint's on-call list gets too
ON_CALL_KINDS = frozenset({"tugas", "pengingat", "eskalasi"})


def recipients_for(settings: Settings, sop: Sop, entry: SpoolEntry) -> list[tuple[list[str], bool]]:
    """[(addresses, show_identity)] for an entry: per role, identity hidden from roles
    other than the officer and the head when the complaint is confidential."""
    n = entry.notification
    confidential = bool(n.context.get("confidential"))
    if n.kind == "ringkasan":  # a daily digest is for one person (aduan.core.digest)
        person = n.context.get("person") or ""
        return [([person], True)] if person else []
    if n.to_complainant:
        addr = email_in(n.context.get("contact"))
        return [([addr], True)] if addr else []
    # issue 17: an address a bounce named is not told that it bounced: it would bounce again
    failed = {str(a).lower() for a in n.context.get("failed_addresses") or ()}
    out = []
    for role in n.to_roles:
        if role == AGENCY_ROLE:  # issue 16: a forwarding goes to the agency's own address
            addr = email_in((n.context.get("agency") or {}).get("email"))
            if addr:
                out.append(([addr], not confidential))
            continue
        if role == ORIGIN_ROLE:  # issue 19: a status back to the office that handed it over
            addr = email_in((n.context.get("origin") or {}).get("address"))
            if addr:
                out.append(([addr], False))  # the status names the ticket, not the person
            continue
        if role == ADMIN_ROLE:
            addrs = list(settings.admin)
            shown = not confidential  # the admin holds no SOP role
            if not addrs:
                addrs = list(settings.roles.get(sop.head_role, []))
                shown = sees_identity(sop.head_role, sop, confidential, settings.identity_roles)
        else:
            addrs = list(settings.roles.get(role, []))
            shown = sees_identity(role, sop, confidential, settings.identity_roles)
        addrs = [a for a in addrs if a.lower() not in failed]
        if addrs:
            out.append((addrs, shown))
    if failed and not out:  # nobody left to fix it: the officer, as for any bounce
        first = sop.first.role
        addrs = [a for a in settings.roles.get(first, []) if a.lower() not in failed]
        if addrs:
            out.append((addrs, True))
    # an urgent complaint's task and ladder decided while the office is closed also
    # reach the on-call list (issue 21); the duty officer holds no SOP role: a
    # confidential identity stays hidden
    on_call = [a for a in settings.urgent.on_call if all(a not in x for x, _ in out)]
    decided = n.context.get("now")
    closed = isinstance(decided, datetime) and not settings.calendar().is_open(decided)
    if n.context.get("urgent") and n.kind in ON_CALL_KINDS and on_call and closed:
        out.append((on_call, not confidential))
    return out


def staff_addresses(settings: Settings) -> frozenset[str]:
    """The office's own addresses (roles, admin, on-call, its own inbox), lower case: the ones a log
    line may name (the admin fixes them); any other address is masked (issue 17)."""
    addrs = [a for v in settings.roles.values() for a in v]
    addrs += [*settings.admin, *settings.urgent.on_call]
    ident = settings.mail_identity
    addrs += [ident.from_address, ident.reply_to, getattr(settings.inbox, "user", "")]
    return frozenset(a.lower() for a in addrs)
