"""The engine: register rows + new mail + SOP + calendar + now -> what to change.

Pure: no I/O, no clock (``now`` is an argument), no imports of the inbox,
register, mailer or documents modules. Fed its own output at the same ``now``
it decides nothing new; that property is what lets a killed run simply be run
again.

Each complaint's progress lives in the hidden *Data Sistem* cell as compact
JSON (:class:`aduan.core.state.RowState`): the current step, when it started and
is due, the steps done, and the keys of every email already emitted. Everything
staff see in the system columns is derived from it.

The parts: :mod:`.config` (what the engine is told, what it decides),
:mod:`.decision` (one decision in progress), :mod:`.steps` (the step machine),
:mod:`.intake` (new complaints), :mod:`.routing` (mail about known complaints),
:mod:`.agenda` (the rows a steady cycle weighs: :func:`decide_cycle` makes it).
"""

from __future__ import annotations

import logging
from datetime import datetime

from aduan.core import idfmt
from aduan.core.engine.agenda import Agenda, idle, plan
from aduan.core.engine.config import (
    ADMIN_ROLE,
    AGENCY_ROLE,
    DOC_CODES,
    ORIGIN_ROLE,
    OUTCOME_LABELS,
    PUBLIC_DOCS,
    Decision,
    EngineConfig,
)
from aduan.core.engine.decision import Run, emit_update, fresh_state, refresh
from aduan.core.engine.handoff import take as take_handoff
from aduan.core.engine.intake import register_mail, register_typed_row
from aduan.core.engine.once import HANDLED_META, SYSTEM_DOMAINS_META, Handled, system_domains
from aduan.core.engine.relay import remind as relay_remind
from aduan.core.engine.routing import (
    handle_bounce,
    handle_decision,
    handle_reply,
    is_role_reply,
    reply_target,
    thread_index,
)
from aduan.core.engine.service import tick as service_tick
from aduan.core.engine.steps import advance, agency_answer, ladder
from aduan.core.ids import decode_tickets, encode_tickets
from aduan.core.layout import C
from aduan.core.model import InboundMail, Row, RowUpdate, Snapshot
from aduan.core.state import RowState

__all__ = [
    "ADMIN_ROLE",
    "AGENCY_ROLE",
    "ORIGIN_ROLE",
    "DOC_CODES",
    "OUTCOME_LABELS",
    "PUBLIC_DOCS",
    "Decision",
    "EngineConfig",
    "OPEN_META",
    "decide",
    "decide_cycle",
]

logger = logging.getLogger(__name__)


def decide(snap: Snapshot, mails: list[InboundMail], cfg: EngineConfig, now: datetime) -> Decision:
    """Decide one cycle. Pure: the same inputs give the same Decision."""
    return _decide(snap, mails, cfg, now).d


def decide_cycle(
    snap: Snapshot, mails: list[InboundMail], cfg: EngineConfig, now: datetime
) -> tuple[Decision, Agenda | None]:
    """:func:`decide`, and when the decision does nothing the register's agenda
    (:mod:`.agenda`): what the next steady cycles need to decide from."""
    run = _decide(snap, mails, cfg, now)
    return run.d, plan(snap, run.states, cfg.sop) if idle(run.d) else None


def _decide(snap: Snapshot, mails: list[InboundMail], cfg: EngineConfig, now: datetime) -> Run:
    run = Run(snap, cfg, now)
    # 1. rows already in the register
    for row in snap.rows:
        ticket = row.get(C.TICKET)
        if ticket and run.by_ticket.get(ticket) is not row:
            continue  # the second row of a ticket (Run logged it)
        if ticket:
            _existing_row(run, ticket, row)
        elif any(row.get(c) for c in (C.NAME, C.CONTACT, C.SUBJECT, C.TEXT)):
            register_typed_row(run, row, dict(row.values))
        # else an empty-ish row staff left; nothing to register
    # 2. new mail: complaints and decisions by reply, at the time the server got them
    _new_mail(run, mails, {r.get(C.SOURCE) for r in snap.rows if r.get(C.SOURCE)})
    # 3. only then the ladders: nobody is reminded of what they just decided
    for ticket, st in run.states.items():
        # issue 20: the overall deadline, waiting for the complainant (no step ladder
        # runs then: the clock is stopped), the rating of a closed complaint
        went = service_tick(run, ticket, run.by_ticket[ticket].values, st)
        if not st.closed and not st.pause:
            went |= ladder(run, ticket, dict(run.by_ticket[ticket].values), st)
        went |= relay_remind(run, ticket, dict(run.by_ticket[ticket].values), st)  # issue 16
        if went:
            refresh(run, ticket)
    _track_open(run)
    return run


def _existing_row(run: Run, ticket: str, row: Row) -> None:
    """A complaint already registered: its state (recovered when unreadable), the
    steps its row now completes, and its system columns (its ladder comes later)."""
    cfg = run.cfg
    values = dict(row.values)
    raw = row.get(C.STATE)
    try:
        st = RowState.loads(raw)
    except ValueError as e:
        received = idfmt.parse_tanggal(row.get(C.RECEIVED), cfg.tz) or run.now
        st = fresh_state(cfg, received, run.now)
        run.log(
            f"{ticket}: Data Sistem tidak terbaca ({e}); dimulai ulang dari tahap 1"
            if raw
            else f"{ticket}: baris tanpa Data Sistem; dimulai dari tahap 1"
        )
        run.event(
            ticket,
            "Data sistem dipulihkan",
            "dimulai ulang dari tahap 1",
            key=f"{ticket}|pulih",
        )
    run.states[ticket] = st
    if not st.closed:
        _check_choices(run, ticket, row)
    before = (st.step, st.closed, len(st.hist), len(st.sent), len(st.docs))
    advance(run, ticket, values, st)
    if raw and before == (st.step, st.closed, len(st.hist), len(st.sent), len(st.docs)):
        # The state is what the cell holds: only the clock can have changed
        # something, namely lateness. Skipping the full derivation keeps a
        # steady cycle on 10,000 rows fast.
        late = run.late_flag(st)
        if row.get(C.LATE) != late:
            run.d.writes.updates.append(RowUpdate(values={C.LATE: late}, ticket=ticket))
            run.d.counts["rows_updated"] += 1
        return
    emit_update(run, RowUpdate(values={}, ticket=ticket), row.values, st)


def _new_mail(run: Run, mails: list[InboundMail], existing_sources: set[str]) -> None:
    """Sort the polled mail: duplicates, bounces, mail never to answer, replies of
    complainants, decisions by reply, and new complaints."""
    d = run.d
    replies: list[tuple[InboundMail, str]] = []
    decisions: list[tuple[InboundMail, str | None]] = []
    seen_batch: set[str] = set()
    thread_map: dict[str, str] | None = None
    handled = Handled(run.meta.get(HANDLED_META, ""))  # issue 17: exactly once
    # issue 17, 4c: domains sending daemon mail get few acknowledgements an hour
    doms, text = system_domains(run.meta.get(SYSTEM_DOMAINS_META, ""), mails, run.now.date())
    run.system_domains = doms
    if text != (run.meta.get(SYSTEM_DOMAINS_META) or ""):
        run.meta[SYSTEM_DOMAINS_META] = d.writes.meta[SYSTEM_DOMAINS_META] = text
    for mail in mails:
        if (
            mail.message_id in existing_sources
            or mail.message_id in seen_batch
            or (mail.channel == "Email" and mail.message_id in handled)
        ):
            d.consumed.append(mail.source_key)
            d.counts["mail_duplicate"] += 1
            continue
        seen_batch.add(mail.message_id)
        if take_handoff(run, mail):  # issue 19: signed, from an office that runs Aduan
            continue
        if mail.kind in ("bounce", "delay"):
            if thread_map is None:
                thread_map = thread_index(run)
            handle_bounce(run, mail, thread_map)
            d.consumed.append(mail.source_key)
            continue
        if mail.kind != "complaint":
            # the Message-ID, never the sender: logs carry no personal data (issue 17)
            run.log(f"email {mail.message_id} diabaikan: {mail.kind} ({mail.reason})")
            d.consumed.append(mail.source_key)
            d.counts[f"mail_{mail.kind}"] += 1
            continue
        # a form response is never a reply nor a decision: it has no inbox to be
        # marked read in, so it would be swallowed again every cycle, never registered
        if mail.channel != "Email":
            register_mail(run, mail)
            continue
        if thread_map is None:
            thread_map = thread_index(run)
        ticket = reply_target(run, mail, thread_map)
        if ticket:
            row = run.by_ticket[ticket]
            if run.complainant_email(row.values) == mail.from_addr.lower():
                replies.append((mail, ticket))  # the complainant: never a command
                continue
            if agency_answer(run, mail, ticket):  # issue 16: the agency forwarded to
                continue
        if is_role_reply(run, mail, ticket):
            decisions.append((mail, ticket))
            continue
        if ticket:
            run.log(
                f"email {mail.message_id} menyebut {ticket} tetapi bukan dari pengadunya; "
                "dicatat sebagai aduan baru"
            )
        register_mail(run, mail, quoted=ticket)

    for mail, known in replies:
        handle_reply(run, mail, known)
    for mail, target in decisions:
        handle_decision(run, mail, target)
    _remember(run, mails, handled)


def _remember(run: Run, mails: list[InboundMail], handled: Handled) -> None:
    """Keep the Message-ID of every email handled now (only what is marked processed:
    mail left for the next cycle must still be read then)."""
    consumed = set(run.d.consumed)
    for mail in mails:
        if mail.channel == "Email" and mail.source_key in consumed:
            handled.add(mail.message_id)
    if handled.changed:
        run.meta[HANDLED_META] = run.d.writes.meta[HANDLED_META] = handled.dumps()


OPEN_META = "open"  # the open tickets after the last write, range-encoded


def _track_open(run: Run) -> None:
    """Say so when the row of a complaint still open disappears from the register
    (staff deleted it): its SOP cannot go on, and nobody would notice otherwise."""
    cfg = run.cfg
    prev = decode_tickets(run.meta.get(OPEN_META, ""), cfg.ticket_format, cfg.office_code)
    for ticket in sorted(prev - set(run.by_ticket)):
        line = (
            f"{ticket}: baris aduan yang masih berjalan hilang dari register (dihapus?); "
            "SOP-nya tidak dapat dilanjutkan — pulihkan barisnya dari Riwayat atau riwayat "
            "versi berkas"
        )
        logger.warning(line)
        run.d.log.append(line)
        run.d.problems.append(line)
        run.event(
            ticket,
            "Baris aduan hilang",
            "baris dihapus dari register saat aduan belum selesai",
            key=f"{ticket}|hilang",
        )
    now_open = {t for t, st in run.states.items() if not st.closed}
    text = encode_tickets(now_open, run.pattern, cfg.ticket_format, cfg.office_code)
    if len(text) > 30_000:  # a cell holds 32,767 characters in xlsx
        text = ""
    if text != (run.meta.get(OPEN_META) or ""):
        run.meta[OPEN_META] = run.d.writes.meta[OPEN_META] = text


def _check_choices(run: Run, ticket: str, row: Row) -> None:
    """Log a staff cell that is not one of its column's choices (it moves nothing)."""
    for col, known in run.choice_sets:
        v = row.get(col.name)
        if v and v.casefold() not in known:
            run.log(
                f"{ticket}: isi kolom '{col.name}' {v[:40]!r} bukan pilihan yang dikenal "
                f"({', '.join(col.choices)}); diabaikan"
            )
