"""``aduan recap --all DIR``: the pemda recap of a fleet's month.

Each office's figures are read in its own process under its own lock
(:func:`aduan.run.fleet.run_fleet`): its register, its monthly recap figures
(:func:`aduan.core.recap.compute_recap`), then the pemda columns
(:func:`aduan.core.recap_pemda.office_figures`). An office that cannot be read is
named in the report, never a reason to have no report. The parent then writes one
Word report and one sheet with the coordinating office's letterhead.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from filelock import Timeout

from aduan.config import load_settings
from aduan.core.layout import build_layout
from aduan.core.recap import compute_recap
from aduan.core.recap_pemda import PemdaRecap, office_figures
from aduan.documents.recap_pemda import render_pemda
from aduan.errors import ConfigError, RunLocked
from aduan.run.fleet import FleetOffice, OfficeResult, office_now, run_fleet
from aduan.run.lock import lock
from aduan.run.wiring import open_documents, open_register

__all__ = ["PemdaReport", "figures_work", "run_pemda_recap"]

logger = logging.getLogger(__name__)


@dataclass
class PemdaReport:
    """What ``aduan recap --all`` did."""

    recap: PemdaRecap
    results: list[OfficeResult]
    docx: Path | None = None
    sheet: Path | None = None
    problems: list[str] = field(default_factory=list)


def figures_work(
    office: FleetOffice, month: tuple[int, int], now: datetime | None = None
) -> OfficeResult:
    """One office's pemda figures for ``month`` (in the office's own process)."""
    s = load_settings(office.settings_file)
    at = office_now(s, now) or datetime.now(s.tz)
    lk = lock(s)
    try:
        lk.acquire()
    except Timeout:
        raise RunLocked("run lain sedang berjalan; coba lagi sebentar lagi") from None
    try:
        sop = s.load_sop()
        reg = open_register(s, build_layout(sop, s.categories, s.service.kind_names()))
        try:
            snap = reg.read()
        finally:
            reg.close()
    finally:
        lk.release()
    cal = s.calendar()
    rc = compute_recap(snap.rows, sop, cal, month, s.tz, now=at)
    rc.problems[:0] = snap.problems
    fig = office_figures(rc, snap.rows, office=s.office.display, folder=office.name)
    summary = f"{fig.received} diterima, {fig.closed} selesai"
    return OfficeResult(office.name, "ok", summary, list(rc.problems), data=(fig, rc.weeks))


def run_pemda_recap(
    offices: list[FleetOffice],
    month: tuple[int, int],
    *,
    out: Path,
    letterhead: str | None = None,
    now: datetime | None = None,
    jobs: int | None = None,
    on_result=None,
) -> PemdaReport:
    """Read every office's figures, then write the pemda report and sheet into ``out``.

    ``letterhead``: the folder name of the coordinating office whose kop, templates and
    head the report uses (default: the first office whose settings load)."""
    results = run_fleet(
        offices,
        functools.partial(figures_work, month=month, now=now),
        jobs=jobs,
        on_result=on_result,
    )
    order = [o.name for o in offices]
    if letterhead and letterhead not in order:
        raise ConfigError(f"kantor {letterhead!r} tidak ada di armada", key="--kop")
    first = letterhead or next((r.office for r in results if r.status == "ok"), order[0])
    s = load_settings(offices[order.index(first)].settings_file)
    pr = PemdaRecap(month[0], month[1], s.office.government or "Pemerintah Daerah")
    for r in results:
        if r.status == "ok":
            fig, weeks = r.data
            pr.offices.append(fig)
            pr.weeks = weeks
        else:
            pr.missing.append((r.office, f"{r.status}: {r.summary}"))
    rep = PemdaReport(pr, results)
    when = office_now(s, now) or datetime.now(s.tz)
    shape = compute_recap([], s.load_sop(), s.calendar(), month, s.tz, now=when)
    docs = open_documents(s)
    out.mkdir(parents=True, exist_ok=True)
    rep.docx, rep.sheet = render_pemda(docs, pr, shape, out, now=when)
    rep.problems = [f"{o}: {why}" for o, why in pr.missing]
    return rep
