"""`aduan demo`: a month of complaints for both seed offices, on a simulated clock.

For each office it writes `<dir>/<office>/settings.yaml`, a Maildir, an xlsx
register, a file outbox; then it walks November 2026 like cron would (a cycle at
every 5-minute mark where something happens), delivering the prepared emails at
their arrival time, typing the WA/SMS/phone complaints into the register as the
officer would, and filling the staff columns as the officer, secretary, head and
team would — some on time, some late (so reminders and escalations go out).
The real `run_cycle` does all the work; the demo only plays the people.
"""

from __future__ import annotations

import logging
import shutil
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import yaml
from openpyxl.styles import Alignment

from aduan.config import FileMail, MaildirInbox, XlsxRegister, load_settings
from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.core.model import Row
from aduan.core.state import RowState, aware, tracked_rows
from aduan.core.urgency import is_urgent
from aduan.demo.data import AGENCIES, OFFICES, Complaint
from aduan.demo.replies import command_for, confirm_kabars, reply_mail, task_mail
from aduan.inbox.forms import FORM_CHANNEL
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register

__all__ = ["run_demo", "DemoOffice"]

logger = logging.getLogger(__name__)

WIB = ZoneInfo("Asia/Jakarta")
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
_TYPED = Alignment(wrap_text=True, vertical="top")  # a typed cell, as LibreOffice styles it
REPO = Path(__file__).resolve().parents[2]
# a 1x1 PNG: stands in for the photo a complainant attaches
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


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


def _arrival(c: Complaint) -> datetime:
    h, m = (int(x) for x in c.hhmm.split("."))
    return datetime(2026, 11, c.day, h, m, tzinfo=WIB)


def _message(c: Complaint, i: int, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{c.name} <{c.email}>"
    msg["To"] = to
    msg["Subject"] = c.subject
    msg["Date"] = format_datetime(_arrival(c))
    msg["Message-ID"] = f"<demo-{i:02d}.{c.email.partition('@')[0]}@contoh.id>"
    if c.kind == "auto_reply":
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Autoreply"] = "yes"
    if c.kind == "html":
        msg.set_content(f"<html><body>{c.text}</body></html>", subtype="html")
    else:
        msg.set_content(c.text + f"\n\nSalam,\n{c.name}\n")
    if c.kind == "attachment":
        msg.add_attachment(PHOTO, maintype="image", subtype="png", filename="foto-lokasi.png")
    return msg.as_bytes()


def _reply(
    c: Complaint,
    ticket: str,
    to: str,
    when: datetime,
    i: int,
    text: str = "Terima kasih. Saya tambahkan foto terbaru kondisi di lokasi.",
    photo: str = "foto-terbaru.png",
) -> bytes:
    """The complainant answers in the thread (issue 20: also a requested document, with
    ``photo``, or a rating, without one)."""
    msg = EmailMessage()
    msg["From"] = f"{c.name} <{c.email}>"
    msg["To"] = to
    msg["Subject"] = f"Re: [{ticket}] Tanda terima aduan"
    msg["Date"] = format_datetime(when)
    # one id per kind of answer: a rating or a requested document is its own mail
    tag = (
        "balasan"
        if text.startswith("Terima kasih. Saya")
        else f"balasan-{zlib.crc32(text.encode()):08x}"
    )
    msg["Message-ID"] = f"<demo-{tag}-{i:02d}@contoh.id>"
    msg.set_content(f"{text}\n\n> Aduan Anda telah kami terima dengan nomor {ticket}.\n")
    if photo and (c.rating != text):
        msg.add_attachment(PHOTO, maintype="image", subtype="png", filename=photo)
    return msg.as_bytes()


#: the complainant's answer to a request for what was missing (issue 20)
_ANSWER = "Berikut saya kirimkan fotokopi KTP dan Kartu Keluarga yang diminta."


def _bounce(original: bytes, rcpt: str, when: datetime, i: int, to: str) -> bytes:
    """A delivery status notification as a mail server (Postfix) writes it."""
    import email

    orig = email.message_from_bytes(original)
    headers = "".join(f"{k}: {v}\r\n" for k, v in orig.items())
    b = f"dsn{i:02d}boundary"
    text = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.contoh.go.id>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"Message-ID: <demo-dsn-{i:02d}@mx.contoh.go.id>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\r\n'
        "\r\n"
        f"--{b}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"Pesan tidak dapat dikirim ke <{rcpt}>: alamat tidak ditemukan.\r\n\r\n"
        f"--{b}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.contoh.go.id\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--{b}\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n"
        f"--{b}--\r\n"
    )
    return text.encode("utf-8")


class _Sim:
    """Plays the people of one office for one month."""

    def __init__(self, root: Path, office_id: str, spec: dict) -> None:
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
        self.to = spec["from"]
        self.delivered: set[int] = set()
        self.done_actions: set[tuple[int, str]] = set()
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
        (root / "kiriman").mkdir(exist_ok=True)

    # -- the people
    def deliver(self, now: datetime) -> None:
        for i, c in enumerate(self.complaints):
            if i in self.delivered or _arrival(c) > now:
                continue
            self.delivered.add(i)
            if c.channel == "Email":
                raw = _message(c, i, self.to)
                (self.root / "kiriman" / f"{i + 1:02d}-{c.kind}.eml").write_bytes(raw)
                self._drop(raw, f"demo-{i:02d}", _arrival(c))
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
            (C.RECEIVED, f"{_arrival(c):%d/%m/%Y %H.%M}"),
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
                _arrival(c).replace(tzinfo=None),  # Google writes the sheet's local time
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

    def _rows(self) -> list[dict[str, str]]:
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
        states = {ticket: st for ticket, _row, st in tracked_rows(rows)}
        values = {ticket: row.values for ticket, row, _st in tracked_rows(rows)}
        u = self.settings.urgent
        upcoming: list[datetime] = []
        for i, c in enumerate(self.complaints):
            ticket = self.ticket_of.get(i)
            st = states.get(ticket) if ticket else None
            if ticket is None or st is None:
                continue
            if c.reply_after_min and i not in self.replied:
                when = _arrival(c) + timedelta(minutes=c.reply_after_min)
                if when <= now:
                    self._drop(_reply(c, ticket, self.to, when, i), f"demo-balasan-{i:02d}", when)
                    self.replied.add(i)
                else:
                    upcoming.append(when)
            if self._service(i, c, ticket, st, now, upcoming):
                continue  # waiting for the complainant: staff wait too (issue 20)
            if st.closed:
                continue
            plan = c.script.get(st.step)
            # an urgent complaint is handled at any hour (the duty officer, issue 21)
            urgent = is_urgent(values.get(ticket, {}), u.categories, u.keywords)
            if plan and (i, st.step) not in self.done_actions:
                due = self._after(st.since, plan[0], urgent)
                if due <= now:
                    if st.step not in c.by_reply:
                        self._edit(ticket, plan[1])
                    elif not self._decide_by_reply(ticket, st.step, plan[1], due):
                        upcoming.append(now + TICK)  # the task email is not out yet
                        continue
                    self.done_actions.add((i, st.step))
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
        return upcoming

    def _service(
        self, i: int, c: Complaint, ticket: str, st: RowState, now: datetime, upcoming: list
    ) -> bool:
        """Issue 20: staff set Jenis Aduan and ask for what is missing; the complainant
        answers (or never does) and rates the closed complaint. True while waited for."""
        if c.jenis and i not in self.kinded:
            self._edit(ticket, {C.KIND: c.jenis})
            self.kinded.add(i)
        if c.ask and i not in self.asked and not st.closed:
            when = self.cal.add(_arrival(c), minutes=c.ask[0])
            if when <= now:
                self._edit(ticket, {C.MISSING: c.ask[1]})
                self.asked[i] = now
                upcoming.append(now)
            else:
                upcoming.append(when)
        if i in self.asked and c.answer_after_min and i not in self.answered:
            when = self.asked[i] + timedelta(minutes=c.answer_after_min)
            if when <= now:
                raw = _reply(c, ticket, self.to, when, i, _ANSWER, "fotokopi-ktp-kk.png")
                self._drop(raw, f"demo-kelengkapan-{i:02d}", when)
                self.answered.add(i)
            else:
                upcoming.append(when)
        if c.rating and st.closed and i not in self.rated:
            when = st.closed + timedelta(hours=3)
            if when <= now:
                self._drop(
                    _reply(c, ticket, self.to, when, i, c.rating), f"demo-nilai-{i:02d}", when
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
                    self._drop(_bounce(raw, c.email, now, i, self.to), f"demo-dsn-{i:02d}")
                    self.bounced.add(i)
                    break

    # -- the clock
    def run(self) -> DemoOffice:
        now = START
        while now <= END:
            self.deliver(now)
            upcoming = self.act(now)
            rep = run_cycle(self.settings, now=now)
            confirm_kabars(self.outbox, self.maildir, self.settings.roles, self.sop, now)
            self.result.cycles += 1
            self.result.problems.extend(rep.problems)
            self.bounces(now)
            upcoming += self.act(now)
            upcoming += [
                _arrival(c) for i, c in enumerate(self.complaints) if i not in self.delivered
            ]
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
                break
            nxt = min(later)
            # cron runs on 5-minute marks
            minute = (nxt.minute + 4) // 5 * 5
            nxt = nxt.replace(second=0, microsecond=0) + timedelta(minutes=minute - nxt.minute)
            now = max(nxt, now + TICK)
        run_cycle(self.settings, now=END + timedelta(minutes=5))  # log the last sends
        self.result.cycles += 1
        # the 1st of December: the monthly recap for the head (the recap cron line)
        from aduan.run.recap import run_recap

        rec = run_recap(
            self.settings, (2026, 11), now=datetime(2026, 12, 1, 7, 30, tzinfo=WIB), send=True
        )
        self.result.problems += rec.problems
        self.result.recap = rec.path
        self.result.rows = self._rows()
        self.result.emails = len(list(self.outbox.glob("*.eml")))
        self.result.documents = len(list((self.root / "dokumen").rglob("*.docx")))
        return self.result


def _write_settings(root: Path, spec: dict) -> None:
    data = {
        # issue 22: the demo office sets a logo, so every document shows the emblem
        "office": {"logo": str(REPO / "templates" / "logo-contoh.png"), **spec["office"]},
        "sop": str(REPO / "config" / "sop" / spec["sop"]),
        "timezone": "WIB",
        "categories": spec["categories"],
        "roles": spec["roles"],
        "sheet_url": "",
        "inbox": {"type": "maildir", "path": "maildir"},
        "register": {"type": "xlsx", "path": "register.xlsx"},
        "mail": {"type": "file", "outbox": "outbox"},
        "forms": {"tab": FORM_TAB, "since": "2026-11-01"},
        # issue 21: decisions by reply (the key is made in state/ on first use), the
        # daily overdue summary, urgent complaints at any hour
        "replies": {"enabled": True},
        "digest": True,
        **({"urgent": spec["urgent"]} if spec.get("urgent") else {}),
        # -- issue 16: the agencies this office forwards to (every one with an address)
        "agencies": AGENCIES.get(spec["sop"], []),
        "mail_identity": {
            "from_address": spec["from"],
            "from_name": f"Layanan Aduan {spec['office']['short_name']}",
        },
        "paths": {"documents": "dokumen", "attachments": "lampiran", "state": "state"},
        "templates": str(REPO / "templates"),
        "base": str(root),
    }
    (root / "settings.yaml").write_text(
        "# Dibuat oleh `aduan demo`. Contoh pengaturan lengkap: config/settings.example.yaml\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


def run_demo(out: Path, *, echo=print) -> list[DemoOffice]:
    """Build and run the demo for both offices under ``out``; print a summary."""
    results = []
    for office_id, spec in OFFICES.items():
        root = (out / office_id).resolve()
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        _write_settings(root, spec)
        sim = _Sim(root, office_id, spec)
        reg = open_register(sim.settings, sim.layout)
        try:
            reg.init()
        finally:
            reg.close()
        sim.link_form()
        echo(f"Demo {spec['office']['short_name']}: menjalankan November 2026 ...")
        results.append(sim.run())
    _summary(results, echo)
    _pemda(out, echo)  # issue 19
    return results


# -- issue 19: the demo offices as one pemda's fleet -----------------------------------
def _pemda(out: Path, echo) -> None:
    """After the month: one steady pass of `aduan run --all` over the demo folder and the
    pemda recap of November (what the fleet's cron lines do)."""
    from aduan.run.fleet import cycle_work, find_offices, fleet_total, run_fleet
    from aduan.run.pemda import run_pemda_recap

    offices = find_offices(out)
    when = END + timedelta(minutes=10)
    echo(f"Armada pemda: aduan run --all {out} ({len(offices)} kantor)")
    results = run_fleet(offices, lambda o: cycle_work(o, now=when))
    for r in results:
        echo(f"  {r.line}")
    echo(f"  {fleet_total(results, sum(r.seconds for r in results))}")
    rep = run_pemda_recap(
        offices, (2026, 11), out=out / "rekap-pemda", now=datetime(2026, 12, 1, 7, 30, tzinfo=WIB)
    )
    echo(f"  rekap pemda: {rep.docx}")
    echo(f"  sheet pemda: {rep.sheet}")
    for p in rep.problems:
        echo(f"  masalah: {p}")


# -- end issue 19 ------------------------------------------------------------------------


def _summary(results: list[DemoOffice], echo) -> None:
    from rich.console import Console
    from rich.table import Table

    for res in results:
        rows = [r for r in res.rows if r.get(C.TICKET)]
        t = Table(
            title=f"{res.office_id}: {len(rows)} aduan, {res.cycles} siklus, "
            f"{res.emails} email, {res.documents} dokumen"
        )
        for h, width in (
            ("No. Aduan", 16),
            ("Saluran", 15),
            ("Perihal", 30),
            ("Tahap", 26),
            ("Status", 10),
            ("Terlambat", 9),
        ):
            t.add_column(
                h, no_wrap=True, overflow="ellipsis", min_width=min(width, 10), max_width=width
            )
        for r in rows:
            late = r.get(C.LATE, "")
            t.add_row(
                r.get(C.TICKET, ""),
                r.get(C.CHANNEL, ""),
                r.get(C.SUBJECT, "")[:38],
                r.get(C.STEP, "")[:40],
                r.get(C.STATUS, ""),
                f"[red]{late}[/red]" if late == "Ya" else late,
            )
        console = Console()
        console.width = max(console.width, 136)  # a pipe reports 80: keep one line per row
        console.print(t)
        echo(f"  register : {res.root / 'register.xlsx'}")
        echo(f"  email    : {res.root / 'outbox'}/*.eml")
        echo(f"  dokumen  : {res.root / 'dokumen'}")
        if res.recap:
            echo(f"  rekap    : {res.recap}")
        echo(f"  aduan asal (email contoh): {res.root / 'kiriman'}")
        if res.problems:
            echo(f"  masalah  : {len(res.problems)} (lihat log); contoh: {res.problems[0]}")
