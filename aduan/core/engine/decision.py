"""One decision in progress: the accumulating Decision, the lookup tables, and what
every part of the engine emits through it (Riwayat events, notifications, the
system columns derived from a complaint's state)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aduan.core import idfmt
from aduan.core.contact import relay_for
from aduan.core.engine.config import OUTCOME_LABELS, PUBLIC_DOCS, Decision, EngineConfig
from aduan.core.engine.kabar import reply_context as kabar_reply
from aduan.core.engine.kabar import sent as kabar_sent
from aduan.core.handoff import fwd_text
from aduan.core.ids import REGISTER_ID_META, email_in, format_ticket, parse_ticket, ticket_regex
from aduan.core.layout import C
from aduan.core.mailkind import daemon_like
from aduan.core.model import DOC_KEYS, Notification, Row, RowUpdate, Snapshot
from aduan.core.privacy import is_confidential
from aduan.core.replies import commands_help, make_token, reply_address, subject_tag
from aduan.core.service import NOT_COMPLETED, service_context
from aduan.core.sop import Step
from aduan.core.state import RowState
from aduan.core.urgency import is_urgent

__all__ = ["Run", "add_staff", "emit_update", "fresh_state", "immediate", "refresh"]

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "Sistem"


class Run:
    """One decision: holds the accumulating Decision and the lookup tables."""

    def __init__(self, snap: Snapshot, cfg: EngineConfig, now: datetime) -> None:
        self.snap, self.cfg, self.sop = snap, cfg, cfg.sop
        self.now = now.astimezone(cfg.tz)
        self.d = Decision()
        self.pattern = ticket_regex(cfg.ticket_format, cfg.office_code)
        self.meta = dict(snap.meta)
        self.keys = cfg.sop.field_keys()
        self.choice_sets = [
            (c, {x.casefold() for x in c.choices})
            for c in cfg.layout.columns
            if c.kind == "staff" and c.choices
        ]
        # issue 17: the register's own id goes into every Message-ID; adopted on first run
        self.register_id = self.meta.get(REGISTER_ID_META, "")
        if not self.register_id and cfg.register_id:
            self.register_id = cfg.register_id
            self.meta[REGISTER_ID_META] = self.d.writes.meta[REGISTER_ID_META] = cfg.register_id
        self.by_ticket: dict[str, Row] = {}
        self.states: dict[str, RowState] = {}
        #: sender domains that sent null-sender or daemon mail (engine.once.system_domains)
        self.system_domains: set[str] = set()
        for row in snap.rows:
            t = row.get(C.TICKET)
            if t:
                if t in self.by_ticket:
                    self.log(
                        f"{t}: nomor aduan ganda di register (baris {row.index + 2}); "
                        "baris kedua diabaikan"
                    )
                    continue
                self.by_ticket[t] = row

    # -- small helpers
    def log(self, line: str) -> None:
        """A line for the run's log (not Riwayat)."""
        logger.info(line)
        self.d.log.append(line)

    def event(
        self,
        ticket: str,
        what: str,
        detail: str = "",
        actor: str = SYSTEM_ACTOR,
        key: str = "",
        when: datetime | None = None,
    ) -> None:
        """A Riwayat row; ``key`` makes it idempotent (the register writes a key once)."""
        self.d.writes.history.append(
            {
                "Waktu": idfmt.tanggal_pendek(when or self.now),
                "No. Aduan": ticket,
                "Peristiwa": what,
                "Pelaku": actor,
                "Keterangan": detail[:2000],
                "Kunci": key or f"{ticket}|{what}",
            }
        )

    def next_ticket(self, when: datetime) -> str:
        """The next free number of ``when``'s month: gapless, never reused."""
        local = when.astimezone(self.cfg.tz)
        mkey = f"seq:{local.year:04d}-{local.month:02d}"
        top = int(self.meta.get(mkey) or 0)
        for t in self.by_ticket:
            p = parse_ticket(self.pattern, t)
            if p and p[0] == local.year and p[1] == local.month:
                top = max(top, p[2])
        seq = top + 1
        self.meta[mkey] = str(seq)
        self.d.writes.meta[mkey] = str(seq)
        return format_ticket(
            self.cfg.ticket_format,
            year=local.year,
            month=local.month,
            seq=seq,
            office=self.cfg.office_code,
        )

    # -- numbers that never repeat (issue 22): per year, per kind, kept like tickets
    def number(self, st: RowState, kind: str, code: str, fmt: str) -> str:
        """This complaint's number of ``kind`` (a document name, or "agenda").

        Given once: the first time from the year's counter of ``code`` in the
        register's hidden meta (written in the same register write as the row,
        so a run killed before it leaves the counter and the row as they were and
        the next run hands out the same number), then read back from the row's state.
        The buku agenda restarts each January, and so does each document kind."""
        if st.nums.get(kind):
            return st.nums[kind]
        local = self.now
        key = f"no:{local.year:04d}:{code}"
        seq = int(self.meta.get(key) or 0) + 1
        self.meta[key] = self.d.writes.meta[key] = str(seq)
        try:
            text = fmt.format(
                seq=seq, doc=code, office=self.cfg.office_code, year=local.year, month=local.month
            )
        except (KeyError, IndexError, ValueError):
            text = f"{seq:03d}/{code}/{local.year}"
        st.nums[kind] = text
        return text

    def agenda(self, st: RowState) -> str:
        """The complaint's *Nomor agenda* in the buku agenda of this year."""
        return self.number(st, "agenda", "AGENDA", self.cfg.agenda_number_format)

    def complainant_email(self, values: dict[str, str]) -> str:
        """The complainant's address from the contact cell, lower case; "" if none."""
        return email_in(values.get(C.CONTACT)).lower()

    def urgent(self, values: dict[str, str]) -> bool:
        """Whether this complaint is urgent (its staff mail goes out at any hour)."""
        return is_urgent(values, self.cfg.urgent_categories, self.cfg.urgent_keywords)

    def next_of(self, step: Step) -> list[dict[str, Any]]:
        """What happens once ``step`` is done, per way out: the next step and its
        role, or the complaint closed (the task email says so)."""
        out: list[dict[str, Any]] = []
        for t in step.transitions:
            if t.to == "close":
                item = {"close": True, "outcome": OUTCOME_LABELS.get(t.outcome or "", "")}
            else:
                nxt = self.sop.step(t.to)
                item = {
                    "close": False,
                    "number": nxt.number,
                    "label": nxt.label,
                    "role": self.sop.role_label(nxt.actor),
                    "office_added": nxt.office_added,
                }
            item["documents"] = list(t.documents)
            item["to_complainant"] = any(k != "laporan" for k in t.send)
            if item not in out:
                out.append(item)
        return out

    def confidential(self, values: dict[str, str]) -> bool:
        """Whether this complaint's identity is kept confidential."""
        return is_confidential(values, self.cfg.confidential_default)

    def step_info(self, step: Step, st: RowState) -> dict[str, Any]:
        """The ``step`` mapping of an email or document context."""
        return {
            "id": step.id,
            "number": step.number,
            "label": step.label,
            "role": self.sop.role_label(step.actor),
            "role_id": step.actor,
            "output": step.output,
            "requirements": step.requirements,
            "standard_minutes": step.standard_minutes,
            "allowance": step.allowance.describe(),
            "started": st.since,
            "deadline": st.deadline,
            "office_added": step.office_added,
            "next": self.next_of(step),
        }

    def context(
        self, ticket: str, values: dict[str, str], st: RowState, step: Step | None
    ) -> dict[str, Any]:
        """The data an email or document about this complaint is filled with."""
        staff = {c: values.get(c, "") for c in self.cfg.layout.names("staff")}
        f = {k: "" for k in DOC_KEYS}
        for key, col in self.keys.items():
            f[key] = values.get(col, "")
        return {
            "ticket": ticket,
            "received": st.received,
            "channel": values.get(C.CHANNEL, ""),
            "name": values.get(C.NAME, ""),
            "contact": values.get(C.CONTACT, ""),
            "subject": values.get(C.SUBJECT, ""),
            "text": values.get(C.TEXT, ""),
            "attachments": values.get(C.ATTACHMENTS, ""),
            "category": values.get(C.CATEGORY, ""),
            "fields": staff,
            "f": f,
            "confidential": self.confidential(values),
            "sop_name": self.sop.name,
            "sop_number": self.sop.number,
            "step": self.step_info(step, st) if step else None,
            "steps_ahead": [
                {
                    "number": s.number,
                    "label": s.label,
                    "role": self.sop.role_label(s.actor),
                    "allowance": s.allowance.describe(),
                }
                for s in self.sop.steps
            ],
            "outcome": st.outcome,
            "rung": 0,
            "late_minutes": 0,
            "reply": None,
            "now": self.now,
            "source_message_id": values.get(C.SOURCE, ""),
            "documents": list(st.docs),
            "agenda": st.nums.get("agenda", ""),
            "team_text": values.get(C.TEAM_TEXT, ""),  # issue 16: staff's redaction
            # issue 16: the answer to the complainant (the SOP's answer column; an SOP
            # without one keeps its result column), and what the complainant will hear
            "answer": values.get(self.sop.answer_column, "")
            if self.sop.answer_column
            else f.get("hasil", ""),
            "promises": self.promises(),
            "progress_text": step.progress if step else "",
            "urgent": self.urgent(values),
            # -- issue 20: the service standard in force, and the SKM question on closing
            "service": service_context(self.cfg.service, self.cfg.calendar, values, st),
            "skm": self.skm_context(st),
            # issue 19: the office that handed this complaint over (its name, ticket)
            "origin": {"id": "", "name": "", "address": "", "ticket": "", **st.origin},
        }

    def promises(self) -> list[str]:
        """What the complainant will be told, read off the SOP (issue 16): the
        acknowledgement promises these and nothing more."""
        kinds = {k for s in self.sop.steps for t in s.transitions for k in t.send}
        out = [f'kabar perkembangan: "{s.progress}"' for s in self.sop.steps if s.progress]
        for kind, text in _PROMISES:
            if kind in kinds:
                out.append(text)
        return out

    def skm_context(self, st: RowState) -> dict[str, Any]:
        """The satisfaction question, for the mails that close a complaint (issue 20)."""
        skm = self.cfg.service.skm
        if skm.enabled and st.closed and st.outcome in skm.outcomes:
            return {"question": skm.question}
        return {}

    def notify(
        self,
        st: RowState,
        ticket: str,
        values: dict[str, str],
        step: Step | None,
        kind: str,
        n: int | str = 0,
        *,
        roles: Sequence[str] = (),
        complainant: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Emit a notification once: its key goes into the row's ``sent`` list."""
        step_id = step.id if step else "-"
        targets: list[tuple[str, tuple[str, ...], bool]] = []
        if complainant:
            targets.append((f"{step_id}|{kind}|{n}|pengadu", (), True))
        for role in dict.fromkeys(roles):
            targets.append((f"{step_id}|{kind}|{n}|{role}", (role,), False))
        for short, to_roles, to_c in targets:
            if short in st.sent:
                continue
            relay: dict[str, str] = {}
            if to_c and not self.complainant_email(values):
                # issue 16: no address (WA/SMS/phone/walk-in): the petugas passes it on
                relay = relay_for(values.get(C.CHANNEL, ""), values.get(C.CONTACT, ""), kind)
                if not relay:
                    st.sent.append(short)  # no way to reach them at all: record, move on
                    continue
            limit = self.ack_limit(values) if to_c and kind == "tanda_terima" else ""
            if limit:
                st.sent.append(short)
                self.event(ticket, "Tanda terima tidak dikirim", limit, key=f"{ticket}|ack-limit")
                self.d.counts["acks_capped"] += 1
                continue
            ctx = self.context(ticket, values, st, step)
            if to_roles and step and kind in ("tugas", "pengingat", "eskalasi", "ditolak"):
                ctx.update(self.reply_context(ticket, step, to_roles[0]))
            if extra:
                ctx.update(extra)
            ctx["register_id"] = self.register_id  # issue 17: its Message-ID's register part
            out_kind, out_roles, out_c = kind, to_roles, to_c
            if relay:  # the complainant's message, inside a task to the petugas
                ctx["relay"] = relay
                out_kind, out_roles, out_c = "kabar", (self.sop.first.role,), False
                # issue 16: confirmed by replying TERKIRIM; a reminder keeps the original's
                orig = str((extra or {}).get("relay_reminder") or short)
                ctx.update(kabar_reply(self.cfg.reply_keys, self.cfg.reply_address,
                                     ticket, orig, self.sop.first.role))  # fmt: skip
                if orig == short:
                    kabar_sent(st, short, self.now)
            # an urgent complaint's staff mail goes at any hour (to the on-call list too)
            not_before = None if out_c or ctx["urgent"] else self.cfg.calendar.next_open(self.now)
            self.d.notifications.append(
                Notification(
                    key=f"{ticket}|{short}",
                    kind=out_kind,
                    ticket=ticket,
                    step_id=step.id if step else None,
                    to_roles=out_roles,
                    to_complainant=out_c,
                    not_before=not_before,
                    attachments=tuple(
                        d
                        for d in ctx["documents"]
                        if not to_c or any(d.endswith(f"-{p}.docx") for p in PUBLIC_DOCS)
                    ),
                    context=ctx,
                )
            )
            st.sent.append(short)
            self.d.counts[f"email_{out_kind}"] += 1

    def reply_context(self, ticket: str, step: Step, role: str) -> dict[str, Any]:
        """What the task email needs so its role can decide by replying: the address
        with this ticket's, step's and role's token, and the commands the step allows."""
        keys = self.cfg.reply_keys
        if keys is None or not step.replies or role != step.actor or not self.cfg.reply_address:
            return {}
        token = make_token(keys.current, ticket, step.id, role)
        return {
            "reply_to": reply_address(self.cfg.reply_address, token),
            "reply_token": token,
            "reply_tag": subject_tag(token),
            "reply_commands": commands_help(step),
        }

    def ack_limit(self, values: dict[str, str]) -> str:
        """Why no acknowledgement may go to this address now (for Riwayat), or "" — and
        then it is counted: per address per day, and (issue 17, a loop backstop) per
        sender domain per hour for a domain that sends system mail."""
        addr = self.complainant_email(values)
        k = f"ack:{addr}:{self.now.date().isoformat()}"
        n = int(self.meta.get(k) or 0)
        if n >= self.cfg.ack_limit_per_day:
            return "batas tanda terima per hari untuk alamat ini tercapai"
        domain = addr.rpartition("@")[2]
        if domain and (daemon_like(addr) or domain in self.system_domains):
            dk = f"ackdom:{domain}:{self.now:%Y-%m-%dT%H}"
            m = int(self.meta.get(dk) or 0)
            if m >= self.cfg.ack_limit_per_domain_per_hour:
                return "batas tanda terima per jam untuk domain pengirim email sistem ini tercapai"
            self.meta[dk] = self.d.writes.meta[dk] = str(m + 1)
        self.meta[k] = self.d.writes.meta[k] = str(n + 1)
        return ""

    # -- system columns derived from the state
    def late_flag(self, st: RowState) -> str:
        """The *Terlambat* cell: overdue now, or a finished step ended late."""
        if not st.closed and not st.pause and st.deadline and self.now > st.deadline:
            return "Ya"  # issue 20: no clock runs while the complainant is waited for
        return "Ya" if st.was_late() else "Tidak"

    def system_values(self, st: RowState) -> dict[str, str]:
        """The system columns staff see, derived from the state."""
        if st.closed:
            step_text = "Selesai"
            assignee = ""
            deadline = ""
            status = "Disalurkan" if st.outcome == "disalurkan" else "Selesai"
            if st.fwd:  # issue 19: where the agency that runs Aduan has it
                step_text += "\n" + fwd_text(st.fwd)
            if st.outcome == NOT_COMPLETED:  # issue 20
                step_text, status = "Ditutup", OUTCOME_LABELS[NOT_COMPLETED]
            late = "Ya" if st.was_late() else "Tidak"
        else:
            step = self.sop.step(st.step) if self.sop.has_step(st.step) else None
            step_text = f"{step.number}. {_short(step.label)}" if step else st.step
            if step:  # what the step waits for, and whose turn it is (issue 22)
                cols = self.sop.awaited_columns(step)
                wait = f"Menunggu {self.sop.role_label(step.actor)}"
                step_text += f"\n{wait}: isi {' atau '.join(cols)}" if cols else f"\n{wait}"
            assignee = self.sop.role_label(step.actor) if step else ""
            deadline = idfmt.tanggal_pendek(st.deadline) if st.deadline else ""
            status = "Baru" if step is self.sop.first else "Diproses"
            overdue = bool(st.deadline and self.now > st.deadline)
            if st.pause:  # issue 20: both clocks stopped until the complainant answers
                step_text += f"\nMenunggu Pengadu: {st.pause.get('what', '')}"
                deadline, status, overdue = "berhenti (menunggu pengadu)", "Menunggu Pengadu", False
            late = "Ya" if overdue or st.was_late() else "Tidak"
        return {
            C.STEP: step_text,
            C.ASSIGNEE: assignee,
            C.DEADLINE: deadline,
            C.STATUS: status,
            C.LATE: late,
            C.SERVICE_DUE: _service_due_text(st),  # issue 20
            C.DOCUMENTS: "\n".join(st.docs),
            C.STATE: st.dumps(),
        }


#: issue 16: the promise the acknowledgement makes for each message an SOP sends
_PROMISES = (
    ("jawaban_langsung", "jawaban langsung, bila aduan Anda cukup dijawab tanpa tindak lanjut"),
    ("hasil", "hasil penyelesaian aduan beserta berita acaranya"),
    (
        "penyaluran",
        "pemberitahuan bila aduan Anda bukan kewenangan kami dan kami salurkan ke instansi "
        "yang berwenang, dengan nama dan kontak instansi tersebut",
    ),
)


def _service_due_text(st: RowState) -> str:
    """The *Batas Penyelesaian* cell: the overall deadline, or why no clock runs."""
    if st.pause and not st.closed:
        return "berhenti (menunggu pengadu)"
    return idfmt.tanggal_pendek(st.sdue) if st.sdue else ""


def _short(label: str, n: int = 60) -> str:
    label = label.strip().rstrip(".")
    return label if len(label) <= n else label[: n - 1].rstrip() + "…"


def fresh_state(cfg: EngineConfig, received: datetime, now: datetime) -> RowState:
    """A complaint received at ``received``, at the first step of the SOP."""
    first = cfg.sop.first
    return RowState(
        step=first.id,
        since=received,
        received=received,
        deadline=cfg.calendar.deadline(received, first.allowance),
    )


def emit_update(run: Run, upd: RowUpdate, current: dict[str, str], st: RowState) -> None:
    """Write the system columns that differ from what the row holds (if any)."""
    vals = run.system_values(st)
    changed = {k: v for k, v in vals.items() if (current.get(k) or "") != v}
    if changed:
        upd.values = changed
        run.d.writes.updates.append(upd)
        run.d.counts["rows_updated"] += 1


def immediate(run: Run, ticket: str, kind: str) -> None:
    """The answer to a person who just wrote goes now, not at the next opening hour."""
    for n in reversed(run.d.notifications):
        if n.ticket == ticket and n.kind == kind:
            n.not_before = None
            return


def add_staff(run: Run, ticket: str, written: dict[str, str]) -> None:
    """Put staff-column values decided by reply into this cycle's write for the row."""
    for a in run.d.writes.appends:
        if a.get(C.TICKET) == ticket:
            a.update(written)
            return
    for u in run.d.writes.updates:
        if u.ticket == ticket or u.values.get(C.TICKET) == ticket:
            u.staff.update(written)
            return
    run.d.writes.updates.append(RowUpdate(values={}, ticket=ticket, staff=dict(written)))


def refresh(run: Run, ticket: str) -> None:
    """Re-derive a ticket's system columns after a late change (reply, bounce),
    folding them into this cycle's append or update for that ticket."""
    vals = run.system_values(run.states[ticket])
    for a in run.d.writes.appends:
        if a.get(C.TICKET) == ticket:
            a.update(vals)
            return
    for u in run.d.writes.updates:
        if u.ticket == ticket or u.values.get(C.TICKET) == ticket:
            u.values.update(vals)
            return
    current = run.by_ticket[ticket].values
    changed = {k: v for k, v in vals.items() if (current.get(k) or "") != v}
    if changed:
        run.d.writes.updates.append(RowUpdate(values=changed, ticket=ticket))
