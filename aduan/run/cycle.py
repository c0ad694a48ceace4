"""One run, as cron starts it: lock -> poll -> read -> decide -> write -> send.

The order is what makes a run safe to kill anywhere:

1. poll the inbox (nothing is marked yet);
2. read the register (one read);
3. the engine decides (pure);
4. save attachments and render documents (files written atomically under
   deterministic names: doing it again is harmless);
5. stage the new emails in the spool;
6. write the register (one write) — the commit point: complaints, step changes
   and "this email was emitted" land together;
7. commit the staged emails, then mark the consumed mails processed (a mail is
   marked only after its row is written; if the run dies before, the next run
   finds its Message-ID in the register and only marks it);
8. send the emails that are due (office hours for staff), each recorded in
   the spool as sent, and in *Riwayat* by the next write.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from filelock import Timeout

from aduan.config import Settings
from aduan.core.engine import Decision, decide, decide_cycle
from aduan.core.engine.agenda import Agenda
from aduan.core.ids import mask_addresses
from aduan.core.layout import build_layout
from aduan.core.model import InboundMail, Notification, Snapshot
from aduan.core.riwayat import chronological
from aduan.core.sop import Sop
from aduan.core.state import tracked_rows
from aduan.documents.render import require_templates
from aduan.errors import AduanError, DocumentError, InboxError, MailError, RegisterError
from aduan.google.drive import Drive
from aduan.google.drive import sync_cycle as sync_drive
from aduan.inbox.forms import KEY_PREFIX as FORM_KEY_PREFIX
from aduan.inbox.forms import form_mails
from aduan.inbox.maildir import Inbox
from aduan.inbox.parse import parse_message, safe_filename
from aduan.mail.compose import COMPLAINANT_KINDS, ComposeCfg, compose
from aduan.mail.send import Mailer
from aduan.mail.spool import Spool, SpoolEntry
from aduan.register.base import Register
from aduan.run.digest_step import queue_digests
from aduan.run.lock import busy, lock
from aduan.run.recipients import ON_CALL_KINDS, recipients_for, staff_addresses
from aduan.run.sendlog import history_of_sends
from aduan.run.wiring import (
    compose_cfg,
    engine_config,
    form_reader,
    open_documents,
    open_drive,
    open_inbox,
    open_mailer,
    open_register,
)
from aduan.support.crash import crashpoint

__all__ = [
    "CycleReport",
    "run_cycle",
    "lock",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "ON_CALL_KINDS",
    "recipients_for",
]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PARTIAL = 1  # the run did its work but a part failed (inbox, a write, a send)


@dataclass
class CycleReport:
    """What one run did, for the terminal summary and the exit code."""

    started: datetime
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0
    staff: frozenset[str] = frozenset()  # the addresses a problem may name (lower case)

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.problems else EXIT_OK

    def problem(self, text: str) -> None:
        text = mask_addresses(text, self.staff)  # logged and printed: staff's only (issue 17)
        logger.error(text)
        self.problems.append(text)


def run_cycle(
    settings: Settings,
    *,
    now: datetime | None = None,
    register: Register | None = None,
    inbox: Inbox | None = None,
    mailer: Mailer | None = None,
    drive: Drive | None = None,
) -> CycleReport:
    """Run one cycle under the lock and return its report."""
    lk = lock(settings)
    try:
        lk.acquire()
    except Timeout:
        raise busy(lk) from None
    try:
        rep = _cycle(settings, now, register, inbox, mailer, drive)
        if register is None:  # -- issue 18: January's rotation, under the same lock
            from aduan.run.archive import auto_archive

            if problem := auto_archive(settings, rep.started):
                rep.problem(problem)
        return rep
    finally:
        lk.release()


def _cycle(
    settings: Settings,
    now: datetime | None,
    register: Register | None,
    inbox: Inbox | None,
    mailer: Mailer | None,
    drive: Drive | None = None,
) -> CycleReport:
    t0 = time.perf_counter()
    now = (now or datetime.now(settings.tz)).astimezone(settings.tz)
    rep = CycleReport(started=now, staff=staff_addresses(settings))
    sop = settings.load_sop()
    require_templates(settings.path(settings.templates), sop, settings_file=settings.file)
    layout = build_layout(sop, settings.categories, settings.service.kind_names())
    cal = settings.calendar()
    cfg = engine_config(settings, sop, layout, cal)
    spool = Spool(settings.path(settings.paths.state) / "spool")
    own_reg = register is None
    reg = register or open_register(settings, layout)
    own_inbox = inbox is None
    try:
        # 1. poll
        mails: list[InboundMail] = []
        try:
            inbox = inbox or open_inbox(settings)
            mails = _poll(settings, inbox, rep)
            crashpoint("after_poll")
        except InboxError as e:
            rep.problem(f"kotak masuk: {e}")
            inbox = None
        # 2. read; a steady cycle (nothing new but the clock) decides from the agenda
        # alone: the few rows time can still move (issue 19, aduan.core.engine.agenda)
        staged = spool.counts()["staged"]
        agenda = _agenda(settings, reg, mails, staged)
        snap = agenda.view() if agenda is not None else reg.read()
        rep.counts["rows"] = agenda.total if agenda is not None else len(snap.rows)
        # change detection (issue 19): the register was as last seen; no read was needed
        rep.counts["register_unchanged"] += int(getattr(reg, "last_read_cached", False))
        rep.counts["register_steady"] += int(agenda is not None)
        for p in snap.problems:
            rep.problem(f"register: {p}")
        # online form responses (issue 12)
        forms = form_mails(
            settings.forms,
            snap,
            now,
            form_reader(settings, reg),
            tz=settings.tz,
            categories=settings.categories,
        )
        for p in forms.problems:
            rep.problem(f"formulir online: {p}")
        rep.log.extend(forms.log)
        rep.counts.update(forms.counts)
        mails += forms.mails
        if staged:
            kept, dropped = spool.recover(_confirmed_keys(snap))
            rep.counts["spool_recovered"] += kept
        # 3. decide
        if agenda is None:
            dec, plan = decide_cycle(snap, mails, cfg, now)
        else:
            dec, plan = decide(snap, mails, cfg, now), None
        rep.counts.update(dec.counts)
        rep.log.extend(dec.log)
        for p in dec.problems:
            rep.problem(p)
        logged = spool.sent_unlogged()
        history = history_of_sends(logged, cfg.sop.role_label, FOLDED)
        # a run killed after the write but before spool.forget() logged these already
        done = set(snap.meta.get(LOGGED_META, "").split())
        if done:
            spool.forget([e for e, h in zip(logged, history, strict=True) if _h(h) in done])
            keep = [(e, h) for e, h in zip(logged, history, strict=True) if _h(h) not in done]
            logged, history = [e for e, _ in keep], [h for _, h in keep]
        if history:
            dec.writes.history.extend(history)
            dec.writes.meta[LOGGED_META] = " ".join(_h(h) for h in history)
        # Riwayat in time order: last cycle's sends before this cycle's events (issue 22)
        dec.writes.history[:] = chronological(dec.writes.history)
        # 4. files
        _save_attachments(settings, dec, rep)
        _render_documents(settings, dec, rep)
        # to Drive when configured: new/changed files only, links into Dokumen (issue 11)
        synced = sync_drive(drive or (lambda: open_drive(settings)), snap, dec.writes)
        if synced is not None:
            for p in synced.problems:
                rep.problem(p)
            rep.counts["drive_uploaded"] += synced.uploaded
            rep.counts["drive_requests"] += synced.requests
            rep.counts["drive_links"] += synced.links
            # the engine counted those as updated rows; nothing is written for them
            rep.counts["rows_updated"] = max(0, rep.counts["rows_updated"] - synced.dropped)
            if agenda is not None and synced.uploaded:  # the next cycle links every row
                getattr(reg, "drop_agenda", lambda: None)()
        # 5-7. stage, write, commit, mark
        spool.stage(dec.notifications)
        crashpoint("before_write")
        written = _write(reg, dec, rep)
        crashpoint("after_write")
        if written:
            spool.commit()
            spool.forget(logged)
            crashpoint("before_mark")
            if inbox is not None:
                _mark_processed(inbox, dec, rep)
        else:
            spool.discard_staged()
        if plan is not None and dec.writes.is_empty():  # nothing done: a fixed point
            getattr(reg, "keep_agenda", lambda _a: None)(plan)
        # the optional daily digest per person (once per working day, at opening)
        rep.counts["digests"] += queue_digests(settings, spool, sop, snap, now)
        # 8. send
        _send_due(settings, spool, sop, now, mailer, rep)
    finally:
        if own_reg:
            reg.close()
        if own_inbox and inbox is not None:
            inbox.close()
    rep.seconds = time.perf_counter() - t0
    return rep


def _agenda(settings: Settings, reg: Register, mails: list, staged: int) -> Agenda | None:
    """The agenda when only the clock can have changed anything: no new mail, no form
    (matched against every row), no email to recover, the register as last left."""
    read = getattr(reg, "read_agenda", None)
    return None if read is None or mails or staged or settings.forms.tab else read()


def _poll(settings: Settings, inbox: Inbox, rep: CycleReport) -> list[InboundMail]:
    own = {settings.mail_identity.from_address.lower()}
    if settings.mail_identity.reply_to:
        own.add(settings.mail_identity.reply_to.lower())
    out = []
    for raw in inbox.poll():
        try:
            mail = parse_message(raw.data, raw.key, limits=settings.limits, own_addresses=own)
        except Exception as e:  # parse_message promises not to raise; never trust a promise here
            logger.exception("cannot parse message %s", raw.key)
            try:
                inbox.quarantine(raw.key, f"email tidak dapat diurai: {type(e).__name__}: {e}")
                rep.counts["mail_quarantined"] += 1
            except InboxError as qe:
                rep.problem(f"karantina {raw.key} gagal: {qe}")
            continue
        if raw.received is not None and mail.received is None:
            mail.received = raw.received  # the server's time, not the poll's (issue 21)
        if mail.kind == "unparseable":
            # a MIME bomb or worse: a person must look at it, never a silent "processed"
            try:
                inbox.quarantine(raw.key, f"email tidak dapat diurai: {mail.reason}")
                rep.counts["mail_quarantined"] += 1
            except InboxError as qe:
                rep.problem(f"karantina {raw.key} gagal: {qe}")
            continue
        out.append(mail)
    rep.counts["mail_polled"] = len(out)
    return out


def _confirmed_keys(snap: Snapshot) -> set[str]:
    keys: set[str] = set()
    for ticket, _row, st in tracked_rows(snap.rows):
        keys.update(f"{ticket}|{s}" for s in st.sent)
    return keys


LOGGED_META = "riwayat_kirim_terakhir"  # the send records the last write put in Riwayat


def _h(history_row: dict[str, str]) -> str:
    """A short hash of a Riwayat row's key (the meta cell stays small at 1,000s of sends)."""
    return hashlib.sha1(history_row["Kunci"].encode()).hexdigest()[:10]


def _save_attachments(settings: Settings, dec: Decision, rep: CycleReport) -> None:
    root = settings.path(settings.paths.attachments)
    for folder, atts in dec.attachments:
        target = (root / folder).resolve()
        if not str(target).startswith(str(root.resolve())):
            rep.problem(f"folder lampiran ditolak: {folder}")
            continue
        target.mkdir(parents=True, exist_ok=True)
        for a in atts:
            name = safe_filename(a.filename, "lampiran")
            p = target / name
            tmp = p.with_name(f".tmp-{name}")
            try:
                tmp.write_bytes(a.data)
                tmp.replace(p)
                rep.counts["attachments_saved"] += 1
            except OSError as e:
                rep.problem(f"lampiran {name} tidak tersimpan: {e.strerror}")


def _render_documents(settings: Settings, dec: Decision, rep: CycleReport) -> None:
    if not dec.documents:
        return
    # render_many: one bad template does not stop the others, and PDFs (when on)
    # are made in one LibreOffice run
    crashpoint("before_documents")
    docs = open_documents(settings)
    for job, out in zip(dec.documents, docs.render_many(dec.documents), strict=True):
        if isinstance(out, DocumentError):
            rep.problem(f"{job.ticket}: dokumen {job.doc} gagal dibuat: {out}")
        else:
            rep.counts["documents_rendered"] += 1


def _write(reg: Register, dec: Decision, rep: CycleReport) -> bool:
    if dec.writes.is_empty():
        return True
    try:
        res = reg.write(dec.writes)
    except RegisterError as e:
        rep.problem(f"register tidak ditulis: {e}")
        return False
    rep.counts["rows_written"] = res.updated
    rep.counts["rows_appended"] = res.appended
    for s in res.skipped:
        rep.log.append(f"dilewati: {s}")
    return True


def _mark_processed(inbox: Inbox, dec: Decision, rep: CycleReport) -> None:
    for key in dec.consumed:
        if key.startswith(FORM_KEY_PREFIX):
            continue  # a form response: the register's ID Sumber is its only record
        try:
            inbox.mark_processed(key)
        except InboxError as e:
            rep.problem(f"email {key} belum ditandai diproses: {e}")


def _send_due(
    settings, spool: Spool, sop, now: datetime, mailer: Mailer | None, rep: CycleReport
) -> None:
    """Send the pending emails whose time has come (office hours for staff).

    Delivery is tracked per address, not per message: the addresses that accepted
    an email are kept in its spool entry (``recipients``) and those refused for good
    (5xx) in ``refused``, so a retry goes only to the addresses still owed it and
    never repeats one. A complainant's email that fails for good is logged to
    *Riwayat* by the next write (the failed entry) and the officer is told.
    """
    due = spool.due(now)
    if not due:
        return
    own_mailer = mailer is None
    try:
        mailer = mailer or open_mailer(settings)
    except MailError as e:
        rep.problem(f"pengiriman email: {e}")
        return
    mail_cfg = compose_cfg(settings, sop)
    day = settings.calendar().local(now).date().isoformat()
    counts = _day_counts(settings, day)
    cap = settings.staff_mail_cap_per_day
    try:
        for entry in due:
            n = entry.notification
            if n.kind in FOLDABLE and not n.to_complainant and not n.context.get("urgent"):
                addrs = [a.lower() for a, _ in _targets(settings, sop, entry)]
                if addrs and all(counts.get(a, 0) >= cap for a in addrs):
                    # nobody is flooded: the overdue summary names this item tomorrow
                    spool.mark_failed(
                        entry, f"{FOLDED} (batas {cap} email per hari)", permanent=True
                    )
                    rep.counts["emails_folded"] += 1
                    continue
            before = len(entry.recipients)
            try:
                down = _send_entry(settings, spool, sop, now, mailer, entry, rep, mail_cfg)
            except AduanError as e:  # a bug-shaped failure of one entry must not stop the rest
                spool.mark_failed(entry, str(e), permanent=True)
                rep.problem(
                    f"{entry.notification.ticket}: email {entry.notification.kind} gagal: {e}"
                )
                down = False
            if not n.to_complainant:
                for a in entry.recipients[before:]:
                    counts[a.lower()] = counts.get(a.lower(), 0) + 1
            if entry.state == "failed" and entry.notification.to_complainant:
                _tell_officer(settings, spool, sop, now, entry, rep)
            if down:
                break  # the server is down: the rest waits for the next run
    finally:
        if own_mailer and mailer is not None:
            mailer.close()
        _save_day_counts(settings, day, counts)


#: the staff mails the daily cap may leave to the overdue summary (never a task: it
#: carries the step's reply address and documents)
FOLDABLE = frozenset({"pengingat", "eskalasi"})
FOLDED = "dirangkum ke ringkasan harian"
DAY_COUNTS = "email-per-hari.json"  # in the state folder: today's staff mails per address


def _targets(settings: Settings, sop: Sop, entry: SpoolEntry) -> list[tuple[str, bool]]:
    return [(a, show) for addrs, show in recipients_for(settings, sop, entry) for a in addrs]


def _day_counts(settings: Settings, day: str) -> dict[str, int]:
    """Staff mails sent today per address (an older day's file counts as none)."""
    import json

    try:
        data = json.loads((state_dir(settings) / DAY_COUNTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("day") != day:
        return {}
    raw = data.get("counts")
    return {str(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _save_day_counts(settings: Settings, day: str, counts: dict[str, int]) -> None:
    import json

    from aduan.support.atomic import write_atomic

    path = state_dir(settings) / DAY_COUNTS
    try:
        write_atomic(path, json.dumps({"day": day, "counts": counts}, sort_keys=True))
    except OSError as e:  # a lost count only loosens the cap for today
        logger.warning("cannot record today's mail counts: %s", e)


def _handoff_files(settings: Settings, n: Notification) -> list[Path]:
    """The complainant's files a signed hand-off carries, from the attachments folder
    (only files inside it: the list comes from a register cell staff can edit)."""
    root = settings.path(settings.paths.attachments).resolve()
    out = []
    for rel in (n.context.get("handoff") or {}).get("files") or ():
        p = (root / str(rel)).resolve()
        if p.is_relative_to(root) and p.is_file():
            out.append(p)
    return out


def _pdf_of(docx_path: Path) -> Path:
    """The PDF made next to a .docx when it is current, else the .docx itself."""
    pdf = docx_path.with_suffix(".pdf")
    try:
        if pdf.stat().st_mtime_ns >= docx_path.stat().st_mtime_ns:
            return pdf
    except OSError:
        pass
    return docx_path


def _send_entry(
    settings, spool: Spool, sop, now: datetime, mailer: Mailer, entry, rep, mail_cfg: ComposeCfg
) -> bool:
    """Send one entry to the addresses still owed it; True when the server is down."""
    from email.utils import getaddresses

    from aduan.mail.send import RecipientsRefused

    n = entry.notification
    targets = recipients_for(settings, sop, entry)
    if not targets:
        spool.mark_failed(entry, "tidak ada alamat penerima", permanent=True)
        return False
    docs_root = settings.path(settings.paths.documents)
    atts = [docs_root / a for a in n.attachments if (docs_root / a).is_file()]
    if n.to_complainant or n.kind in COMPLAINANT_KINDS:  # issue 16: the PDF when made
        atts = [_pdf_of(a) for a in atts]
    atts += _handoff_files(settings, n)  # issue 19: the complainant's files, signed
    done = {a.lower() for a in entry.recipients} | {a.lower() for a in entry.refused}
    error: MailError | None = None
    down = False
    for addrs, show in targets:
        todo = [a for a in dict.fromkeys(addrs) if a.lower() not in done]
        if not todo:
            continue
        try:
            msg = compose(n, todo, mail_cfg, attachments=atts, show_identity=show, when=now)
        except MailError as e:
            error = e
            if e.permanent:  # a broken template: no retry helps
                for a in todo:
                    entry.refused.setdefault(a, str(e))
            continue  # else e.g. a document not readable yet: the next run tries again
        took = {a.lower() for _, a in getaddresses([str(msg["To"])])}
        for a in todo:
            if a.lower() not in took:  # compose dropped it: not an address
                entry.refused[a] = "alamat tidak valid"
        todo = [a for a in todo if a.lower() in took]
        entry.message_id = str(msg["Message-ID"])
        try:
            crashpoint("mid_send")
            mailer.send(msg)
        except RecipientsRefused as e:
            entry.recipients += e.delivered
            for a, reply in e.refused.items():
                if reply[:1] == "5":
                    entry.refused[a] = reply
            error = e
        except MailError as e:
            error = e
            if not e.permanent:
                down = True
                break
            for a in todo:  # e.g. 554 after DATA: refused for every recipient
                entry.refused.setdefault(a, str(e))
        else:
            entry.recipients += todo
        done = {a.lower() for a in entry.recipients} | {a.lower() for a in entry.refused}
    crashpoint("after_send")
    owed = [a for addrs, _ in targets for a in addrs if a.lower() not in done]
    if not owed and entry.recipients:
        spool.mark_sent(entry, now, entry.message_id, entry.recipients)
        rep.counts["emails_sent"] += 1
        if entry.refused:
            rep.problem(
                f"{n.ticket}: email {n.kind} ditolak untuk "
                + "; ".join(f"{a} ({r})" for a, r in entry.refused.items())
            )
        return False
    text = str(error) if error else "tidak terkirim"
    if entry.recipients:
        text = f"sudah terkirim ke {', '.join(entry.recipients)}; {text}"
    spool.mark_failed(entry, text, permanent=not owed)
    rep.problem(f"{n.ticket}: email {n.kind} gagal: {text}")
    return down


def _tell_officer(
    settings: Settings, spool: Spool, sop: Sop, now: datetime, entry: SpoolEntry, rep: CycleReport
) -> None:
    """Queue a ``pantulan`` notice for the officer: a complainant's email failed for good.

    It goes straight to ``pending`` (no register write decides it) under a key derived
    from the failed email's, so a repeat of this moment can never queue it twice.
    """
    import hashlib

    n = entry.notification
    officer = sop.first.role
    tag = hashlib.sha1(n.key.encode("utf-8")).hexdigest()[:10]
    ctx = dict(n.context)
    ctx.update(
        now=now,
        failed_kind=n.kind,
        reply={"from": "", "subject": "", "text": entry.last_error, "date": now},
    )
    notice = Notification(
        key=f"{n.ticket}|{n.step_id or '-'}|pantulan|smtp-{tag}|{officer}",
        kind="pantulan",
        ticket=n.ticket,
        step_id=n.step_id,
        to_roles=(officer,),
        not_before=settings.calendar().next_open(now),
        context=ctx,
    )
    if spool.stage([notice]):
        spool.commit([notice.key])
        rep.counts["emails_bounced"] += 1


def state_dir(settings: Settings) -> Path:
    return settings.path(settings.paths.state)
