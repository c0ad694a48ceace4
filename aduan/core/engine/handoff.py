"""Hand-offs between offices that both run Aduan (issue 19), in the engine.

Office A forwards a complaint to an agency whose address-book entry names its
``office_id``: the forwarding mail carries the complaint as a signed payload
(:func:`~aduan.core.engine.handoff_out.forward_context`; signed by
:mod:`aduan.mail.handoff`). Office B
(:func:`take`) registers it as its own complaint, channel *Penyaluran dari <A>*,
and tells A its number when registered and its outcome when closed
(:func:`~aduan.core.engine.handoff_out.status_out`). A (:func:`take` again) records both in *Riwayat* and shows
them in the row's *Tahap* (``RowState.fwd``, :func:`aduan.core.handoff.fwd_text`). A mail whose signature does not
hold is refused as a hand-off: a complaint is registered as ordinary mail from
its sender (nothing lost, nobody's identity taken from it), a status is ignored.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from aduan.core import idfmt
from aduan.core.agency import find_agency
from aduan.core.engine.config import MAX_TEXT
from aduan.core.engine.decision import Run, fresh_state, refresh
from aduan.core.engine.handoff_out import status_out
from aduan.core.engine.intake import arrived, protect, register_mail, start
from aduan.core.handoff import PAYLOAD_NAME, STATUS_LABELS, verify
from aduan.core.ids import safe_ticket
from aduan.core.layout import C
from aduan.core.model import Attachment, InboundMail, Row
from aduan.core.privacy import PLACEHOLDER
from aduan.core.state import aware

__all__ = ["take"]


# ------------------------------------------------------------------ both: receiving
def take(run: Run, mail: InboundMail) -> bool:
    """A mail that carries the hand-off header. True when handled here (a hand-off
    registered, a status recorded, a refused status dropped); False for anything
    else, and for a refused complaint once it is registered as ordinary mail."""
    if not mail.handoff:
        return False
    cfg = run.cfg
    v = verify(
        cfg.handoff_keys,
        cfg.office_id,
        mail.handoff,
        mail.handoff_sig,
        mail.message_id,
        [(a.filename, a.data) for a in mail.attachments],
    )
    if not v.accepted:
        line = f"penyaluran {mail.message_id} ditolak: {v.reason}"
        run.log(line)
        run.d.problems.append(line)
        run.d.counts["handoffs_refused"] += 1
        ticket = v.fields.get("tiket", "")
        if v.fields.get("jenis") == "status":
            if ticket in run.states:
                h = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
                run.event(
                    ticket,
                    "Kabar penyaluran ditolak",
                    f"{v.reason}; tidak dipakai",
                    key=f"{ticket}|status-tolak|{h}",
                )
            run.d.consumed.append(mail.source_key)
            return True
        # kept as ordinary mail from its sender: nothing is lost, nothing is believed
        mail.problems.append(f"penyaluran tidak diterima sebagai penyaluran: {v.reason}")
        register_mail(run, mail)
        return True
    if v.fields["jenis"] == "aduan":
        _register(run, mail, v.fields, v.payload)
    else:
        _status_in(run, mail, v.fields, v.payload)
    run.d.consumed.append(mail.source_key)
    return True


# ------------------------------------------------------------------ office B
def _register(run: Run, mail: InboundMail, f: dict[str, str], p: dict[str, Any]) -> None:
    """Register a signed hand-off as this office's complaint."""
    cfg = run.cfg
    origin: dict[str, Any] = p["dari"] if isinstance(p.get("dari"), dict) else {}
    name = str(origin.get("nama") or f["dari"])[:120]
    for t, st in run.states.items():  # the same complaint handed twice (a resend)
        if st.origin.get("id") == f["dari"] and st.origin.get("ticket") == f["tiket"]:
            run.log(f"penyaluran {f['tiket']} dari {f['dari']} sudah dicatat sebagai {t}")
            run.d.counts["handoffs_duplicate"] += 1
            return
    received = arrived(run, mail) or run.now
    ticket = run.next_ticket(received)
    st = fresh_state(cfg, received, run.now)
    st.origin = {
        "id": f["dari"],
        "name": name,
        "address": str(origin.get("alamat") or mail.from_addr)[:200],
        "ticket": f["tiket"],
    }
    who: dict[str, Any] = p["pengadu"] if isinstance(p.get("pengadu"), dict) else {}
    secret = bool(p.get("rahasia")) or not who
    contact = str(who.get("email") or who.get("telepon") or "")[:200]
    text = str(p.get("isi") or "(tanpa isi)")[:MAX_TEXT]
    since = idfmt.tanggal_pendek(_time(p.get("diterima")) or received)
    note = f"Disalurkan oleh {name} (No. Aduan {f['tiket']}, diterima di sana {since})"
    if p.get("kategori"):
        note += f"; kategori di sana: {str(p['kategori'])[:60]}"
    folder = f"{received.astimezone(cfg.tz).year}/{safe_ticket(ticket)}"
    keep = [a for a in mail.attachments if a.filename != PAYLOAD_NAME]
    values = {
        C.TICKET: ticket,
        C.RECEIVED: idfmt.tanggal_pendek(received),
        C.CHANNEL: f"Penyaluran dari {name}"[:100],
        C.NAME: PLACEHOLDER if secret else str(who.get("nama") or "")[:120],
        C.CONTACT: "" if secret else contact,
        C.SUBJECT: str(p.get("perihal") or mail.subject or "(tanpa perihal)")[:300],
        C.TEXT: text,
        C.ATTACHMENTS: "\n".join(a.filename for a in keep),
        C.NOTE: note[:1000],
        C.SOURCE: mail.message_id,
    }
    if secret:
        values[C.CONFIDENTIAL] = "Ya"
    values = {k: v for k, v in values.items() if cfg.layout.kind(k)}
    protect(run, ticket, values, propose=False)
    if mail.raw:
        keep.append(Attachment("email-penyaluran.eml", "message/rfc822", mail.raw))
    run.d.attachments.append((folder, keep))
    run.by_ticket[ticket] = Row(index=-1, values=values)
    run.event(
        ticket,
        "Aduan diterima",
        f"penyaluran bertanda tangan dari {name}, No. Aduan {f['tiket']}",
        key=f"{ticket}|dicatat",
        when=received,
    )
    run.d.counts["handoffs_registered"] += 1
    start(run, ticket, values, st)
    status_out(run, ticket, values, st, "dicatat")
    values.update(run.system_values(st))
    run.d.writes.appends.append({k: v for k, v in values.items() if v != ""})


def _time(text: object) -> datetime | None:
    return aware(text) if isinstance(text, str) else None


# ------------------------------------------------------------------ office A: hearing back
def _status_in(run: Run, mail: InboundMail, f: dict[str, str], p: dict[str, Any]) -> None:
    """Record the agency's status on the complaint A handed to it."""
    ticket = f["tiket"]
    st = run.states.get(ticket)
    if st is None:
        run.log(f"kabar penyaluran {mail.message_id}: aduan {ticket} tidak ada di register")
        run.d.counts["handoff_status_unmatched"] += 1
        return
    values = run.by_ticket[ticket].values
    agency = find_agency(run.cfg.agencies, values.get(run.keys.get("instansi_tujuan", ""), ""))
    if agency is None or agency.office_id != f["dari"]:
        run.event(
            ticket,
            "Kabar penyaluran ditolak",
            f"kantor {f['dari']} bukan instansi tujuan aduan ini; tidak dipakai",
            key=f"{ticket}|status-tolak|{f['dari']}",
        )
        run.d.counts["handoffs_refused"] += 1
        return
    status = str(p.get("status") or "")
    if status not in STATUS_LABELS:
        run.log(f"kabar penyaluran {mail.message_id}: status {status[:20]!r} tidak dikenal")
        return
    theirs = str(p.get("tiket") or "")[:80]
    st.fwd = {
        "office": agency.name,
        "ticket": theirs,
        "status": status,
        "outcome": str(p.get("hasil") or "")[:100],
        "at": str(p.get("waktu") or "")[:40],
    }
    detail = f"No. Aduan di sana {theirs}"
    if status == "ditutup":
        detail += f"; hasil: {st.fwd['outcome'] or 'selesai'}"
        if p.get("jawaban"):
            detail += f"; jawaban kepada pengadu: {str(p['jawaban'])[:1000]}"
    what = "Dicatat" if status == "dicatat" else "Diselesaikan"
    run.event(ticket, f"{what} di {agency.name}", detail, actor=agency.name,
              key=f"{ticket}|status-instansi|{status}")  # fmt: skip
    run.d.counts["handoff_status"] += 1
    if status == "ditutup" and run.confidential(values):
        # the agency could not write to a complainant it does not know: we do
        said = {"tiket_asal": ticket, "tiket": theirs, "status": status}
        said |= {"hasil": st.fwd["outcome"], "jawaban": str(p.get("jawaban") or "")[:3000]}
        extra = {"agency": agency.as_context(), "handoff_status": said}
        run.notify(st, ticket, values, None, "hasil_instansi", complainant=True, extra=extra)
    refresh(run, ticket)
