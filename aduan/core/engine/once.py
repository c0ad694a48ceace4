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

__all__ = ["HANDLED_META", "MAX_HANDLED", "Handled"]

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
