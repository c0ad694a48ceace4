"""The demo's people of one office: the complainants, the officer, the secretary, the
head and the team, played at each moment of the shared simulated clock. The cycles
themselves run elsewhere (:mod:`aduan.demo.run`, through the fleet runner); a
:class:`Sim` acts before its office's cycle and looks at what the cycle did after."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment

from aduan.config import FileMail, MaildirInbox, XlsxRegister, load_settings
from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.core.model import Row
from aduan.core.state import RowState, aware, tracked_rows
from aduan.core.urgency import is_urgent
from aduan.demo.data import Complaint
from aduan.demo.mails import ANSWER, WIB, arrival, bounce, message, reply
from aduan.demo.replies import command_for, confirm_kabars, reply_mail, task_mail
from aduan.inbox.forms import FORM_CHANNEL
from aduan.run.fleet import NOT_FAILED, OfficeResult
from aduan.run.wiring import open_register

__all__ = [
    "DemoOffice",
    "END",
    "FORM_QUESTIONS",
    "FORM_TAB",
    "HANDOFF_CHANNEL",
    "START",
    "TICK",
    "Sim",
    "next_mark",
]

START = datetime(2026, 11, 2, 7, 0, tzinfo=WIB)
END = datetime(2026, 11, 30, 16, 0, tzinfo=WIB)
TICK = timedelta(minutes=5)
FORM_TAB = "Form Responses 1"  # as Google names a linked form's responses tab
FORM_QUESTIONS = [
    "Timestamp",
    "Nama Lengkap",
    "Alamat Email",
    "Nomor HP/WhatsApp",
    "Kategori Aduan",
    "Perihal",
    "Isi Aduan",
    "Rahasiakan Identitas",
]
#: the Saluran of a complaint another office handed over (issue 19)
HANDOFF_CHANNEL = "Penyaluran dari"
_TYPED = Alignment(wrap_text=True, vertical="top")  # a typed cell, as LibreOffice styles it
Script = dict[str, tuple[int, dict[str, str]]]


@dataclass
class DemoOffice:
    """What the demo left for one office, for the summary."""

    office_id: str
    root: Path
    cycles: int = 0
    rows: list[dict[str, str]] = field(default_factory=list)
    emails: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)
    recap: Path | None = None


def next_mark(t: datetime) -> datetime:
    """Cron runs on 5-minute marks: the first one at or after ``t``."""
    minute = (t.minute + 4) // 5 * 5
    return t.replace(second=0, microsecond=0) + timedelta(minutes=minute - t.minute)


class Sim:
    """Plays the people of one office for one month; ``handoff`` plays its staff for a
    complaint another office hands over (a row whose Saluran is *Penyaluran dari …*)."""

    def __init__(
        self, root: Path, office_id: str, spec: dict[str, Any], handoff: Script | None = None
    ) -> None:
        self.root, self.office_id, self.spec = root, office_id, spec
        self.settings = load_settings(root / "settings.yaml")
        self.sop = self.settings.load_sop()
        self.cal = self.settings.calendar()
        self.layout = build_layout(
            self.sop, self.settings.categories, self.settings.service.kind_names()
        )
        # the demo writes its own settings: an .xlsx register, a Maildir, a file outbox
        reg, inbox, mail = self.settings.register_, self.settings.inbox, self.settings.mail
        assert isinstance(reg, XlsxRegister) and isinstance(inbox, MaildirInbox)
        assert isinstance(mail, FileMail)
        self.register_path = self.settings.path(reg.path)
        self.maildir = self.settings.path(inbox.path)
        self.outbox = self.settings.path(mail.outbox)
        self.complaints: list[Complaint] = spec["complaints"]
        self.handoff: Script = handoff or {}
        self.to = spec["from"]
        self.delivered: set[int] = set()
        self.done_actions: set[tuple[int | str, str]] = set()
        self.ticket_of: dict[int, str] = {}
        self.replied: set[int] = set()
        self.replied_tasks: set[tuple[str, str]] = set()  # decided by reply (issue 21)
        self.bounced: set[int] = set()
        # -- issue 20: what the people did about the service standard
        self.kinded: set[int] = set()
        self.asked: dict[int, datetime] = {}
        self.answered: set[int] = set()
        self.rated: set[int] = set()
        self.result = DemoOffice(office_id, root)
        self._upcoming: list[datetime] = []
        self.kabars_seen: set[str] = set()  # outbox files confirm_kabars looked at
        (root / "kiriman").mkdir(exist_ok=True)

    # -- the people
    def deliver(self, now: datetime) -> None:
        for i, c in enumerate(self.complaints):
            if i in self.delivered or arrival(c) > now:
                continue
            self.delivered.add(i)
            if c.channel == "Email":
                raw = message(c, i, self.to)
                (self.root / "kiriman" / f"{i + 1:02d}-{c.kind}.eml").write_bytes(raw)
                self._drop(raw, f"demo-{i:02d}", arrival(c))
            elif c.channel == FORM_CHANNEL:
                self._form_response(c)
            else:
                self._type_row(c)

    def _drop(self, raw: bytes, name: str, when: datetime | None = None) -> None:
        if when is not None:  # delivered at the simulated moment (issue 21: it counts)
            name = f"{int(when.timestamp())}.{name}.demo"  # the Maildir name carries it
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        tmp.rename(self.maildir / "new" / name)

    def _type_row(self, c: Complaint) -> None:
        """The officer types a WA/SMS/phone/walk-in complaint into the register."""
        wb = openpyxl.load_workbook(self.register_path)
        ws = wb[REGISTER_TAB]
        cols = {cell.value: cell.column for cell in ws[1]}
        r = ws.max_row + 1
        for col, val in (
            # issue 22: the officer writes when the person came or called (it counts)
            (C.RECEIVED, f"{arrival(c):%d/%m/%Y %H.%M}"),
            (C.CHANNEL, c.channel),
            (C.NAME, c.name),
            (C.CONTACT, c.contact),
            (C.SUBJECT, c.subject),
            (C.TEXT, c.text),
        ):
            # LibreOffice gives a typed cell its column's style (wrapped, top-aligned)
            ws.cell(row=r, column=cols[col], value=val).alignment = _TYPED
        wb.save(self.register_path)

    def link_form(self) -> None:
        """The office links its online form: Google adds the (empty) responses tab."""
        wb = openpyxl.load_workbook(self.register_path)
        wb.create_sheet(FORM_TAB).append(FORM_QUESTIONS)
        wb.save(self.register_path)

    def _form_response(self, c: Complaint) -> None:
        """Google Forms appends the complainant's response to the responses tab."""
        wb = openpyxl.load_workbook(self.register_path)
        wb[FORM_TAB].append(
            [
                arrival(c).replace(tzinfo=None),  # Google writes the sheet's local time
                c.name,
                c.email,
                c.contact,
                c.category,
                c.subject,
                c.text,
                "Ya, rahasiakan identitas saya" if c.confidential else "",
            ]
        )
        wb.save(self.register_path)

    def _edit(self, ticket: str, cells: dict[str, str]) -> None:
        """A staff member fills staff columns of one row, as in LibreOffice."""
        wb = openpyxl.load_workbook(self.register_path)
        ws = wb[REGISTER_TAB]
        cols = {cell.value: cell.column for cell in ws[1]}
        for row in ws.iter_rows(min_row=2):
            if row[cols[C.TICKET] - 1].value == ticket:
                for k, v in cells.items():
                    ws.cell(row=row[0].row, column=cols[k], value=v).alignment = _TYPED
                break
        wb.save(self.register_path)

    def rows(self) -> list[dict[str, str]]:
        return [r.values for r in self._read()]

    def _read(self) -> list[Row]:
        reg = open_register(self.settings, self.layout)
        try:
            return reg.read().rows
        finally:
            reg.close()

    def _match(self, rows: list[dict[str, str]]) -> None:
        for i, c in enumerate(self.complaints):
            if i in self.ticket_of:
                continue
            for r in rows:
                src = r.get(C.SOURCE, "")
                mine = (c.channel == "Email" and src.startswith(f"<demo-{i:02d}.")) or (
                    c.channel != "Email" and r.get(C.TEXT) == c.text
                )
                if mine and r.get(C.TICKET):
                    self.ticket_of[i] = r[C.TICKET]

    def act(self, now: datetime) -> list[datetime]:
        """Do every staff action that is due; return when the next ones fall due."""
        rows = self._read()
        self._match([r.values for r in rows if r.get(C.TICKET)])
        tracked = list(tracked_rows(rows))
        states = {ticket: st for ticket, _row, st in tracked}
        values = {ticket: row.values for ticket, row, _st in tracked}
        upcoming: list[datetime] = []
        for i, c in enumerate(self.complaints):
            ticket = self.ticket_of.get(i)
            st = states.get(ticket) if ticket else None
            if ticket is None or st is None:
                continue
            if c.reply_after_min and i not in self.replied:
                when = arrival(c) + timedelta(minutes=c.reply_after_min)
                if when <= now:
                    self._drop(reply(c, ticket, self.to, when, i), f"demo-balasan-{i:02d}", when)
                    self.replied.add(i)
                else:
                    upcoming.append(when)
            if self._service(i, c, ticket, st, now, upcoming):
                continue  # waiting for the complainant: staff wait too (issue 20)
            if not st.closed:
                self._play(i, ticket, st, c.script, c.by_reply, values[ticket], now, upcoming)
        # issue 19: a complaint another office handed over, played with its own script
        if self.handoff:
            for ticket, _row, st in tracked:
                if values[ticket].get(C.CHANNEL, "").startswith(HANDOFF_CHANNEL) and not (
                    st.closed or st.pause
                ):
                    self._play(ticket, ticket, st, self.handoff, (), values[ticket], now, upcoming)
        return upcoming

    def _play(
        self,
        key: int | str,
        ticket: str,
        st: RowState,
        script: Script,
        by_reply: tuple[str, ...],
        values: dict[str, str],
        now: datetime,
        upcoming: list[datetime],
    ) -> None:
        """The staff action of the row's current step, when due; the escalation ladder."""
        plan = script.get(st.step)
        # an urgent complaint is handled at any hour (the duty officer, issue 21)
        u = self.settings.urgent
        urgent = is_urgent(values, u.categories, u.keywords)
        if plan and (key, st.step) not in self.done_actions:
            due = self._after(st.since, plan[0], urgent)
            if due <= now:
                if st.step not in by_reply:
                    self._edit(ticket, plan[1])
                elif not self._decide_by_reply(ticket, st.step, plan[1], due):
                    upcoming.append(now + TICK)  # the task email is not out yet
                    return
                self.done_actions.add((key, st.step))
                upcoming.append(now)
            else:
                upcoming.append(due)
        # the ladder: the deadline and its multiples
        step = self.sop.step(st.step)
        for rung in self.settings.escalation:
            t = self._after(st.since, max(1, round(step.allowance.minutes * rung.at)), urgent)
            if t > now:
                upcoming.append(t)
                break

    def _service(
        self, i: int, c: Complaint, ticket: str, st: RowState, now: datetime, upcoming: list
    ) -> bool:
        """Issue 20: staff set Jenis Aduan and ask for what is missing; the complainant
        answers (or never does) and rates the closed complaint. True while waited for."""
        if c.jenis and i not in self.kinded:
            self._edit(ticket, {C.KIND: c.jenis})
            self.kinded.add(i)
        if c.ask and i not in self.asked and not st.closed:
            when = self.cal.add(arrival(c), minutes=c.ask[0])
            if when <= now:
                self._edit(ticket, {C.MISSING: c.ask[1]})
                self.asked[i] = now
                upcoming.append(now)
            else:
                upcoming.append(when)
        if i in self.asked and c.answer_after_min and i not in self.answered:
            when = self.asked[i] + timedelta(minutes=c.answer_after_min)
            if when <= now:
                raw = reply(c, ticket, self.to, when, i, ANSWER, "fotokopi-ktp-kk.png")
                self._drop(raw, f"demo-kelengkapan-{i:02d}", when)
                self.answered.add(i)
            else:
                upcoming.append(when)
        if c.rating and st.closed and i not in self.rated:
            when = st.closed + timedelta(hours=3)
            if when <= now:
                self._drop(
                    reply(c, ticket, self.to, when, i, c.rating), f"demo-nilai-{i:02d}", when
                )
                self.rated.add(i)
            else:
                upcoming.append(when)
        if st.pause and not st.closed:
            since = aware(st.pause.get("since")) or now
            w = self.settings.service.waiting
            upcoming += [
                self.cal.add(since, working_days=d) for d in (w.reminder_days, w.close_days)
            ]
            return True
        return False

    def _after(self, since: datetime, minutes: int, urgent: bool) -> datetime:
        """``minutes`` after ``since``: on the clock when urgent, else in working time."""
        return (
            since + timedelta(minutes=minutes) if urgent else self.cal.add(since, minutes=minutes)
        )

    def _decide_by_reply(self, ticket: str, step_id: str, cells: dict[str, str], when) -> bool:
        """The role replies to its task email with the step's command (issue 21): sent
        from its registered address to the task's aduan+… Reply-To, delivered ``when``.
        False while the task email is not in the outbox yet (queued for the opening)."""
        step = self.sop.step(step_id)
        task = task_mail(self.outbox, ticket, step.number, step.actor)
        if task is None or not task.get("Reply-To"):
            return False
        cmd = command_for(step, cells)
        if cmd is None:
            self._edit(ticket, cells)
            return True
        rest = {k: v for k, v in cells.items() if k not in cmd.set}
        if rest:  # what the command does not cover (a category) is typed in the sheet
            self._edit(ticket, rest)
        n = len(self.replied_tasks)
        sender = self.settings.roles[step.actor][0]
        self._drop(reply_mail(task, cmd, cells, sender, when, n), f"demo-keputusan-{n:03d}", when)
        self.replied_tasks.add((ticket, step_id))
        return True

    def bounces(self, now: datetime) -> None:
        """The mail server returns acknowledgements sent to addresses that do not exist."""
        for i, c in enumerate(self.complaints):
            if not c.bounce or i in self.bounced:
                continue
            for eml in sorted(self.outbox.glob("*.eml")):
                raw = eml.read_bytes()
                if c.email.encode() in raw and b"tanda_terima" in eml.name.encode():
                    self._drop(bounce(raw, c.email, now, i, self.to), f"demo-dsn-{i:02d}")
                    self.bounced.add(i)
                    break

    # -- one moment of the shared clock
    def before(self, now: datetime) -> None:
        """The people act before the office's cycle at ``now``."""
        self.deliver(now)
        self._upcoming = self.act(now)

    def after(self, now: datetime, res: OfficeResult) -> datetime | None:
        """The people act on what the cycle did; the next mark something is due, or None."""
        confirm_kabars(
            self.outbox, self.maildir, self.settings.roles, self.sop, now, self.kabars_seen
        )
        self.ran(res)
        self.bounces(now)
        upcoming = self._upcoming + self.act(now)
        upcoming += [arrival(c) for i, c in enumerate(self.complaints) if i not in self.delivered]
        if any(
            c.bounce and i in self.delivered and i not in self.bounced
            for i, c in enumerate(self.complaints)
        ):
            upcoming.append(now + TICK)  # the server returns the bounce a moment later
        if not self.cal.is_open(now):
            upcoming.append(self.cal.next_open(now))  # queued staff emails go out then
        # every working day's opening: cron runs then, and the overdue summary goes
        upcoming.append(self.cal.next_open(now.replace(hour=23, minute=59)))
        later = [t for t in upcoming if t > now]
        if not later:
            return None
        return max(next_mark(min(later)), now + TICK)

    def ran(self, res: OfficeResult) -> None:
        """Count one cycle of this office and keep what went wrong in it."""
        self.result.cycles += 1
        self.result.problems.extend(res.problems)
        if res.status not in NOT_FAILED and not res.problems:
            self.result.problems.append(res.line)

    def finish(self) -> DemoOffice:
        """The month is over: what the office's folder holds."""
        self.result.rows = self.rows()
        self.result.emails = len(list(self.outbox.glob("*.eml")))
        self.result.documents = len(list((self.root / "dokumen").rglob("*.docx")))
        return self.result
