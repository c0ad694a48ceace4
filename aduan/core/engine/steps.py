"""The step machine: complete every step whose condition holds, start the next one,
write its documents, and walk the reminder / escalation ladder of a late step."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from aduan.core import idfmt
from aduan.core.agency import FORWARD_COLUMN, find_agency
from aduan.core.engine.config import AGENCY_ROLE, DOC_CODES, OUTCOME_LABELS
from aduan.core.engine.decision import Run
from aduan.core.engine.handoff_out import forward_context, status_out
from aduan.core.ids import safe_ticket
from aduan.core.model import DocumentJob, InboundMail
from aduan.core.sop import SYSTEM_EVENTS, Step, Transition
from aduan.core.state import RowState, iso

__all__ = ["advance", "ladder"]

#: the system events hold whenever a step waits on one: a row is registered when the
#: engine sees it, and Aduan conveys a complaint onward by the next step's task email
_EVENTS = set(SYSTEM_EVENTS)


def enter(
    run: Run,
    st: RowState,
    ticket: str,
    values: dict[str, str],
    step: Step,
    when: datetime | None = None,
) -> None:
    """Start ``step`` at ``when`` (default now): its deadline, its Riwayat event, its
    task email."""
    at = when or run.now
    st.step, st.since = step.id, at
    st.deadline = run.cfg.calendar.deadline(at, step.allowance)
    run.event(
        ticket, f"Tahap {step.number} dimulai", step.label, key=f"{ticket}|mulai|{step.id}", when=at
    )
    run.notify(st, ticket, values, step, "tugas", roles=step.task_roles)
    if step.progress:  # issue 16: only where the SOP says the complainant hears of it
        run.notify(st, ticket, values, step, "perkembangan", complainant=True)


def complete(
    run: Run,
    st: RowState,
    ticket: str,
    values: dict[str, str],
    step: Step,
    t: Transition,
    when: datetime | None = None,
) -> Step | None:
    """Finish ``step`` by transition ``t`` at ``when`` (default now: the time a
    decision by reply reached the mail server, when known): history, documents,
    closing, the emails the transition sends; the next step, or None when closed."""
    at = when or run.now
    st.hist.append([step.id, iso(st.since), iso(st.deadline), iso(at)])
    if st.first is None and t.when.event is None:
        st.first = at  # issue 20: a person acted: the office's first response
    late = bool(st.deadline and at > st.deadline)
    actor = run.sop.role_label(step.actor)
    run.event(
        ticket,
        f"Tahap {step.number} selesai",
        f"{step.output}" + (" — melewati tenggat" if late else ""),
        actor=actor,
        key=f"{ticket}|selesai|{step.id}",
        when=at,
    )
    for doc in t.documents:
        document(run, st, ticket, values, doc, step)
    if t.to == "close":
        st.closed, st.outcome = at, t.outcome
        run.event(
            ticket,
            "Aduan ditutup",
            OUTCOME_LABELS.get(t.outcome or "", t.outcome or ""),
            key=f"{ticket}|tutup",
        )
        run.d.counts["closed"] += 1
        status_out(run, ticket, values, st, "ditutup")  # issue 19: a handed-off complaint
    for kind in t.send:
        if kind == "laporan":
            run.notify(st, ticket, values, step, kind, roles=[run.sop.head_role])
        elif kind == "penyaluran":
            forward(run, st, ticket, values, step)
        else:
            run.notify(st, ticket, values, step, kind, complainant=True)
    return None if t.to == "close" else run.sop.step(t.to)


def forward(run: Run, st: RowState, ticket: str, values: dict[str, str], step: Step) -> None:
    """Forward a complaint outside the office's authority (issue 16): to the agency's
    address with the formulir penyaluran, threaded so its answer lands in Riwayat, and
    the complainant told the agency's name and contact; with no address, a task to the
    petugas, and the complainant told only once the petugas confirms (:func:`confirmed`)."""
    typed = values.get(run.keys.get("instansi_tujuan", ""), "")
    agency = find_agency(run.cfg.agencies, typed)
    extra: dict[str, object] = {
        "agency": agency.as_context() if agency else {"name": typed, "email": "", "phone": ""}
    }
    if agency and agency.email:
        # issue 19: an agency that runs Aduan gets the complaint as a signed hand-off
        extra["handoff"] = forward_context(run, ticket, values, st, agency)
        run.notify(st, ticket, values, step, "salur_instansi", roles=[AGENCY_ROLE], extra=extra)
        run.notify(st, ticket, values, step, "penyaluran", complainant=True, extra=extra)
    else:
        run.notify(
            st, ticket, values, step, "salur_manual", roles=[run.sop.first.role], extra=extra
        )


def agency_answer(run: Run, mail: InboundMail, ticket: str) -> bool:
    """The agency a complaint was forwarded to answered in its thread: on the ticket's
    Riwayat (not a new complaint, never a command). True when it was that."""
    values = run.by_ticket[ticket].values
    agency = find_agency(run.cfg.agencies, values.get(run.keys.get("instansi_tujuan", ""), ""))
    if not agency or not agency.email or agency.email.lower() != mail.from_addr.lower():
        return False
    n = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    run.event(
        ticket,
        "Jawaban instansi",
        (mail.text or "")[:1500],
        actor=agency.name,
        key=f"{ticket}|instansi|{n}",
    )
    run.d.consumed.append(mail.source_key)
    run.d.counts["agency_answers"] += 1
    return True


def confirmed(run: Run, st: RowState, ticket: str, values: dict[str, str]) -> None:
    """A forwarding by hand the petugas confirmed (*Penyaluran Dikirim* = Ya): Riwayat,
    and only now the complainant's notice."""
    manual = next((s for s in st.sent if s.split("|")[1:2] == ["salur_manual"]), "")
    if not manual or values.get(FORWARD_COLUMN, "").strip().casefold() != "ya":
        return
    step = run.sop.step(manual.split("|")[0]) if run.sop.has_step(manual.split("|")[0]) else None
    typed = values.get(run.keys.get("instansi_tujuan", ""), "")
    before = len(st.sent)
    extra = {"agency": {"name": typed, "email": "", "phone": ""}}
    run.notify(st, ticket, values, step, "penyaluran", complainant=True, extra=extra)
    if len(st.sent) > before:
        run.event(ticket, "Penyaluran dikirim petugas", typed, key=f"{ticket}|salur-manual")


def document(
    run: Run, st: RowState, ticket: str, values: dict[str, str], doc: str, step: Step
) -> None:
    """Queue document ``doc`` for the ticket, numbered with the office's format."""
    year = st.received.astimezone(run.cfg.tz).year
    # numbered by the SOP step that outputs it, so files sort in SOP order
    rel = f"{year}/{safe_ticket(ticket)}/{step.number:02d}-{doc}.docx"
    if rel not in st.docs:
        st.docs.append(rel)
    # per year per document kind, never the ticket's monthly sequence (issue 22)
    code = DOC_CODES.get(doc, doc.upper())
    agenda = run.agenda(st)
    nomor = run.number(st, doc, code, run.cfg.document_number_format)
    ctx = run.context(ticket, values, st, step)
    ctx.update({"doc": doc, "nomor": nomor, "agenda": agenda, "date": run.now})
    # "by when" of meeting minutes: the deadline of the step the document leads to
    nxt = next(
        (t.to for t in step.transitions if doc in t.documents and run.sop.has_step(t.to)), None
    )
    if nxt:
        due = run.cfg.calendar.deadline(run.now, run.sop.step(nxt).allowance)
        ctx["next_due_text"] = idfmt.waktu(due, run.cfg.tz_label) if due else ""
    run.d.documents.append(DocumentJob(ticket=ticket, doc=doc, path=rel, context=ctx))
    run.d.counts["documents"] += 1


def advance(
    run: Run, ticket: str, values: dict[str, str], st: RowState, when: datetime | None = None
) -> None:
    """Complete every step whose condition holds (at ``when``, default now). The
    ladder is walked afterwards, once every decision of the cycle is in
    (:func:`ladder`): nobody is reminded of what they just did."""
    at = max(when, st.since) if when else None  # never before the step began
    for _ in range(len(run.sop.steps) + 1):
        if st.closed:
            confirmed(run, st, ticket, values)  # issue 16: a forwarding by hand
            return
        if not run.sop.has_step(st.step):
            run.log(f"{ticket}: tahap {st.step!r} tidak ada di SOP; baris dibiarkan")
            return
        step = run.sop.step(st.step)
        t = next((t for t in step.transitions if t.when.holds(values, _EVENTS)), None)
        if t is None:
            break
        nxt = complete(run, st, ticket, values, step, t, at)
        if nxt is None:
            return
        enter(run, st, ticket, values, nxt, at)


def ladder(run: Run, ticket: str, values: dict[str, str], st: RowState) -> bool:
    """Walk the reminder / escalation ladder of the current step; True when a rung went out.

    Rung 1 (at the deadline) reminds the role whose step it is. Every later rung
    escalates to the rung's roles (``superior``, ``head``, a role id) other than the
    late role itself — a late head is only reminded, or its deputy (the SOP's
    ``deputies``) is told — and reminds the late role, naming who was informed.
    Each recipient's mails about the step are numbered from 1 (``rung``).
    """
    if st.closed or not run.sop.has_step(st.step):
        return False
    step = run.sop.step(st.step)
    cal = run.cfg.calendar
    rungs = run.cfg.escalation
    urgent = run.urgent(values)
    # an urgent complaint is due by the clock: a fire at night does not wait for 07.30
    deadline = _rung_due(run, st, step, 1, True) if urgent else st.deadline
    if rungs and rungs[0][0] >= 1 and deadline and run.now < deadline:
        return False  # before the deadline no rung is due (the common case: no arithmetic)
    actor = step.actor
    went = False
    for i, (at, who) in enumerate(rungs, start=1):
        informed = [] if i == 1 else _escalated_to(run, step, who)
        targets = [("pengingat", actor)] + [("eskalasi", r) for r in informed]
        if all(f"{step.id}|{kind}|{i}|{r}" in st.sent for kind, r in targets):
            continue  # this rung went out already: no calendar arithmetic (10k rows)
        if run.now < _rung_due(run, st, step, at, urgent):
            break
        if urgent:  # an urgent complaint is late by the clock, not by office hours
            late = max(0, int((run.now - (deadline or st.since)).total_seconds() // 60))
        else:
            late = int(cal.working_minutes(st.deadline or st.since, run.now))
        labels = [run.sop.role_label(r) for r in informed]
        before = len(run.d.notifications)
        for kind, role in targets:
            extra = {
                "rung": _count(st, step.id, role) + 1,
                "late_minutes": late,
                "late_role": run.sop.role_label(actor),
                "informed": labels if kind == "pengingat" else [],
            }
            run.notify(st, ticket, values, step, kind, i, roles=[role], extra=extra)
        if len(run.d.notifications) > before:
            went = True
            told = ", ".join(dict.fromkeys([run.sop.role_label(actor), *labels]))
            run.event(
                ticket,
                "Eskalasi" if informed else "Pengingat",
                f"Tahap {step.number} ({run.sop.role_label(actor)}) "
                # at the deadline itself nothing is late yet: never "terlambat 0 menit"
                + (
                    f"terlambat {idfmt.durasi(late, cal.day_minutes)}"
                    if late >= 1
                    else "mencapai tenggat"
                )
                + f"; diberitahukan kepada {told}",
                key=f"{ticket}|tangga|{step.id}|{i}",
            )
    return went


def _escalated_to(run: Run, step: Step, who: list[str]) -> list[str]:
    """The roles a rung escalates to: never the late role itself (its deputy, when
    the SOP names one, stands in when nobody else is left)."""
    actor = step.actor
    roles: list[str] = []
    for w in who:
        if w == "assignee":
            continue  # the late role is reminded on every rung anyway
        if w == "superior":
            r = run.sop.superiors.get(actor)
        elif w == "head":
            r = run.sop.head_role
        else:
            r = w
        if r and r != actor and r not in roles:
            roles.append(r)
    if not roles and any(w != "assignee" for w in who):
        deputy = run.sop.deputies.get(actor)
        if deputy and deputy != actor:
            roles.append(deputy)
    return roles


def _count(st: RowState, step_id: str, role: str) -> int:
    """How many ladder mails about this step ``role`` got already."""
    n = 0
    for s in st.sent:
        parts = s.split("|")
        if len(parts) == 4 and parts[0] == step_id and parts[3] == role:
            n += parts[1] in ("pengingat", "eskalasi")
    return n


def _rung_due(run: Run, st: RowState, step: Step, at: float, urgent: bool) -> datetime:
    """When the rung at ``at`` times the step's allowance falls due (an urgent
    complaint's minutes run on the clock: a fire at night does not wait for 07.30)."""
    allow = step.allowance
    if allow.working_days:
        return run.cfg.calendar.add(st.since, working_days=max(1, round(allow.working_days * at)))
    minutes = max(1, round(allow.minutes * at))
    if urgent:
        return st.since + timedelta(minutes=minutes)
    return run.cfg.calendar.add(st.since, minutes=minutes)
