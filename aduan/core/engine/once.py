"""Exactly once: every inbound email is handled once per Message-ID, whatever the mailbox does.

A second mail client, a user moving mail back to the INBOX, a server migration:
processed mail can come back without its processed flag. Complaints are
de-duplicated by their row's source column and decisions by the row's state,
but a reply or a bounce leaves no such mark, so each handled Message-ID (the
parser gives mail without one a content hash) is kept in the register's own
meta as a short hash. The list is bounded: the newest ``MAX_HANDLED`` hashes,
which fit one cell (xlsx holds 32,767 characters).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta

from aduan.core.mailkind import daemon_like
from aduan.core.model import InboundMail

__all__ = ["HANDLED_META", "MAX_HANDLED", "SYSTEM_DOMAINS_META", "Handled", "system_domains"]

HANDLED_META = "email_diproses"
MAX_HANDLED = 2500  # 11 characters each: 27,500 of a cell's 32,767
_WIDTH = 10  # 40 bits: a new id collides with one of 2,500 kept about once in 4 * 10^8


class Handled:
    """The hashes of handled Message-IDs, oldest first."""

    def __init__(self, text: str = "") -> None:
        self.order = [h for h in (text or "").split() if len(h) == _WIDTH]
        self.known = set(self.order)
        self.changed = False

    @staticmethod
    def mark(message_id: str) -> str:
        return hashlib.sha256(message_id.strip().encode()).hexdigest()[:_WIDTH]

    def __contains__(self, message_id: str) -> bool:
        return self.mark(message_id) in self.known

    def add(self, message_id: str) -> None:
        h = self.mark(message_id)
        if h in self.known:
            return
        self.order.append(h)
        self.known.add(h)
        self.changed = True

    def dumps(self) -> str:
        """The cell text: the newest MAX_HANDLED hashes."""
        return " ".join(self.order[-MAX_HANDLED:])


# -- part 4c: the domains that send system mail, for the per-domain acknowledgement cap
SYSTEM_DOMAINS_META = "domain_email_sistem"
SYSTEM_DOMAINS_DAYS = 30  # a domain seen sending daemon mail stays capped this long
MAX_SYSTEM_DOMAINS = 300


def _daemon_mail(mail: InboundMail) -> bool:
    """System mail with a null sender or from the mail system itself (not a person's
    out-of-office reply from an ordinary address, which says nothing about the domain)."""
    if mail.kind == "complaint" or mail.channel != "Email":
        return False
    why = mail.reason.lower()
    return "null" in why or "daemon" in why or "empty from" in why or daemon_like(mail.from_addr)


def system_domains(text: str, mails: Iterable[InboundMail], today: date) -> tuple[set[str], str]:
    """(the domains, the new meta text) from the kept ``domain=YYYY-MM-DD`` entries and
    this cycle's mail; entries older than SYSTEM_DOMAINS_DAYS are dropped."""
    seen: dict[str, str] = {}
    oldest = (today - timedelta(days=SYSTEM_DOMAINS_DAYS)).isoformat()
    for item in (text or "").split():
        dom, _, day = item.partition("=")
        if dom and day >= oldest:
            seen[dom] = max(day, seen.get(dom, ""))
    for mail in mails:
        dom = mail.from_addr.rpartition("@")[2].strip().lower()
        if dom and _daemon_mail(mail):
            seen[dom] = today.isoformat()
    newest = sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))[-MAX_SYSTEM_DOMAINS:]
    return {d for d, _ in newest}, " ".join(f"{d}={day}" for d, day in sorted(newest))
