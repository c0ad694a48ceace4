"""New complaints: a row staff typed in, or an email / form response; each gets its
number, its first Riwayat event and the start of its SOP."""

from __future__ import annotations

from datetime import datetime, timedelta

from aduan.core import idfmt
from aduan.core.engine.config import MAX_TEXT
from aduan.core.engine.decision import Run, fresh_state
from aduan.core.engine.steps import advance, document
from aduan.core.ids import safe_ticket
from aduan.core.layout import C
from aduan.core.model import Attachment, InboundMail, Row, RowUpdate, row_fingerprint
from aduan.core.privacy import asks_confidentiality, identity_of, redact_text
from aduan.core.state import RowState

__all__ = ["register_mail", "register_typed_row", "start"]


def register_typed_row(run: Run, row: Row, values: dict[str, str]) -> None:
    """A row staff typed in (WA/SMS/phone/walk-in): number it and start its SOP."""
    cfg = run.cfg
    typed = row.get(C.RECEIVED)
    received = idfmt.parse_tanggal(typed, cfg.tz)
    note = ""
    if received is None or received > run.now:
        if typed:  # staff typed something we cannot use: say so, do not guess
            note = (
                f"; Diterima {typed[:40]!r} tidak terbaca atau di masa depan, dipakai waktu dicatat"
            )
        received = run.now
    ticket = run.next_ticket(received)
    st = fresh_state(cfg, received, run.now)
    new = {C.TICKET: ticket, C.RECEIVED: idfmt.tanggal_pendek(received)}
    if not row.get(C.CHANNEL):
        new[C.CHANNEL] = "Datang Langsung"
    values.update(new)
    new.update(protect(run, ticket, values, propose=False))  # issue 16
    run.by_ticket[ticket] = Row(index=row.index, values=values)
    channel = values.get(C.CHANNEL) or "Datang Langsung"
    run.event(
        ticket,
        "Aduan dicatat",
        f"diketik petugas; saluran {channel}{note}",
        key=f"{ticket}|dicatat",
        when=run.now,
    )
    run.d.counts["registered_typed"] += 1
    # the receipt handed to a walk-in complainant or read to a caller (issue 22)
    document(run, st, ticket, values, "formulir_penerimaan", run.sop.first)
    start(run, ticket, values, st)
    upd = RowUpdate(values={}, index=row.index, fingerprint=row_fingerprint(row.values))
    vals = run.system_values(st)
    upd.values = {**new, **vals}
    run.d.writes.updates.append(upd)


def register_mail(run: Run, mail: InboundMail, quoted: str | None = None) -> None:
    cfg = run.cfg
    # when our server got it (a mail that waited while Aduan was down keeps its
    # delay in the SLA); else the sender's Date when believable; else now
    received = arrived(run, mail) or _plausible_date(mail.date, run.now)
    notes = list(mail.problems)
    if mail.date is not None and _plausible_date(mail.date, run.now) is None:
        notes.append(f"tanggal email {mail.date.isoformat()} tidak wajar; dipakai waktu diterima")
    received = received or run.now
    ticket = run.next_ticket(received)
    st = fresh_state(cfg, received, run.now)
    year = received.astimezone(cfg.tz).year
    folder = f"{year}/{safe_ticket(ticket)}"
    text = mail.text or "(email tanpa isi teks)"
    if len(text) > MAX_TEXT:
        text = (
            text[:MAX_TEXT]
            + "\n[… dipotong; email lengkap tersimpan sebagai lampiran email-asli.eml]"
        )
    name = mail.from_name or mail.from_addr.partition("@")[0]
    values = {
        C.TICKET: ticket,
        C.RECEIVED: idfmt.tanggal_pendek(received),
        C.CHANNEL: mail.channel or "Email",
        C.NAME: name,
        C.CONTACT: mail.from_addr,
        C.SUBJECT: mail.subject or "(tanpa perihal)",
        C.TEXT: text,
        C.ATTACHMENTS: _attachment_cell(mail, folder),
        C.SOURCE: mail.message_id,
    }
    # what the source knows beyond an email (a form's phone, category, checkbox):
    # intake and staff columns of this new row only; system columns stay Aduan's
    for col, v in mail.fields.items():
        kind = cfg.layout.kind(col)
        if col == C.ATTACHMENTS:
            values[col] = "\n".join(p for p in (values[col], v) if p)
        elif kind in ("intake", "staff") and v:
            values[col] = v
    protect(run, ticket, values, propose=True)  # issue 16
    keep = list(mail.attachments)
    if len(mail.raw) > cfg.max_original_bytes:
        # it would carry the attachments the limit just refused; the inbox keeps it
        mb = cfg.max_original_bytes / (1024 * 1024)
        notes.append(
            f"email asli {len(mail.raw) / (1024 * 1024):.0f} MB melebihi {mb:g} MB; tidak disalin"
        )
    elif mail.raw:
        keep.append(Attachment("email-asli.eml", "message/rfc822", mail.raw))
    run.d.attachments.append((folder, keep))
    run.by_ticket[ticket] = Row(index=-1, values=values)
    # Riwayat is read by every role: the channel, never the complainant's address
    # (it is in the row, where confidentiality applies; issue 22)
    detail = "lewat email" if mail.from_addr else "lewat email (alamat pengirim tidak terbaca)"
    if mail.channel != "Email":
        detail = f"{mail.reason or mail.channel}"
    if quoted:
        detail += f"; menyebut aduan {quoted}"
    if notes:
        detail += "; catatan: " + "; ".join(notes)[:500]
    # at the time it was received (issue 21), so Riwayat reads in the order things happened
    run.event(ticket, "Aduan diterima", detail, key=f"{ticket}|dicatat", when=received)
    run.d.counts["registered_mail"] += 1
    run.d.consumed.append(mail.source_key)
    start(run, ticket, values, st)
    values.update(run.system_values(st))
    run.d.writes.appends.append({k: v for k, v in values.items() if v != ""})


def start(run: Run, ticket: str, values: dict[str, str], st: RowState) -> None:
    run.states[ticket] = st
    for kind in run.sop.on_register.send:
        run.notify(st, ticket, values, None, kind, complainant=True)
    first = run.sop.first
    run.event(
        ticket,
        f"Tahap {first.number} dimulai",
        first.label,
        key=f"{ticket}|mulai|{first.id}",
        when=st.since,
    )
    run.notify(st, ticket, values, first, "tugas", roles=first.task_roles)
    advance(run, ticket, values, st)


def protect(run: Run, ticket: str, values: dict[str, str], *, propose: bool) -> dict[str, str]:
    """Confidentiality at intake (issue 16): *Rahasiakan Identitas = Ya* proposed when
    the complaint asks for it in its own words (a new row from mail only: a typed
    row's staff column is staff's), and *Isi untuk Tim* pre-filled with the automatic
    redaction for a confidential complaint. Returns the cells it filled."""
    filled: dict[str, str] = {}
    layout = run.cfg.layout
    if (
        propose
        and layout.kind(C.CONFIDENTIAL)
        and not values.get(C.CONFIDENTIAL)
        and asks_confidentiality(values.get(C.TEXT))
    ):
        filled[C.CONFIDENTIAL] = "Ya"
        run.event(
            ticket,
            "Kerahasiaan diusulkan",
            "aduan meminta identitasnya dirahasiakan; Rahasiakan Identitas diisi Ya "
            "(ubah ke Tidak bila keliru)",
            key=f"{ticket}|rahasia-usul",
        )
    values.update(filled)
    if layout.kind(C.TEAM_TEXT) and not values.get(C.TEAM_TEXT) and run.confidential(values):
        filled[C.TEAM_TEXT] = redact_text(values.get(C.TEXT), identity_of(values))
    values.update(filled)
    return filled


def arrived(run: Run, mail: InboundMail) -> datetime | None:
    """When the mail server received ``mail``; None when unknown, after this run's
    own time or over a week before it (a clock that disagrees with ours that much
    proves nothing: the caller falls back to the sender's Date, then to now)."""
    r = mail.received
    if r is None or r.tzinfo is None:
        return None
    if r > run.now + timedelta(minutes=1) or r < run.now - timedelta(days=7):
        return None
    return min(r, run.now).astimezone(run.cfg.tz)


def _plausible_date(d: datetime | None, now: datetime) -> datetime | None:
    """The email's Date when believable (not future, not over a week old), else None."""
    if d is None or d.tzinfo is None:
        return None
    if d > now + timedelta(minutes=5) or d < now - timedelta(days=7):
        return None
    return d


def _attachment_cell(mail: InboundMail, folder: str) -> str:
    parts = [a.filename for a in mail.attachments]
    parts += [f"(tidak disimpan: {s})" for s in mail.skipped_parts]
    return "\n".join(parts)
