"""The engine: register rows + new mail + SOP + calendar + now -> what to change.

Pure: no I/O, no clock (``now`` is an argument), no imports of the inbox,
register, mailer or documents modules. Fed its own output at the same ``now``
it decides nothing new; that property is what lets a killed run simply be run
again.

Each complaint's progress lives in the hidden *Data Sistem* cell as compact
JSON (``RowState``): the current step, when it started and is due, the steps
done, and the keys of every email already emitted. Everything staff see in
the system columns is derived from it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from aduan.core import idfmt
from aduan.core.ids import (
    format_ticket,
    message_id,
    parse_ticket,
    safe_ticket,
    thread_id,
    ticket_regex,
)
from aduan.core.layout import C, Layout
from aduan.core.model import (
    DOC_KEYS,
    Attachment,
    DocumentJob,
    InboundMail,
    Notification,
    Row,
    RowUpdate,
    Snapshot,
    WriteSet,
    row_fingerprint,
)
from aduan.core.replies import (
    ReplyKeys,
    commands_help,
    find_tokens,
    judge,
    make_token,
    reply_address,
    subject_tag,
)
from aduan.core.sop import Sop, Step, Transition

__all__ = ["Decision", "EngineConfig", "RowState", "decide", "DOC_CODES", "OUTCOME_LABELS"]

logger = logging.getLogger(__name__)

DOC_CODES = {
    "formulir_aduan": "FA",
    "lembar_disposisi": "LD",
    "rencana_tindak_lanjut": "RTL",
    "laporan_pelaksanaan": "LP",
    "hasil_keputusan": "HK",
    "berita_acara": "BA",
    "formulir_penyaluran": "FP",
}
OUTCOME_LABELS = {
    "terlayani_langsung": "Selesai (dijawab langsung)",
    "ditindaklanjuti": "Selesai (ditindaklanjuti)",
    "disalurkan": "Disalurkan (bukan kewenangan)",
}
#: documents that may go to the complainant; the others are internal to the office
PUBLIC_DOCS = ("berita_acara", "formulir_penyaluran")
MAX_TEXT = 30_000  # a Sheets cell holds 50,000 characters, an xlsx cell 32,767
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SYSTEM_ACTOR = "Sistem"


# --------------------------------------------------------------------- inputs
@dataclass
class EngineConfig:
    """What the engine needs to know about the office (built from Settings)."""

    sop: Sop
    layout: Layout
    calendar: Any  # aduan.core.worktime.WorkCalendar
    tz: tzinfo
    tz_label: str = "WIB"
    ticket_format: str = "ADU/{year}/{month:02d}/{seq:04d}"
    document_number_format: str = "{seq:03d}/{doc}/{office}/{year}"
    office_code: str = ""
    escalation: list[tuple[float, list[str]]] = field(
        default_factory=lambda: [(1, ["assignee"]), (2, ["assignee", "superior"]), (3, ["head"])]
    )
    confidential_default: bool = False
    ack_limit_per_day: int = 5
    mail_domain: str = "aduan.invalid"
    attachments_prefix: str = ""
    #: the original email is kept as email-asli.eml only up to this size (limits.message_mb)
    max_original_bytes: int = 25 * 1024 * 1024
    #: role -> its configured addresses (who may decide a step by email reply)
    role_addresses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the HMAC key(s) of reply tokens; None when decisions by reply are off
    reply_keys: ReplyKeys | None = None
    #: the inbox address whose plus-addresses (aduan+<token>@...) carry the tokens
    reply_address: str = ""

    @classmethod
    def from_settings(cls, settings: Any, sop: Sop, layout: Layout, calendar: Any) -> EngineConfig:
        return cls(
            sop=sop,
            layout=layout,
            calendar=calendar,
            tz=settings.tz,
            tz_label=settings.tz_label,
            ticket_format=settings.ticket_format,
            document_number_format=settings.document_number_format,
            office_code=settings.office.id.upper(),
            escalation=[(r.at, list(r.to)) for r in settings.escalation],
            confidential_default=settings.confidential_default,
            ack_limit_per_day=settings.mail_identity.ack_limit_per_day,
            mail_domain=settings.mail_identity.from_address.rpartition("@")[2],
            role_addresses={r: tuple(a) for r, a in settings.roles.items()},
            reply_keys=settings.replies.keys(settings.file) if settings.replies.enabled else None,
            reply_address=settings.reply_address,
            max_original_bytes=int(settings.limits.message_mb * 1024 * 1024),
        )


# ---------------------------------------------------------------------- state
def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt else None


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return d if d.tzinfo else None


@dataclass
class RowState:
    """One complaint's progress (stored as JSON in the *Data Sistem* cell)."""

    step: str
    since: datetime
    deadline: datetime | None
    received: datetime
    hist: list[list[str | None]] = field(default_factory=list)  # [step, start, deadline, done]
    sent: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    closed: datetime | None = None
    outcome: str | None = None

    def dumps(self) -> str:
        data = {
            "v": 1,
            "step": self.step,
            "since": _iso(self.since),
            "due": _iso(self.deadline),
            "recv": _iso(self.received),
            "hist": self.hist,
            "sent": self.sent,
            "docs": self.docs,
        }
        if self.closed:
            data["closed"] = _iso(self.closed)
            data["outcome"] = self.outcome
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> RowState:
        """Parse a cell; ValueError when it is not a state Aduan wrote."""
        try:
            d = json.loads(text)
        except (TypeError, ValueError) as e:
            raise ValueError(f"not JSON ({e})") from None
        if not isinstance(d, dict) or d.get("v") != 1:
            raise ValueError("unknown format")
        since, recv = _dt(d.get("since")), _dt(d.get("recv"))
        if not since or not recv or not isinstance(d.get("step"), str):
            raise ValueError("missing step or times")
        return cls(
            step=d["step"],
            since=since,
            deadline=_dt(d.get("due")),
            received=recv,
            hist=[list(h) for h in d.get("hist", []) if isinstance(h, list) and len(h) == 4],
            sent=[s for s in d.get("sent", []) if isinstance(s, str)],
            docs=[s for s in d.get("docs", []) if isinstance(s, str)],
            closed=_dt(d.get("closed")),
            outcome=d.get("outcome"),
        )

    def was_late(self) -> bool:
        """True if a finished step ended after its deadline."""
        for _step, _start, due, done in self.hist:
            d, e = _dt(due), _dt(done)
            if d and e and e > d:
                return True
        return False


# --------------------------------------------------------------------- output
@dataclass
class Decision:
    """Everything one cycle must do, in the order the cycle does it."""

    writes: WriteSet = field(default_factory=WriteSet)
    notifications: list[Notification] = field(default_factory=list)
    documents: list[DocumentJob] = field(default_factory=list)
    #: attachments to save: (folder relative to the attachments root, attachments)
    attachments: list[tuple[str, list[Attachment]]] = field(default_factory=list)
    #: inbox keys to mark processed once the register write succeeded
    consumed: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    #: things a person must look at (the run exits 1): e.g. an open complaint's row vanished
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


# --------------------------------------------------------------------- engine
class _Run:
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
        self.by_ticket: dict[str, Row] = {}
        self.states: dict[str, RowState] = {}
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
        logger.info(line)
        self.d.log.append(line)

    def event(
        self,
        ticket: str,
        what: str,
        detail: str = "",
        actor: str = _SYSTEM_ACTOR,
        key: str = "",
        when: datetime | None = None,
    ) -> None:
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

    def complainant_email(self, values: dict[str, str]) -> str:
        m = _EMAIL_RE.search(values.get(C.CONTACT, "") or "")
        return m.group(0).lower() if m else ""

    def confidential(self, values: dict[str, str]) -> bool:
        v = (values.get(C.CONFIDENTIAL) or "").strip().casefold()
        if v in ("ya", "y", "yes", "true", "1"):
            return True
        if v in ("tidak", "t", "no", "false", "0"):
            return False
        return self.cfg.confidential_default

    def step_info(self, step: Step, st: RowState) -> dict[str, Any]:
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
        }

    def context(
        self, ticket: str, values: dict[str, str], st: RowState, step: Step | None
    ) -> dict[str, Any]:
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
        }

    def notify(
        self,
        st: RowState,
        ticket: str,
        values: dict[str, str],
        step: Step | None,
        kind: str,
        n: int | str = 0,
        *,
        roles: list[str] = (),
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
            if to_c and not self.complainant_email(values):
                st.sent.append(short)  # nothing to send to (phone/walk-in): record, move on
                continue
            if to_c and kind == "tanda_terima" and not self.ack_allowed(values):
                st.sent.append(short)
                self.event(
                    ticket,
                    "Tanda terima tidak dikirim",
                    "batas tanda terima per hari untuk alamat ini tercapai",
                    key=f"{ticket}|ack-limit",
                )
                continue
            ctx = self.context(ticket, values, st, step)
            if to_roles and step and kind in ("tugas", "pengingat", "eskalasi", "ditolak"):
                ctx.update(self.reply_context(ticket, step, to_roles[0]))
            if extra:
                ctx.update(extra)
            not_before = None if to_c else self.cfg.calendar.next_open(self.now)
            self.d.notifications.append(
                Notification(
                    key=f"{ticket}|{short}",
                    kind=kind,
                    ticket=ticket,
                    step_id=step.id if step else None,
                    to_roles=to_roles,
                    to_complainant=to_c,
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
            self.d.counts[f"email_{kind}"] += 1

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

    def ack_allowed(self, values: dict[str, str]) -> bool:
        addr = self.complainant_email(values)
        k = f"ack:{addr}:{self.now.date().isoformat()}"
        n = int(self.meta.get(k) or 0)
        if n >= self.cfg.ack_limit_per_day:
            return False
        self.meta[k] = self.d.writes.meta[k] = str(n + 1)
        return True

    # -- the SOP walk
    def enter(self, st: RowState, ticket: str, values: dict[str, str], step: Step) -> None:
        st.step, st.since = step.id, self.now
        st.deadline = self.cfg.calendar.deadline(self.now, step.allowance)
        self.event(
            ticket, f"Tahap {step.number} dimulai", step.label, key=f"{ticket}|mulai|{step.id}"
        )
        self.notify(st, ticket, values, step, "tugas", roles=step.task_roles)

    def complete(
        self, st: RowState, ticket: str, values: dict[str, str], step: Step, t: Transition
    ) -> Step | None:
        st.hist.append([step.id, _iso(st.since), _iso(st.deadline), _iso(self.now)])
        late = bool(st.deadline and self.now > st.deadline)
        actor = self.sop.role_label(step.actor)
        self.event(
            ticket,
            f"Tahap {step.number} selesai",
            f"{step.output}" + (" — melewati tenggat" if late else ""),
            actor=actor,
            key=f"{ticket}|selesai|{step.id}",
        )
        for doc in t.documents:
            self.document(st, ticket, values, doc, step)
        if t.to == "close":
            st.closed, st.outcome = self.now, t.outcome
            self.event(
                ticket,
                "Aduan ditutup",
                OUTCOME_LABELS.get(t.outcome or "", t.outcome or ""),
                key=f"{ticket}|tutup",
            )
            self.d.counts["closed"] += 1
        for kind in t.send:
            if kind == "laporan":
                self.notify(st, ticket, values, step, kind, roles=[self.sop.head_role])
            else:
                self.notify(st, ticket, values, step, kind, complainant=True)
        return None if t.to == "close" else self.sop.step(t.to)

    def document(
        self, st: RowState, ticket: str, values: dict[str, str], doc: str, step: Step
    ) -> None:
        year = st.received.astimezone(self.cfg.tz).year
        # numbered by the SOP step that outputs it, so files sort in SOP order
        rel = f"{year}/{safe_ticket(ticket)}/{step.number:02d}-{doc}.docx"
        if rel not in st.docs:
            st.docs.append(rel)
        p = parse_ticket(self.pattern, ticket)
        seq = p[2] if p else 0
        local = self.now
        try:
            nomor = self.cfg.document_number_format.format(
                seq=seq,
                doc=DOC_CODES.get(doc, doc.upper()),
                office=self.cfg.office_code,
                year=local.year,
                month=local.month,
            )
        except (KeyError, IndexError, ValueError):
            nomor = f"{seq}/{doc}/{local.year}"
        ctx = self.context(ticket, values, st, step)
        ctx.update({"doc": doc, "nomor": nomor, "date": self.now})
        self.d.documents.append(DocumentJob(ticket=ticket, doc=doc, path=rel, context=ctx))
        self.d.counts["documents"] += 1

    def advance(self, ticket: str, values: dict[str, str], st: RowState) -> None:
        """Complete every step whose condition holds, then check deadlines."""
        for _ in range(len(self.sop.steps) + 1):
            if st.closed:
                return
            if not self.sop.has_step(st.step):
                self.log(f"{ticket}: tahap {st.step!r} tidak ada di SOP; baris dibiarkan")
                return
            step = self.sop.step(st.step)
            t = next((t for t in step.transitions if t.when.holds(values, {"registered"})), None)
            if t is None:
                break
            nxt = self.complete(st, ticket, values, step, t)
            if nxt is None:
                return
            self.enter(st, ticket, values, nxt)
        self.ladder(ticket, values, st)

    def ladder(self, ticket: str, values: dict[str, str], st: RowState) -> None:
        """Reminder at the deadline, then escalations at multiples of the allowance."""
        if st.closed or not self.sop.has_step(st.step):
            return
        step = self.sop.step(st.step)
        cal, allow = self.cfg.calendar, step.allowance
        ladder = self.cfg.escalation
        if ladder and ladder[0][0] >= 1 and st.deadline and self.now < st.deadline:
            return  # before the deadline no rung is due (the common case: no arithmetic)
        for i, (at, who) in enumerate(ladder, start=1):
            roles: list[str] = []
            for w in who:
                if w == "assignee":
                    roles.append(step.actor)
                elif w == "superior":
                    sup = self.sop.superiors.get(step.actor)
                    if sup:
                        roles.append(sup)
                elif w == "head":
                    roles.append(self.sop.head_role)
                else:
                    roles.append(w)
            kind = "pengingat" if i == 1 else "eskalasi"
            if all(f"{step.id}|{kind}|{i}|{r}" in st.sent for r in roles):
                continue  # this rung went out already: no calendar arithmetic (10k rows)
            if allow.working_days:
                due = cal.add(st.since, working_days=max(1, round(allow.working_days * at)))
            else:
                due = cal.add(st.since, minutes=max(1, round(allow.minutes * at)))
            if self.now < due:
                break
            late = int(cal.working_minutes(st.deadline or st.since, self.now))
            before = len(self.d.notifications)
            self.notify(
                st,
                ticket,
                values,
                step,
                kind,
                i,
                roles=roles,
                extra={"rung": i, "late_minutes": late},
            )
            if len(self.d.notifications) > before:
                self.event(
                    ticket,
                    "Pengingat" if i == 1 else f"Eskalasi tingkat {i}",
                    f"Tahap {step.number} ({self.sop.role_label(step.actor)}) terlambat "
                    f"{idfmt.durasi(late)}; diberitahukan kepada "
                    + ", ".join(self.sop.role_label(r) for r in dict.fromkeys(roles)),
                    key=f"{ticket}|tangga|{step.id}|{i}",
                )

    # -- system columns derived from the state
    def late_flag(self, st: RowState) -> str:
        """The *Terlambat* cell: overdue now, or a finished step ended late."""
        if not st.closed and st.deadline and self.now > st.deadline:
            return "Ya"
        return "Ya" if st.was_late() else "Tidak"

    def system_values(self, st: RowState) -> dict[str, str]:
        if st.closed:
            step_text = "Selesai"
            assignee = ""
            deadline = ""
            status = "Disalurkan" if st.outcome == "disalurkan" else "Selesai"
            late = "Ya" if st.was_late() else "Tidak"
        else:
            step = self.sop.step(st.step) if self.sop.has_step(st.step) else None
            step_text = f"{step.number}. {_short(step.label)}" if step else st.step
            assignee = self.sop.role_label(step.actor) if step else ""
            deadline = idfmt.tanggal_pendek(st.deadline) if st.deadline else ""
            status = "Baru" if step is self.sop.first else "Diproses"
            overdue = bool(st.deadline and self.now > st.deadline)
            late = "Ya" if overdue or st.was_late() else "Tidak"
        return {
            C.STEP: step_text,
            C.ASSIGNEE: assignee,
            C.DEADLINE: deadline,
            C.STATUS: status,
            C.LATE: late,
            C.DOCUMENTS: "\n".join(st.docs),
            C.STATE: st.dumps(),
        }


def _short(label: str, n: int = 60) -> str:
    label = label.strip().rstrip(".")
    return label if len(label) <= n else label[: n - 1].rstrip() + "…"


def _fresh_state(cfg: EngineConfig, received: datetime, now: datetime) -> RowState:
    first = cfg.sop.first
    return RowState(
        step=first.id,
        since=received,
        received=received,
        deadline=cfg.calendar.deadline(received, first.allowance),
    )


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


# ----------------------------------------------------------------- entry point
def decide(snap: Snapshot, mails: list[InboundMail], cfg: EngineConfig, now: datetime) -> Decision:
    """Decide one cycle. Pure: the same inputs give the same Decision."""
    run = _Run(snap, cfg, now)
    d = run.d
    existing_sources = {r.get(C.SOURCE) for r in snap.rows if r.get(C.SOURCE)}

    # 1. rows already in the register
    for row in snap.rows:
        ticket = row.get(C.TICKET)
        if ticket and run.by_ticket.get(ticket) is not row:
            continue
        values = dict(row.values)
        if not ticket:
            if not any(row.get(c) for c in (C.NAME, C.CONTACT, C.SUBJECT, C.TEXT)):
                continue  # an empty-ish row staff left; nothing to register
            _register_typed_row(run, row, values)
            continue
        raw = row.get(C.STATE)
        try:
            st = RowState.loads(raw)
        except ValueError as e:
            received = idfmt.parse_tanggal(row.get(C.RECEIVED), cfg.tz) or run.now
            st = _fresh_state(cfg, received, run.now)
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
        run.advance(ticket, values, st)
        if raw and before == (st.step, st.closed, len(st.hist), len(st.sent), len(st.docs)):
            # The state is what the cell holds: only the clock can have changed
            # something, namely lateness. Skipping the full derivation keeps a
            # steady cycle on 10,000 rows fast.
            late = run.late_flag(st)
            if row.get(C.LATE) != late:
                run.d.writes.updates.append(RowUpdate(values={C.LATE: late}, ticket=ticket))
                run.d.counts["rows_updated"] += 1
            continue
        _emit_update(run, RowUpdate(values={}, ticket=ticket), row.values, st)

    # 2. new mail
    replies: list[tuple[InboundMail, str]] = []
    decisions: list[tuple[InboundMail, str | None]] = []
    seen_batch: set[str] = set()
    thread_map: dict[str, str] | None = None
    for mail in mails:
        if mail.message_id in existing_sources or mail.message_id in seen_batch:
            d.consumed.append(mail.source_key)
            d.counts["mail_duplicate"] += 1
            continue
        seen_batch.add(mail.message_id)
        if mail.kind == "bounce":
            if thread_map is None:
                thread_map = _thread_map(run)
            _handle_bounce(run, mail, thread_map)
            d.consumed.append(mail.source_key)
            continue
        if mail.kind != "complaint":
            run.log(
                f"email {mail.message_id} dari {mail.from_addr or '?'} diabaikan: "
                f"{mail.kind} ({mail.reason})"
            )
            d.consumed.append(mail.source_key)
            d.counts[f"mail_{mail.kind}"] += 1
            continue
        # a form response is never a reply nor a decision: it has no inbox to be
        # marked read in, so it would be swallowed again every cycle, never registered
        if mail.channel != "Email":
            _register_mail(run, mail)
            continue
        if thread_map is None:
            thread_map = _thread_map(run)
        ticket = _reply_target(run, mail, thread_map)
        if ticket:
            row = run.by_ticket[ticket]
            if run.complainant_email(row.values) == mail.from_addr.lower():
                replies.append((mail, ticket))  # the complainant: never a command
                continue
        if _is_role_reply(run, mail, ticket):
            decisions.append((mail, ticket))
            continue
        if ticket:
            run.log(
                f"email dari {mail.from_addr} menyebut {ticket} tetapi bukan dari pengadunya; "
                "dicatat sebagai aduan baru"
            )
        _register_mail(run, mail, quoted=ticket)

    for mail, ticket in replies:
        _handle_reply(run, mail, ticket)
    for mail, ticket in decisions:
        _handle_decision(run, mail, ticket)

    _track_open(run)
    return d


OPEN_META = "open"  # the open tickets after the last write, range-encoded


def encode_tickets(tickets: set[str], pattern: re.Pattern[str], fmt: str, office: str = "") -> str:
    """Tickets as compact ranges per month: "2026-11:1-5,7 2026-12:1". A ticket that
    the office's format would not write back identically (typed by hand, or zero-
    padded differently) is kept verbatim; one with white space is left out."""
    by_month: dict[tuple[int, int], list[int]] = {}
    raw: list[str] = []
    for t in tickets:
        p = parse_ticket(pattern, t)
        if p and format_ticket(fmt, year=p[0], month=p[1], seq=p[2], office=office) == t:
            by_month.setdefault((p[0], p[1]), []).append(p[2])
        elif t and not any(ch.isspace() for ch in t):
            raw.append(t)
    parts = []
    for (y, m), seqs in sorted(by_month.items()):
        seqs.sort()
        spans, start, prev = [], seqs[0], seqs[0]
        for n in seqs[1:] + [None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        parts.append(f"{y:04d}-{m:02d}:{','.join(spans)}")
    return " ".join(parts + sorted(raw))


def decode_tickets(text: str, fmt: str, office: str = "") -> set[str]:
    out: set[str] = set()
    for part in (text or "").split():
        month, sep, spans = part.partition(":")
        if not sep or not re.fullmatch(r"\d{4}-\d{2}", month):
            out.add(part)  # a ticket kept verbatim
            continue
        y, m = int(month[:4]), int(month[5:])
        for span in spans.split(","):
            a, _, b = span.partition("-")
            if not a.isdigit() or (b and not b.isdigit()):
                continue
            for n in range(int(a), int(b or a) + 1):
                out.add(format_ticket(fmt, year=y, month=m, seq=n, office=office))
    return out


def _track_open(run: _Run) -> None:
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


def _check_choices(run: _Run, ticket: str, row: Row) -> None:
    """Log a staff cell that is not one of its column's choices (it moves nothing)."""
    for col, known in run.choice_sets:
        v = row.get(col.name)
        if v and v.casefold() not in known:
            run.log(
                f"{ticket}: isi kolom '{col.name}' {v[:40]!r} bukan pilihan yang dikenal "
                f"({', '.join(col.choices)}); diabaikan"
            )


def _emit_update(run: _Run, upd: RowUpdate, current: dict[str, str], st: RowState) -> None:
    vals = run.system_values(st)
    changed = {k: v for k, v in vals.items() if (current.get(k) or "") != v}
    if changed:
        upd.values = changed
        run.d.writes.updates.append(upd)
        run.d.counts["rows_updated"] += 1


def _register_typed_row(run: _Run, row: Row, values: dict[str, str]) -> None:
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
    st = _fresh_state(cfg, received, run.now)
    new = {C.TICKET: ticket, C.RECEIVED: idfmt.tanggal_pendek(received)}
    if not row.get(C.CHANNEL):
        new[C.CHANNEL] = "Datang Langsung"
    values.update(new)
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
    _start(run, ticket, values, st)
    upd = RowUpdate(values={}, index=row.index, fingerprint=row_fingerprint(row.values))
    vals = run.system_values(st)
    upd.values = {**new, **vals}
    run.d.writes.updates.append(upd)


def _register_mail(run: _Run, mail: InboundMail, quoted: str | None = None) -> None:
    cfg = run.cfg
    received = _plausible_date(mail.date, run.now)
    notes = list(mail.problems)
    if mail.date is not None and received is None:
        notes.append(f"tanggal email {mail.date.isoformat()} tidak wajar; dipakai waktu diterima")
    received = received or run.now
    ticket = run.next_ticket(received)
    st = _fresh_state(cfg, received, run.now)
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
    detail = f"email dari {mail.from_addr or '(alamat tidak terbaca)'}"
    if mail.channel != "Email":
        detail = f"{mail.reason or mail.channel}; kontak {mail.from_addr or '-'}"
    if quoted:
        detail += f"; menyebut aduan {quoted}"
    if notes:
        detail += "; catatan: " + "; ".join(notes)[:500]
    run.event(ticket, "Aduan diterima", detail, key=f"{ticket}|dicatat")
    run.d.counts["registered_mail"] += 1
    run.d.consumed.append(mail.source_key)
    _start(run, ticket, values, st)
    values.update(run.system_values(st))
    run.d.writes.appends.append({k: v for k, v in values.items() if v != ""})


def _start(run: _Run, ticket: str, values: dict[str, str], st: RowState) -> None:
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
    run.advance(ticket, values, st)


def _thread_map(run: _Run) -> dict[str, str]:
    """Message-ID -> ticket for threading: our thread roots and complainants' originals."""
    out: dict[str, str] = {}
    for ticket, row in run.by_ticket.items():
        out[thread_id(ticket, run.cfg.mail_domain)] = ticket
        src = row.get(C.SOURCE)
        if src:
            out[src] = ticket
    return out


def _reply_target(run: _Run, mail: InboundMail, thread_map: dict[str, str]) -> str | None:
    for m in run.pattern.finditer(mail.subject or ""):
        if m.group(0) in run.by_ticket:
            return m.group(0)
    for ref in [mail.in_reply_to, *mail.references]:
        if ref and ref in thread_map:
            return thread_map[ref]
    return None


def _handle_reply(run: _Run, mail: InboundMail, ticket: str) -> None:
    """The complainant wrote again: history, attachments, and tell whoever acts now."""
    row = run.by_ticket[ticket]
    st = run.states.get(ticket)
    if st is None:
        return
    folder = f"{st.received.astimezone(run.cfg.tz).year}/{safe_ticket(ticket)}"
    n = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    if mail.attachments or mail.raw:
        keep = [
            Attachment(f"balasan-{n}-{a.filename}", a.content_type, a.data, a.inline)
            for a in mail.attachments
        ]
        if mail.raw:
            keep.append(Attachment(f"balasan-{n}.eml", "message/rfc822", mail.raw))
        run.d.attachments.append((folder, keep))
    run.event(
        ticket,
        "Balasan pengadu",
        (mail.text or "")[:1500],
        actor="Pengadu",
        key=f"{ticket}|balasan|{n}",
    )
    step = None if st.closed else run.sop.step(st.step)
    role = step.actor if step else run.sop.first.role
    reply = {
        "from": mail.from_addr,
        "subject": mail.subject,
        "text": mail.text[:5000],
        "date": mail.date,
    }
    run.notify(
        st, ticket, row.values, step, "balasan_pengadu", n, roles=[role], extra={"reply": reply}
    )
    run.d.consumed.append(mail.source_key)
    run.d.counts["replies"] += 1
    _refresh(run, ticket)


def _is_role_reply(run: _Run, mail: InboundMail, ticket: str | None) -> bool:
    """A reply that tries to decide a step: it carries one of our reply tokens, or a
    configured staff address answers about a ticket. Only when replies are on."""
    cfg = run.cfg
    if cfg.reply_keys is None:
        return False
    if find_tokens(mail, cfg.reply_address):
        return True
    sender = mail.from_addr.strip().lower()
    staff = any(sender in {a.lower() for a in addrs} for addrs in cfg.role_addresses.values())
    return bool(ticket and staff)


def _handle_decision(run: _Run, mail: InboundMail, ticket: str | None) -> None:
    """A role replied to decide its step: accept it (staff columns, step done, next
    step started, confirmation) or refuse it (Riwayat with the reason; a configured
    sender is told why, an unknown one is not answered). Each Message-ID is handled
    once: its hash goes into the row's ``sent`` list."""
    cfg, sop = run.cfg, run.sop
    run.d.consumed.append(mail.source_key)
    sender = mail.from_addr or "(tanpa alamat)"
    st = run.states.get(ticket) if ticket else None
    if ticket is None or st is None:
        run.log(
            f"balasan {mail.message_id} dari {sender} diabaikan: tidak menyebut aduan terdaftar"
        )
        run.d.counts["decisions_unmatched"] += 1
        return
    h = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    mark = f"keputusan|{h}"
    if mark in st.sent:
        run.d.counts["decisions_duplicate"] += 1
        return
    st.sent.append(mark)
    step = None if st.closed or not sop.has_step(st.step) else sop.step(st.step)
    assert cfg.reply_keys is not None  # _is_role_reply checked it
    v = judge(
        mail,
        ticket=ticket,
        step=step,
        steps=sop.steps,
        role_addresses=cfg.role_addresses,
        keys=cfg.reply_keys,
        address=cfg.reply_address,
        today=run.now.date(),
        role_label={r: sop.role_label(r) for r in sop.roles},
    )
    row = run.by_ticket[ticket]
    who = f"{sop.role_label(v.role)} ({sender})" if v.role else sender
    # "decision", not "reply": that key is the complainant's words (identity-scrubbed)
    decision = {
        "from": mail.from_addr,
        "subject": mail.subject,
        "text": (mail.text or "")[:5000],
        "date": mail.date,
        "command": v.command.command if v.command else "",
        "values": v.values,
    }
    if not v.accepted:
        run.event(
            ticket,
            "Balasan ditolak",
            f"{v.reason}; Message-ID {mail.message_id}",
            actor=who,
            key=f"{ticket}|ditolak|{h}",
        )
        if v.role:
            extra = {"decision": decision, "refusal": v.reason}
            run.notify(st, ticket, row.values, step, "ditolak", h, roles=[v.role], extra=extra)
            _immediate(run, ticket, "ditolak")
        run.d.counts["decisions_refused"] += 1
        _refresh(run, ticket)
        return
    assert step is not None and v.command is not None
    values = dict(row.values)
    written = {c: val for c, val in v.values.items() if not (values.get(c) or "").strip()}
    values.update(written)
    row.values.update(written)
    detail = "; ".join(f"{c}: {val}" for c, val in v.values.items())
    if len(written) < len(v.values):
        detail += "; kolom yang sudah diisi staf tidak ditimpa"
    run.event(
        ticket,
        f"Keputusan lewat email: {v.command.command}",
        f"{detail}; Message-ID {mail.message_id}",
        actor=who,
        key=f"{ticket}|keputusan|{h}",
    )
    extra = {"decision": decision}
    run.notify(st, ticket, values, step, "konfirmasi", h, roles=[v.role or step.actor], extra=extra)
    _immediate(run, ticket, "konfirmasi")
    run.advance(ticket, values, st)
    run.d.counts["decisions_accepted"] += 1
    _refresh(run, ticket)
    if written:
        _add_staff(run, ticket, written)


def _immediate(run: _Run, ticket: str, kind: str) -> None:
    """The answer to a person who just wrote goes now, not at the next opening hour."""
    for n in reversed(run.d.notifications):
        if n.ticket == ticket and n.kind == kind:
            n.not_before = None
            return


def _add_staff(run: _Run, ticket: str, written: dict[str, str]) -> None:
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


def _refresh(run: _Run, ticket: str) -> None:
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


def _handle_bounce(run: _Run, mail: InboundMail, thread_map: dict[str, str]) -> None:
    """A bounce of one of our emails: history of that ticket + tell the officer."""
    refs = [mail.in_reply_to, *mail.references]
    ticket = next((thread_map[r] for r in refs if r in thread_map), None)
    if ticket is None and refs:
        # the bounce quotes the Message-ID of the email that failed: one of ours
        sent = {
            message_id(f"{t}|{short}", run.cfg.mail_domain): t
            for t, st in run.states.items()
            for short in st.sent
        }
        ticket = next((sent[r] for r in refs if r in sent), None)
    if ticket is None:
        for m in run.pattern.finditer(mail.subject + "\n" + mail.text[:5000]):
            if m.group(0) in run.by_ticket:
                ticket = m.group(0)
                break
    if ticket is None or ticket not in run.states:
        run.log(f"pantulan/laporan pengiriman {mail.message_id} diabaikan: tidak terkait aduan")
        run.d.counts["mail_bounce"] += 1
        return
    st = run.states[ticket]
    row = run.by_ticket[ticket]
    failed = ", ".join(p.removeprefix("failed: ") for p in mail.problems if p.startswith("failed:"))
    n = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    delayed = [p.removeprefix("delayed: ") for p in mail.problems if p.startswith("delayed:")]
    if delayed and not failed:
        # a 4.x.x delay warning: the server is still trying; record it, alarm nobody
        run.event(
            ticket,
            "Email tertunda",
            f"server masih mencoba mengirim ke {', '.join(delayed)}",
            key=f"{ticket}|tertunda|{n}",
        )
        run.d.counts["bounces_delayed"] += 1
        return
    run.event(
        ticket,
        "Email tidak terkirim",
        f"pantulan dari server: {failed or mail.subject}"[:500],
        key=f"{ticket}|pantulan|{n}",
    )
    run.notify(
        st,
        ticket,
        row.values,
        None,
        "pantulan",
        n,
        roles=[run.sop.first.role],
        extra={
            "reply": {
                "from": mail.from_addr,
                "subject": mail.subject,
                "text": failed or mail.text[:2000],
                "date": mail.date,
            }
        },
    )
    _refresh(run, ticket)
    run.d.counts["bounces"] += 1
