"""``aduan recap``: the monthly recap run, under the run lock.

Read the register, compute the figures (:mod:`aduan.core.recap`), write the
*Rekap YYYY-MM* tab, render the Word report (:mod:`aduan.documents.recap`), its
PDF when the office wants PDFs, and optionally email it to the head of the office.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from filelock import Timeout

from aduan.config import Settings
from aduan.core.layout import build_layout
from aduan.core.model import Notification
from aduan.core.recap import Recap, compute_recap, parse_month, previous_month, tab_title
from aduan.core.recap_text import recap_sheet, recap_table, report_context
from aduan.core.sop import Sop
from aduan.documents.recap import check_report, render_report
from aduan.errors import AduanError, ConfigError, DocumentError, MailError, RegisterError, RunLocked
from aduan.mail.compose import compose
from aduan.mail.send import Mailer
from aduan.register.base import Register
from aduan.run.lock import lock
from aduan.run.wiring import compose_cfg, open_documents, open_mailer, open_register

__all__ = ["RecapReport", "check_template", "parse_month", "previous_month", "run_recap"]

logger = logging.getLogger(__name__)


@dataclass
class RecapReport:
    """What ``aduan recap`` did."""

    recap: Recap
    tab: str = ""
    path: Path | None = None
    emailed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_template(settings: Settings) -> list[str]:
    """Render the report template with an empty month; one line per problem (for
    ``aduan check``: Documents.check() does not look at this template)."""
    try:
        sop = settings.load_sop()
        rc = compute_recap([], sop, settings.calendar(), (2026, 11), settings.tz)
        return check_report(open_documents(settings, sop), rc)
    except ConfigError as e:
        return [str(e)]


def _send(
    settings: Settings, sop: Sop, rc: Recap, path: Path, now: datetime, mailer: Mailer | None
) -> list[str]:
    """Email the report (and its PDF, if made) to the head role; return the addresses."""
    to = list(settings.roles.get(sop.head_role, []))
    if not to:
        raise MailError(f"peran {sop.head_role} tidak punya alamat email", permanent=True)
    n = Notification(
        key=f"rekap|{rc.year:04d}-{rc.month:02d}",
        kind="rekap",
        ticket="",
        step_id=None,
        to_roles=(sop.head_role,),
        context=report_context(rc, now, settings.tz_label),
    )
    pdf = path.with_suffix(".pdf")
    atts = [path, pdf] if pdf.is_file() else [path]
    msg = compose(n, to, compose_cfg(settings, sop), attachments=atts)
    own = mailer is None
    mailer = mailer or open_mailer(settings)
    try:
        mailer.send(msg)
    finally:
        if own:
            mailer.close()
    return to


def run_recap(
    settings: Settings,
    month: tuple[int, int],
    *,
    now: datetime | None = None,
    send: bool = False,
    register: Register | None = None,
    mailer: Mailer | None = None,
) -> RecapReport:
    """Read the register, write the *Rekap YYYY-MM* tab, render the Word report and
    (``send``) email it to the head role; all under the run lock. A failing part is
    recorded in ``problems`` and the others still run; an unreadable register raises."""
    now = (now or datetime.now(settings.tz)).astimezone(settings.tz)
    lk = lock(settings)
    try:
        lk.acquire()
    except Timeout:
        raise RunLocked("run lain sedang berjalan; coba lagi sebentar lagi") from None
    try:
        sop = settings.load_sop()
        reg = register or open_register(
            settings, build_layout(sop, settings.categories, settings.service.kind_names())
        )
        try:
            snap = reg.read()
            rc = compute_recap(
                snap.rows,
                sop,
                settings.calendar(),
                month,
                settings.tz,
                now=now,
                service_days=settings.service.default_days,  # the office's standard
                service=settings.service.standard(),  # issue 20: per kind, waits, SKM
            )
            rc.problems[:0] = snap.problems  # e.g. a missing column: figures read it as empty
            rep = RecapReport(rc, tab=tab_title(month))
            try:
                # formatted for a head: widths, numbers, native charts (issue 22)
                reg.write_tab(rep.tab, recap_table(rc), recap_sheet(rc))
            except RegisterError as e:
                rep.problems.append(f"tab {rep.tab} tidak ditulis: {e}")
        finally:
            if register is None:
                reg.close()
        docs = open_documents(settings, sop)
        try:
            rep.path = render_report(docs, rc, now=now)
        except DocumentError as e:
            rep.problems.append(f"dokumen rekap tidak dibuat: {e}")
        if rep.path is not None and docs.pdf:
            try:
                docs.to_pdf(rep.path)
            except DocumentError as e:
                rep.problems.append(f"PDF rekap tidak dibuat: {e}")
        if send and rep.path is not None:
            try:
                rep.emailed = _send(settings, sop, rc, rep.path, now, mailer)
            except AduanError as e:
                rep.problems.append(f"email rekap tidak terkirim: {e}")
    finally:
        lk.release()
    for p in rep.problems:
        logger.error(p)
    return rep
