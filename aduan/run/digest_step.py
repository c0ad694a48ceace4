"""Queue the daily overdue summary (:mod:`aduan.core.digest`) once per working day.

With ``digest: true`` (the default), the first cycle of each working day that runs
while the office is open queues one ``ringkasan`` email per staff address that has
overdue work: everything overdue is named again every working day until it is done.

Idempotent: entries go straight to the spool's ``pending`` under keys fixed per
person and day, and a small state file remembers the day that was done, written
after queuing — a run killed in between queues the same keys again, which the
spool ignores.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aduan.config import Settings
from aduan.core.digest import build_digests
from aduan.core.model import Snapshot
from aduan.core.sop import Sop
from aduan.mail.spool import Spool
from aduan.run.wiring import reply_keys
from aduan.support.atomic import write_atomic

__all__ = ["MARKER", "queue_digests"]

logger = logging.getLogger(__name__)

MARKER = "ringkasan-terakhir"  # in the state folder: the day whose digests were queued


def queue_digests(settings: Settings, spool: Spool, sop: Sop, snap: Snapshot, now: datetime) -> int:
    """Queue today's digests once, at the first open-office cycle; the number queued."""
    if not settings.digest:
        return 0
    cal = settings.calendar()
    if not cal.is_open(now):
        return 0
    day = cal.local(now).date().isoformat()
    marker = settings.path(settings.paths.state) / MARKER
    try:
        if marker.read_text(encoding="utf-8").strip() == day:
            return 0
    except OSError:
        pass  # never sent yet
    roles = {r: tuple(a) for r, a in settings.roles.items()}
    notes = build_digests(
        snap,
        sop,
        cal,
        now,
        roles=roles,
        confidential_default=settings.confidential_default,
        keys=reply_keys(settings),
        address=settings.reply_address,
    )
    if notes:
        spool.stage(notes)
        spool.commit([n.key for n in notes])
    write_atomic(marker, day)
    logger.info("daily digest %s: %d queued", day, len(notes))
    return len(notes)
