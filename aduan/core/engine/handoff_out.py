"""Hand-offs between offices that both run Aduan (issue 19): what this office sends —
the signed payload of a forwarding (office A) and the status mails back to the
origin office (office B). The receiving side is :mod:`aduan.core.engine.handoff`."""

from __future__ import annotations

from typing import Any

from aduan.core.agency import Agency
from aduan.core.engine.config import ORIGIN_ROLE, OUTCOME_LABELS
from aduan.core.engine.decision import Run
from aduan.core.ids import safe_ticket
from aduan.core.layout import C
from aduan.core.privacy import identity_of, redact_text
from aduan.core.state import RowState, iso

__all__ = ["forward_context", "status_out"]


# ------------------------------------------------------------------ office A: sending
def forward_context(
    run: Run, ticket: str, values: dict[str, str], st: RowState, agency: Agency
) -> dict[str, Any]:
    """The ``handoff`` of a forwarding email to an agency that runs Aduan: what the
    signed payload says. A confidential complainant's name and contact stay here, and
    the agency gets the text without them (the team's text)."""
    cfg = run.cfg
    if not (agency.office_id and cfg.handoff_keys and cfg.handoff_keys.key_for(agency.office_id)):
        return {}
    secret = run.confidential(values)
    ident = identity_of(values)
    text = values.get(C.TEXT, "")
    subject = values.get(C.SUBJECT, "")
    if secret:
        text = values.get(C.TEAM_TEXT) or redact_text(text, ident)
        subject = redact_text(subject, ident, sign_off=False)
    contact = values.get(C.CONTACT, "")
    email = contact if "@" in contact else ""
    payload = {
        "versi": 1,
        "jenis": "aduan",
        "dari": {"id": cfg.office_id, "nama": cfg.office_name, "alamat": cfg.office_address},
        "tiket_asal": ticket,
        "diterima": iso(st.received),
        "saluran_asal": values.get(C.CHANNEL, ""),
        "rahasia": secret,
        "pengadu": None
        if secret
        else {
            "nama": values.get(C.NAME, ""),
            "email": email,
            "telepon": "" if email else contact,
        },
        "perihal": subject,
        "isi": text,
        "kategori": values.get(C.CATEGORY, ""),
    }
    year = st.received.astimezone(cfg.tz).year
    names = [
        n.strip()
        for n in values.get(C.ATTACHMENTS, "").splitlines()
        if n.strip() and not n.startswith("(")
    ]
    return {
        "kind": "aduan",
        "to": agency.office_id,
        "ticket": ticket,
        "payload": payload,
        # the complainant's files, from the attachments folder (the run layer reads them)
        "files": [f"{year}/{safe_ticket(ticket)}/{n}" for n in names],
    }


def status_out(run: Run, ticket: str, values: dict[str, str], st: RowState, status: str) -> None:
    """Tell the origin office of a handed-off complaint where it stands (once per status)."""
    o = st.origin
    if not o.get("id") or not o.get("address"):
        return
    outcome = OUTCOME_LABELS.get(st.outcome or "", st.outcome or "") if status == "ditutup" else ""
    answer = ""
    if status == "ditutup":  # what the citizen was told: the result, or the direct answer
        ctx = run.context(ticket, values, st, None)
        answer = ctx.get("answer") or ctx["f"].get("tanggapan", "")
    payload = {
        "versi": 1,
        "jenis": "status",
        "dari": {"id": run.cfg.office_id, "nama": run.cfg.office_name},
        "tiket_asal": o["ticket"],
        "tiket": ticket,
        "status": status,
        "hasil": outcome,
        "jawaban": str(answer)[:3000],
        "waktu": iso(st.closed if status == "ditutup" else st.received),
    }
    extra = {
        "origin": dict(o),
        "handoff_status": payload,
        "handoff": {"kind": "status", "to": o["id"], "ticket": o["ticket"], "payload": payload},
    }
    run.notify(
        st, ticket, values, None, "status_penyaluran", status, roles=[ORIGIN_ROLE], extra=extra
    )
