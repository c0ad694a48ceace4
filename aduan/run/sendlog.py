"""The *Riwayat* rows of the emails the last cycle sent (issue 22): what went to whom,
in Indonesian by role; the Message-ID, addresses and server replies stay in the spool
and the run's log (:func:`aduan.core.riwayat.sent_text` words them)."""

from __future__ import annotations

from collections.abc import Callable

from aduan.core import idfmt
from aduan.core.ids import email_in
from aduan.core.riwayat import sent_text
from aduan.mail.compose import COMPLAINANT_KINDS
from aduan.mail.spool import SpoolEntry

__all__ = ["history_of_sends"]


def history_of_sends(
    entries: list[SpoolEntry], role_label: Callable[[str], str], folded: str = "\0"
) -> list[dict[str, str]]:
    """Send records for people (issue 22): what went to whom in Indonesian; the
    Message-ID, addresses and server replies stay in the spool and the run's log.
    ``folded``: how an error starts for a mail folded into the daily summary."""
    rows = []
    for e in entries:
        n = e.notification
        ok = e.sent_at is not None
        step = n.context.get("step") if isinstance(n.context.get("step"), dict) else None
        rows.append(
            {
                "Waktu": idfmt.tanggal_pendek(e.sent_at or n.context.get("now")),
                "No. Aduan": n.ticket,
                "Peristiwa": (
                    "Email terkirim"
                    if ok
                    else "Email dirangkum"
                    if e.last_error.startswith(folded)
                    else "Email gagal terkirim"
                ),
                "Pelaku": "Sistem",
                "Keterangan": sent_text(
                    n.kind,
                    step_number=(step or {}).get("number"),
                    to_complainant=n.to_complainant or n.kind in COMPLAINANT_KINDS,
                    roles=n.to_roles,
                    role_label=role_label,
                    ok=ok,
                    refused=e.refused,
                    error=e.last_error,
                    complainant=email_in(str(n.context.get("contact") or "")),
                ),
                "Kunci": f"{n.key}|{'kirim' if ok else 'gagal'}",
            }
        )
    return rows
