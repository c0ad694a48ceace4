"""The step machine: complete every step whose condition holds, start the next one,
write its documents, and walk the reminder / escalation ladder of a late step."""

from __future__ import annotations

from aduan.core import idfmt
from aduan.core.engine.config import DOC_CODES, OUTCOME_LABELS
from aduan.core.engine.decision import Run
from aduan.core.ids import safe_ticket
from aduan.core.model import DocumentJob
from aduan.core.sop import Step, Transition
from aduan.core.state import RowState, iso

__all__ = ["advance"]


def enter(run: Run, st: RowState, ticket: str, values: dict[str, str], step: Step) -> None:
    """Start ``step`` now: its deadline, its Riwayat event, its task email."""
    st.step, st.since = step.id, run.now
    st.deadline = run.cfg.calendar.deadline(run.now, step.allowance)
    run.event(ticket, f"Tahap {step.number} dimulai", step.label, key=f"{ticket}|mulai|{step.id}")
    run.notify(st, ticket, values, step, "tugas", roles=step.task_roles)


def complete(
    run: Run, st: RowState, ticket: str, values: dict[str, str], step: Step, t: Transition
) -> Step | None:
    """Finish ``step`` by transition ``t``: history, documents, closing, the emails the
    transition sends; the next step, or None when the complaint is closed."""
    st.hist.append([step.id, iso(st.since), iso(st.deadline), iso(run.now)])
    late = bool(st.deadline and run.now > st.deadline)
    actor = run.sop.role_label(step.actor)
    run.event(
        ticket,
        f"Tahap {step.number} selesai",
        f"{step.output}" + (" — melewati tenggat" if late else ""),
        actor=actor,
        key=f"{ticket}|selesai|{step.id}",
    )
    for doc in t.documents:
        document(run, st, ticket, values, doc, step)
    if t.to == "close":
        st.closed, st.outcome = run.now, t.outcome
        run.event(
            ticket,
            "Aduan ditutup",
            OUTCOME_LABELS.get(t.outcome or "", t.outcome or ""),
            key=f"{ticket}|tutup",
        )
        run.d.counts["closed"] += 1
    for kind in t.send:
        if kind == "laporan":
            run.notify(st, ticket, values, step, kind, roles=[run.sop.head_role])
        else:
            run.notify(st, ticket, values, step, kind, complainant=True)
    return None if t.to == "close" else run.sop.step(t.to)


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


def advance(run: Run, ticket: str, values: dict[str, str], st: RowState) -> None:
    """Complete every step whose condition holds, then check deadlines."""
    for _ in range(len(run.sop.steps) + 1):
        if st.closed:
            return
        if not run.sop.has_step(st.step):
            run.log(f"{ticket}: tahap {st.step!r} tidak ada di SOP; baris dibiarkan")
            return
        step = run.sop.step(st.step)
        t = next((t for t in step.transitions if t.when.holds(values, {"registered"})), None)
        if t is None:
            break
        nxt = complete(run, st, ticket, values, step, t)
        if nxt is None:
            return
        enter(run, st, ticket, values, nxt)
    ladder(run, ticket, values, st)


def ladder(run: Run, ticket: str, values: dict[str, str], st: RowState) -> None:
    """Reminder at the deadline, then escalations at multiples of the allowance."""
    if st.closed or not run.sop.has_step(st.step):
        return
    step = run.sop.step(st.step)
    cal, allow = run.cfg.calendar, step.allowance
    ladder = run.cfg.escalation
    if ladder and ladder[0][0] >= 1 and st.deadline and run.now < st.deadline:
        return  # before the deadline no rung is due (the common case: no arithmetic)
    for i, (at, who) in enumerate(ladder, start=1):
        roles: list[str] = []
        for w in who:
            if w == "assignee":
                roles.append(step.actor)
            elif w == "superior":
                sup = run.sop.superiors.get(step.actor)
                if sup:
                    roles.append(sup)
            elif w == "head":
                roles.append(run.sop.head_role)
            else:
                roles.append(w)
        kind = "pengingat" if i == 1 else "eskalasi"
        if all(f"{step.id}|{kind}|{i}|{r}" in st.sent for r in roles):
            continue  # this rung went out already: no calendar arithmetic (10k rows)
        if allow.working_days:
            due = cal.add(st.since, working_days=max(1, round(allow.working_days * at)))
        else:
            due = cal.add(st.since, minutes=max(1, round(allow.minutes * at)))
        if run.now < due:
            break
        late = int(cal.working_minutes(st.deadline or st.since, run.now))
        before = len(run.d.notifications)
        run.notify(
            st,
            ticket,
            values,
            step,
            kind,
            i,
            roles=roles,
            extra={"rung": i, "late_minutes": late},
        )
        if len(run.d.notifications) > before:
            run.event(
                ticket,
                "Pengingat" if i == 1 else f"Eskalasi tingkat {i}",
                f"Tahap {step.number} ({run.sop.role_label(step.actor)}) terlambat "
                f"{idfmt.durasi(late, cal.day_minutes)}; diberitahukan kepada "
                + ", ".join(run.sop.role_label(r) for r in dict.fromkeys(roles)),
                key=f"{ticket}|tangga|{step.id}|{i}",
            )
