"""The monthly recap as a Word report: the figures' tables plus two charts.

The template is ``rekap-bulanan.docx`` in the templates folder (made by
scripts/make_rekap_template.py); it is filled like every other document
(:meth:`Documents.fill`: the sandbox, the office letterhead, the error messages),
with the keys of :func:`aduan.core.recap_text.report_context` and the charts.
"""

from __future__ import annotations

import io
import logging
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from aduan.core.model import DocumentJob
from aduan.core.recap import Recap
from aduan.core.recap_text import pct, report_context, whole
from aduan.documents.render import Documents
from aduan.errors import DocumentError
from aduan.support.atomic import write_atomic

__all__ = [
    "TEMPLATE",
    "build_report",
    "chart_steps",
    "chart_weekly",
    "check_report",
    "render_report",
    "report_path",
]

logger = logging.getLogger(__name__)

#: The report template in the templates folder. Not ``rekap.docx``: Documents.check()
#: renders every ``templates/[a-z0-9_]+.docx`` with one complaint's data.
TEMPLATE = "rekap-bulanan.docx"
_CHART_MM = 160  # chart width on an A4 page with the letterhead's margins


# ------------------------------------------------------------------ charts
def _figure(width: float, height: float) -> Any:
    # the object API, not pyplot: no global state, no GUI backend, safe under cron
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def chart_weekly(rc: Recap, title: str = "Aduan diterima per minggu menurut saluran") -> bytes:
    """PNG: complaints received per week of the month, stacked by channel (the pemda
    recap stacks by office: ``rc.weekly`` keyed by office, its own ``title``)."""
    from matplotlib import colormaps

    fig = _figure(6.4, 2.8)
    ax = fig.add_subplot()
    x = list(range(len(rc.weeks)))
    bottom = [0] * len(x)
    colours = colormaps["tab10"]
    series = list(rc.weekly.items())
    if len(series) > 8:  # typed-in channels: keep the legend readable
        rest = [sum(c) for c in zip(*(counts for _ch, counts in series[7:]), strict=True)]
        series = series[:7] + [("Lainnya", rest)]
    for i, (channel, counts) in enumerate(series):
        ax.bar(x, counts, bottom=bottom, label=channel, color=colours(i % 10), width=0.6)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xticks(x, [f"{a}–{b}" for a, b in rc.weeks])
    ax.set_xlabel(f"Tanggal ({rc.label})")
    ax.set_ylabel("Jumlah aduan")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, max([*bottom, 1]) * 1.15)
    ax.yaxis.get_major_locator().set_params(integer=True)
    if rc.weekly:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    else:
        ax.text(0.5, 0.5, "Tidak ada aduan", transform=ax.transAxes, ha="center", va="center")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def chart_steps(rc: Recap, title: str = "Tahap selesai sesuai mutu baku waktu") -> bytes:
    """PNG: per SOP step, the share of steps finished within the standard time (the pemda
    recap: one bar per office)."""
    # whole labels, wrapped (issue 22): a head reads which step, not "Petugas Pengaduan m…"
    labels = ["\n".join(textwrap.wrap(f"{s.number}. {whole(s.label)}", 44)) for s in rc.steps]
    lines = sum(max(1, lb.count("\n") + 1) for lb in labels)
    fig = _figure(6.4, 0.22 * max(lines, 4) + 0.35 * len(rc.steps) + 0.6)
    ax = fig.add_subplot()
    y = list(range(len(rc.steps)))
    shares = [(s.share or 0) * 100 for s in rc.steps]
    colours = ["#2e7d32" if (s.share or 0) >= 0.9 else "#c62828" for s in rc.steps]
    ax.barh(y, shares, color=colours, height=0.6)
    for yi, s in zip(y, rc.steps, strict=True):
        text = f"{pct(s.share)} dari {s.count}" if s.count else "tidak ada"
        ax.text(min((s.share or 0) * 100, 100) + 1, yi, text, va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


# ------------------------------------------------------------------ Word
def report_path(docs: Documents, rc: Recap) -> Path:
    """``<documents>/rekap/rekap-YYYY-MM.docx``."""
    return docs.out / "rekap" / f"rekap-{rc.year:04d}-{rc.month:02d}.docx"


def build_report(docs: Documents, rc: Recap, now: datetime) -> bytes:
    """The report as .docx bytes, in memory; DocumentError names the template's problem."""
    template = docs.templates / TEMPLATE
    if not template.is_file():
        raise DocumentError(f"template rekap: file {template} not found")
    # office, letterhead contact line and text cleaning: as for every other document
    job = DocumentJob(
        "", "rekap", report_path(docs, rc).name, report_context(rc, now, docs.tz_label)
    )
    charts = {
        "chart_weekly": (chart_weekly(rc), _CHART_MM),
        "chart_steps": (chart_steps(rc), _CHART_MM),
    }
    buf = io.BytesIO()
    try:
        docs.fill("rekap", template, docs.prepare(job), buf, images=charts)
    except OSError as e:  # unreadable template file
        raise DocumentError(f"template rekap: not a usable .docx file ({e})") from None
    return buf.getvalue()


def render_report(docs: Documents, rc: Recap, *, now: datetime) -> Path:
    """Write ``<documents>/rekap/rekap-YYYY-MM.docx`` from the template; return its path."""
    target = report_path(docs, rc)
    data = build_report(docs, rc, now)
    try:
        write_atomic(target, data)
    except OSError as e:
        raise DocumentError(f"{target}: rekap tidak dapat disimpan ({e.strerror or e})") from None
    logger.info("recap %s: wrote %s", rc.label, target)
    return target


def check_report(docs: Documents, rc: Recap) -> list[str]:
    """Render the report of ``rc`` in memory; one line per problem (for ``aduan check``:
    Documents.check() does not look at this template)."""
    try:
        build_report(docs, rc, rc.end)
    except DocumentError as e:
        return [str(e)]
    return []
