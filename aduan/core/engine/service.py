"""The service standard in the engine (rules in :mod:`aduan.core.service`): each
complaint's overall deadline from its *Jenis Aduan*, its warning and escalation
(apart from the step ladder), waiting for the complainant (both clocks stopped, a
reminder, closure as not completed) and the satisfaction rating (SKM)."""

from __future__ import annotations

from datetime import datetime

from aduan.core import idfmt
from aduan.core.engine.decision import Run, add_staff, immediate, refresh
from aduan.core.engine.handoff_out import status_out
from aduan.core.layout import C
from aduan.core.model import InboundMail
from aduan.core.service import (
    NOT_COMPLETED,
    RATING_LABELS,
    parse_rating,
    rating_of,
    service_due,
)
from aduan.core.state import RowState, aware, iso

__all__ = ["resume", "take_rating", "tick"]

#: marks in a state's ``sent`` list: each of these happens once per complaint
_WARNED, _LATE, _RATED = "svc|peringatan", "svc|lewat", "svc|nilai"


def tick(run: Run, ticket: str, values: dict[str, str], st: RowState) -> bool:
    """One cycle of the service standard for a tracked complaint, after every decision
    of the cycle is in; True when its state changed (the caller refreshes the row)."""
    if st.closed:
        return _rating_typed(run, ticket, values, st)
    changed = _kind(run, ticket, values, st)
    changed |= _waiting(run, ticket, values, st)
    if not st.closed and not st.pause:
        changed |= _overall_ladder(run, ticket, values, st)
    return changed


# ------------------------------------------------------------------ the deadline
def _kind(run: Run, ticket: str, values: dict[str, str], st: RowState) -> bool:
    """(Re)compute the overall deadline when the kind is new or staff changed it."""
    std, cal = run.cfg.service, run.cfg.calendar
    kind = std.kind_of(values)
    if st.sdue is not None and st.kind == kind.name:
        return False
    had = st.sdue is not None
    st.kind = kind.name
    st.sdue = service_due(cal, st.received, kind, st.pmin)
    if had or kind.name:
        run.event(
            ticket,
            "Jenis aduan ditetapkan",
            f"{kind.name or 'standar kantor'}: selesai dalam {kind.days} hari kerja, "
            f"paling lambat {idfmt.waktu(st.sdue, run.cfg.tz_label)}",
            key=f"{ticket}|jenis|{kind.name}",
        )
    return True


def _overall_ladder(run: Run, ticket: str, values: dict[str, str], st: RowState) -> bool:
    """A warning to the step's role ``warn_days`` before the overall deadline, and once
    it has passed the escalation: once each per complaint, whatever step it is in."""
    std, cal, sop = run.cfg.service, run.cfg.calendar, run.sop
    if st.sdue is None or not sop.has_step(st.step) or _LATE in st.sent:
        return False
    step = sop.step(st.step)
    now = run.now
    if now > st.sdue:
        roles = _roles(run, step.actor, std.escalate_to)
        late = int(cal.working_minutes(st.sdue, now))
        extra = {"service_rung": 2, "late_minutes": late, "late_role": sop.role_label(step.actor)}
        run.notify(st, ticket, values, step, "batas_layanan", 2, roles=roles, extra=extra)
        st.sent.append(_LATE)
        run.event(
            ticket,
            "Melewati batas penyelesaian",
            f"standar pelayanan {idfmt.waktu(st.sdue, run.cfg.tz_label)} terlampaui; "
            f"diberitahukan kepada {', '.join(sop.role_label(r) for r in roles)}",
            key=f"{ticket}|batas|lewat",
        )
        return True
    if _WARNED in st.sent or not std.warn_days:
        return False
    if cal.working_minutes(now, st.sdue) > std.warn_days * cal.day_minutes:
        return False
    extra = {"service_rung": 1, "late_role": sop.role_label(step.actor)}
    run.notify(st, ticket, values, step, "batas_layanan", 1, roles=[step.actor], extra=extra)
    st.sent.append(_WARNED)
    run.event(
        ticket,
        "Batas penyelesaian mendekat",
        f"paling lambat {idfmt.waktu(st.sdue, run.cfg.tz_label)}; diingatkan kepada "
        f"{sop.role_label(step.actor)}",
        key=f"{ticket}|batas|dekat",
    )
    return True


def _roles(run: Run, actor: str, who: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for w in who:
        r = actor if w == "assignee" else run.sop.head_role if w == "head" else w
        if r in run.sop.roles and r not in out:
            out.append(r)
    return out or [run.sop.head_role]


# ------------------------------------------------------------------ waiting
def _waiting(run: Run, ticket: str, values: dict[str, str], st: RowState) -> bool:
    """*Kelengkapan Diminta* filled: wait for the complainant; emptied, or the step
    moved on: wait no more; too long without an answer: remind, then close."""
    w, cal = run.cfg.service.waiting, run.cfg.calendar
    asked = " ".join((values.get(C.MISSING) or "").split())
    if st.pause is None:
        last = st.pauses[-1][2] if st.pauses else ""
        if not asked or asked == last:
            return False
        _start(run, ticket, values, st, asked)
        return True
    if not asked:
        return resume(run, ticket, st, run.now, "kolom Kelengkapan Diminta dikosongkan staf")
    if st.pause.get("step") != st.step:
        return resume(run, ticket, st, run.now, "tahap berikutnya sudah dimulai")
    since = aware(st.pause.get("since")) or run.now
    n = st.pause.get("n", "1")
    if run.now >= cal.add(since, working_days=w.close_days):
        _close(run, ticket, values, st)
        return True
    if st.pause.get("reminded") != "1" and run.now >= cal.add(since, working_days=w.reminder_days):
        st.pause["reminded"] = "1"
        extra = {"waiting_text": w.reminder_text}
        run.notify(
            st, ticket, values, None, "pengingat_kelengkapan", n, complainant=True, extra=extra
        )
        run.event(
            ticket,
            "Pengingat kelengkapan",
            f"belum ada jawaban pengadu sejak {idfmt.tanggal_pendek(since)}",
            key=f"{ticket}|kelengkapan|ingat|{n}",
        )
        return True
    return False


def _start(run: Run, ticket: str, values: dict[str, str], st: RowState, asked: str) -> None:
    """Stop both clocks and ask the complainant (at once: they are waited for)."""
    n = str(len(st.pauses) + 1)
    st.pause = {"since": iso(run.now) or "", "what": asked, "step": st.step, "n": n}
    if st.first is None:
        st.first = run.now  # asking the complainant is the office's first response
    run.event(
        ticket,
        "Menunggu pengadu",
        f"diminta: {asked}; tenggat tahap dan batas penyelesaian berhenti",
        key=f"{ticket}|kelengkapan|minta|{n}",
    )
    extra = {"waiting_text": run.cfg.service.waiting.request_text}
    run.notify(st, ticket, values, None, "minta_kelengkapan", n, complainant=True, extra=extra)
    immediate(run, ticket, "minta_kelengkapan")
    run.d.counts["waiting_started"] += 1


def resume(run: Run, ticket: str, st: RowState, when: datetime | None, why: str) -> bool:
    """End the wait at ``when``: the step's clock and the overall deadline move on by
    the working time waited, which no recap counts against the office."""
    if st.pause is None:
        return False
    cal = run.cfg.calendar
    at = when or run.now
    since = aware(st.pause.get("since")) or at
    at = max(at, since)
    waited = int(cal.working_minutes(since, at))
    st.pauses.append([iso(since) or "", iso(at) or "", st.pause.get("what", "")])
    st.pmin += waited
    if waited and st.pause.get("step") == st.step and run.sop.has_step(st.step):
        st.since = cal.add(st.since, minutes=waited)
        st.deadline = cal.deadline(st.since, run.sop.step(st.step).allowance)
    kind = run.cfg.service.kind_of(run.by_ticket[ticket].values)
    st.kind, st.sdue = kind.name, service_due(cal, st.received, kind, st.pmin)
    n = st.pause.get("n", "1")
    st.pause = None
    run.event(
        ticket,
        "Menunggu pengadu selesai",
        f"{why}; {idfmt.durasi(waited, cal.day_minutes)} waktu kerja menunggu tidak dihitung; "
        f"batas penyelesaian kini {idfmt.waktu(st.sdue, run.cfg.tz_label)}",
        key=f"{ticket}|kelengkapan|lanjut|{n}",
        when=at,
    )
    run.d.counts["waiting_resumed"] += 1
    return True


def _close(run: Run, ticket: str, values: dict[str, str], st: RowState) -> None:
    """Close as *Ditutup — tidak dilengkapi*, with a notice to the complainant."""
    assert st.pause is not None
    since = aware(st.pause.get("since")) or run.now
    st.pmin += int(run.cfg.calendar.working_minutes(since, run.now))
    st.pauses.append([iso(since) or "", iso(run.now) or "", st.pause.get("what", "")])
    n = st.pause.get("n", "1")
    st.pause = None
    st.closed, st.outcome = run.now, NOT_COMPLETED
    run.event(
        ticket,
        "Aduan ditutup",
        f"Ditutup — tidak dilengkapi: kelengkapan yang diminta sejak "
        f"{idfmt.tanggal_pendek(since)} tidak diterima",
        key=f"{ticket}|tutup",
    )
    extra = {"waiting_text": run.cfg.service.waiting.closing_text}
    run.notify(st, ticket, values, None, "tidak_dilengkapi", n, complainant=True, extra=extra)
    run.d.counts["closed"] += 1
    run.d.counts["closed_not_completed"] += 1
    status_out(run, ticket, values, st, "ditutup")  # issue 19: a handed-off complaint


# ------------------------------------------------------------------ SKM
def take_rating(run: Run, mail: InboundMail, ticket: str) -> bool:
    """The complainant's reply to a closed complaint is its rating when it reads as one
    (a digit 1-4 first): *Penilaian Pengadu* and the comment written (into empty cells),
    Riwayat, and the head told of a low rating. Anything else stays a reply."""
    skm = run.cfg.service.skm
    st = run.states.get(ticket)
    if not (skm.enabled and st and st.closed and st.outcome in skm.outcomes):
        return False
    if _RATED in st.sent or rating_of(run.by_ticket[ticket].values) is not None:
        return False
    got = parse_rating(mail.text)
    if got is None:
        return False
    rating, comment = got
    written = {C.RATING: f"{rating} ({RATING_LABELS[rating]})"}
    if comment:
        written[C.RATING_NOTE] = comment
    row = run.by_ticket[ticket]
    row.values.update(written)
    add_staff(run, ticket, written)
    _record(run, ticket, dict(row.values), st, rating, comment, "Pengadu")
    run.d.consumed.append(mail.source_key)
    refresh(run, ticket)
    return True


def _rating_typed(run: Run, ticket: str, values: dict[str, str], st: RowState) -> bool:
    """A rating staff typed in (given by WhatsApp, SMS or phone): recorded once."""
    if _RATED in st.sent:
        return False
    rating = rating_of(values)
    if rating is None:
        return False
    _record(run, ticket, values, st, rating, values.get(C.RATING_NOTE, "").strip(), "Petugas")
    return True


def _record(
    run: Run, ticket: str, values: dict[str, str], st: RowState, rating: int, comment: str, by: str
) -> None:
    st.sent.append(_RATED)
    label = f"{rating} ({RATING_LABELS[rating]})"
    run.event(
        ticket,
        "Penilaian pengadu",
        label + (f" — {comment}" if comment else ""),
        actor=by,
        key=f"{ticket}|penilaian",
    )
    run.d.counts["ratings"] += 1
    if rating <= run.cfg.service.skm.notify_head_at:
        extra = {"rating": {"value": rating, "label": RATING_LABELS[rating], "comment": comment}}
        run.notify(
            st, ticket, values, None, "penilaian_rendah", roles=[run.sop.head_role], extra=extra
        )
