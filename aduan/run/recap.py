"""The monthly recap (*rekapitulasi aduan*): how the month went, against the SOP.

:func:`compute_recap` is pure: register rows (each complaint's RowState in the
hidden *Data Sistem* cell) + SOP + working calendar + month -> :class:`Recap`.
A month is the office's local calendar month. A complaint counts in the month it
was received; a step counts in the month it finished, measured in working
minutes against the SOP's standard time (*mutu baku*), whatever deadline the
office configured. Outcomes and open complaints are taken as they stood at the
end of the month (or now, if earlier), so a recap computed again later gives
the same figures.

:func:`recap_table` turns a Recap into rows for the *Rekap YYYY-MM* tab; the
Word report (:func:`render_report`) shows the same rows, plus two charts.
:func:`run_recap` does everything under the run lock, optionally emailing the
report to the head of the office.
"""

from __future__ import annotations

import io
import logging
import math
import os
import statistics
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from aduan.core import idfmt
from aduan.core.engine import RowState
from aduan.core.layout import C
from aduan.core.model import Row
from aduan.core.sop import Sop
from aduan.errors import AduanError, ConfigError, DocumentError, MailError, RegisterError, RunLocked

__all__ = [
    "OUTCOMES",
    "SECTIONS",
    "TEMPLATE",
    "Deviation",
    "OpenItem",
    "Recap",
    "RecapReport",
    "StepStat",
    "chart_steps",
    "chart_weekly",
    "check_template",
    "compute_recap",
    "parse_month",
    "previous_month",
    "recap_sections",
    "recap_table",
    "render_report",
    "run_recap",
    "tab_title",
]

logger = logging.getLogger(__name__)

#: The report template in the templates folder. Not ``rekap.docx``: Documents.check()
#: renders every ``templates/[a-z0-9_]+.docx`` with one complaint's data.
TEMPLATE = "rekap-bulanan.docx"

#: Outcome keys in report order, with the labels staff read.
OUTCOMES = {
    "terlayani_langsung": "Dijawab langsung",
    "ditindaklanjuti": "Ditindaklanjuti",
    "disalurkan": "Disalurkan (bukan kewenangan)",
    "terbuka": "Masih dalam proses",
}

#: Section key -> (title, column headers). The Word template has one table per
#: section with these headers; ``perbandingan`` gets the two month names.
SECTIONS: dict[str, tuple[str, list[str]]] = {
    "ringkasan": ("Ringkasan", ["Uraian", "Nilai"]),
    "perbandingan": (
        "Perbandingan dengan bulan lalu",
        ["Uraian", "Bulan lalu", "Bulan ini", "Perubahan"],
    ),
    "saluran": ("Aduan diterima menurut saluran", ["Saluran", "Jumlah", "Persentase"]),
    "kategori": ("Aduan diterima menurut kategori", ["Kategori", "Jumlah", "Persentase"]),
    "hasil": ("Hasil penanganan aduan yang diterima", ["Hasil", "Jumlah", "Persentase"]),
    "tahap": (
        "Waktu penyelesaian per tahap SOP (menit kerja)",
        [
            "No.",
            "Tahap",
            "Pelaksana",
            "Mutu Baku",
            "Selesai",
            "Median",
            "Persentil 90",
            "Sesuai Mutu Baku",
        ],
    ),
    "penyimpangan": (
        "Penyimpangan mutu baku waktu",
        [
            "No. Aduan",
            "Tahap",
            "Pelaksana",
            "Mutu Baku (menit)",
            "Realisasi (menit)",
            "Selisih (menit)",
        ],
    ),
    "terbuka": (
        "Aduan masih terbuka pada akhir bulan",
        ["No. Aduan", "Diterima", "Tahap", "Pelaksana", "Tenggat", "Terlambat (menit kerja)"],
    ),
}
_NONE = "(tidak ada)"
_EMPTY = {"channel": "(tidak diisi)", "category": "(belum diisi)"}


# ------------------------------------------------------------------ the data
@dataclass
class StepStat:
    """One SOP step's finished instances in the month, in working minutes."""

    number: int
    step_id: str
    label: str
    role: str
    standard: int
    count: int = 0
    within: int = 0
    median: float | None = None
    p90: float | None = None

    @property
    def share(self) -> float | None:
        """Share of instances within the standard time (0..1), None if none finished."""
        return self.within / self.count if self.count else None


@dataclass
class Deviation:
    """A step that took longer than its standard time: the SOP wants it accounted for."""

    ticket: str
    number: int
    label: str
    role: str
    standard: int
    actual: float
    finished: datetime


@dataclass
class OpenItem:
    """A complaint still open at the end of the month, and how late its step was then."""

    ticket: str
    received: datetime
    number: int | None
    label: str
    role: str
    deadline: datetime | None
    late_minutes: float


@dataclass
class Recap:
    """Everything the monthly recap shows; plain values, no formatting."""

    year: int
    month: int
    start: datetime  # first moment of the month, office time
    end: datetime  # first moment of the next month
    at: datetime  # the moment outcomes and open complaints are taken at
    sop_name: str = ""
    sop_number: str = ""
    received: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_outcome: list[tuple[str, int]] = field(default_factory=list)  # (key of OUTCOMES, n)
    weeks: list[tuple[int, int]] = field(default_factory=list)  # (first day, last day)
    weekly: dict[str, list[int]] = field(default_factory=dict)  # channel -> count per week
    steps: list[StepStat] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    open: list[OpenItem] = field(default_factory=list)
    prev_received: int = 0
    prev_share: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return sum(s.count for s in self.steps)

    @property
    def share(self) -> float | None:
        """Share of all steps finished in the month that met their standard."""
        n = self.finished
        return sum(s.within for s in self.steps) / n if n else None

    @property
    def label(self) -> str:
        """``November 2026``."""
        return month_label(self.year, self.month)


# ------------------------------------------------------------------ months
def parse_month(text: str) -> tuple[int, int]:
    """``2026-11`` -> (2026, 11); ValueError with an Indonesian message otherwise."""
    parts = (text or "").strip().split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        if len(parts) != 2 or len(parts[0]) != 4 or not 1 <= month <= 12:
            raise ValueError
    except (ValueError, IndexError):
        raise ValueError(f"bulan {text!r} tidak terbaca; tulis seperti 2026-11") from None
    return year, month


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_label(year: int, month: int) -> str:
    """``November 2026`` (Indonesian month name)."""
    return idfmt.tanggal(datetime(year, month, 1)).split(" ", 1)[1]


def tab_title(month: tuple[int, int]) -> str:
    """The register tab of a month's recap: ``Rekap 2026-11``."""
    return f"Rekap {month[0]:04d}-{month[1]:02d}"


def _bounds(year: int, month: int, tz: tzinfo) -> tuple[datetime, datetime]:
    ny, nm = _next_month(year, month)
    return datetime(year, month, 1, tzinfo=tz), datetime(ny, nm, 1, tzinfo=tz)


# ------------------------------------------------------------------ compute
@dataclass
class _Item:
    ticket: str
    channel: str
    category: str
    st: RowState
    # (step, start, deadline, done) as stored: ISO text, parsed only when needed
    segments: list[tuple[str, Any, Any, Any]]


class _Times:
    """ISO text -> aware datetime (None if unreadable), memoised: one step's end is
    the next one's start, and most texts never need parsing at all."""

    def __init__(self) -> None:
        self.memo: dict[str, datetime | None] = {}

    def __call__(self, value: Any) -> datetime | None:
        if isinstance(value, datetime) or value is None:
            return value
        try:
            return self.memo[value]
        except KeyError:
            pass
        d = None
        if isinstance(value, str):
            try:
                d = datetime.fromisoformat(value)
            except ValueError:
                d = None
            if d is not None and d.tzinfo is None:
                d = None
        self.memo[value] = d
        return d


def _near(year: int, month: int) -> set[str]:
    """``YYYY-MM`` of the month and its neighbours: an ISO time inside the month
    starts with one of them whatever its UTC offset (offsets are under a day)."""
    months = [previous_month(year, month), (year, month), _next_month(year, month)]
    return {f"{y:04d}-{m:02d}" for y, m in months}


def _items(rows: list[Row], problems: list[str]) -> list[_Item]:
    """Rows with a ticket and a readable state; the others are reported, not counted."""
    out = []
    tickets: set[str] = set()
    for row in rows:
        ticket = row.get(C.TICKET)
        if not ticket:
            continue  # typed in by staff, numbered by the next run
        if ticket in tickets:
            # the engine also ignores the second row of a ticket
            problems.append(f"{ticket}: nomor aduan ganda di register; baris kedua tidak dihitung")
            continue
        tickets.add(ticket)
        try:
            st = RowState.loads(row.get(C.STATE))
        except ValueError as e:
            problems.append(f"{ticket}: Data Sistem tidak terbaca ({e}); tidak dihitung")
            continue
        segs: list[tuple[str, Any, Any, Any]] = [
            (h[0], h[1], h[2], h[3]) for h in st.hist if isinstance(h[0], str) and h[1]
        ]
        if not st.closed:
            segs.append((st.step, st.since, st.deadline, None))
        out.append(
            _Item(
                ticket,
                row.get(C.CHANNEL) or _EMPTY["channel"],
                row.get(C.CATEGORY) or _EMPTY["category"],
                st,
                segs,
            )
        )
    return out


def _p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile: the smallest value >= 90 % of the values."""
    s = sorted(values)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))


def _step_stats(
    items: list[_Item],
    sop: Sop,
    calendar: Any,
    start: datetime,
    end: datetime,
    problems: list[str] | None,
    when: _Times,
) -> tuple[list[StepStat], list[Deviation]]:
    known = {s.id: s for s in sop.steps}
    actuals: dict[str, list[float]] = {s.id: [] for s in sop.steps}
    deviations = []
    unknown: Counter = Counter()
    near = _near(start.year, start.month)
    for it in items:
        for step_id, t0_text, _due, done_text in it.segments:
            if not isinstance(done_text, str) or done_text[:7] not in near:
                continue  # the cheap test first: a register holds years of steps
            done, t0 = when(done_text), when(t0_text)
            if done is None or t0 is None or not start <= done < end:
                continue
            step = known.get(step_id)
            if step is None:
                unknown[step_id] += 1
                continue
            actual = calendar.working_minutes(t0, done)
            actuals[step_id].append(actual)
            if actual > step.standard_minutes:
                deviations.append(
                    Deviation(
                        it.ticket,
                        step.number,
                        step.label,
                        sop.role_label(step.actor),
                        step.standard_minutes,
                        actual,
                        done,
                    )
                )
    if problems is not None:
        for step_id, n in sorted(unknown.items()):
            problems.append(f"tahap {step_id!r} tidak ada di SOP; {n} tahap selesai tidak dihitung")
    stats = []
    for s in sop.steps:
        vals = actuals[s.id]
        stats.append(
            StepStat(
                number=s.number,
                step_id=s.id,
                label=s.label,
                role=sop.role_label(s.actor),
                standard=s.standard_minutes,
                count=len(vals),
                within=sum(1 for v in vals if v <= s.standard_minutes),
                median=statistics.median(vals) if vals else None,
                p90=_p90(vals) if vals else None,
            )
        )
    deviations.sort(key=lambda d: (d.ticket, d.number, d.finished))
    return stats, deviations


def compute_recap(
    rows: list[Row],
    sop: Sop,
    calendar: Any,
    month: tuple[int, int],
    tz: tzinfo,
    *,
    now: datetime | None = None,
) -> Recap:
    """The recap of ``month`` (year, month) from the register rows. Pure.

    ``now`` (when the month is not over yet) caps the moment outcomes and open
    complaints are taken at; None means the end of the month.
    """
    year, mon = month
    start, end = _bounds(year, mon, tz)
    at = min(end, now).astimezone(tz) if now is not None else end
    rc = Recap(year, mon, start, end, at, sop_name=sop.name, sop_number=sop.number)
    items = _items(rows, rc.problems)

    def seen(t: datetime | None) -> bool:
        return t is not None and t < end and t <= at

    # complaints received in the month: channel, category, week, outcome
    last_day = (end - start).days
    rc.weeks = [(d, min(d + 6, last_day)) for d in range(1, last_day + 1, 7)]
    channels: Counter = Counter()
    categories: Counter = Counter()
    outcomes: Counter = Counter()
    weekly: dict[str, list[int]] = {}
    for it in items:
        recv = it.st.received
        if not start <= recv < end:
            continue
        rc.received += 1
        channels[it.channel] += 1
        categories[it.category] += 1
        week = (recv.astimezone(tz).day - 1) // 7
        weekly.setdefault(it.channel, [0] * len(rc.weeks))[week] += 1
        closed = it.st.closed if seen(it.st.closed) else None
        outcomes[(it.st.outcome or "terbuka") if closed else "terbuka"] += 1
    rc.by_channel = _ranked(channels)
    rc.by_category = _ranked(categories)
    used = {t.outcome for s in sop.steps for t in s.transitions if t.outcome}
    rc.by_outcome = [(k, outcomes.get(k, 0)) for k in OUTCOMES if k in used or outcomes.get(k)]
    rc.by_outcome += [(k, n) for k, n in sorted(outcomes.items()) if k not in OUTCOMES]
    rc.weekly = {ch: weekly[ch] for ch, _n in rc.by_channel}

    # steps finished in the month, against the standard time
    when = _Times()
    rc.steps, rc.deviations = _step_stats(items, sop, calendar, start, end, rc.problems, when)

    # complaints open at the end of the month (received in any month)
    for it in items:
        if it.st.received >= end or it.st.received > at or seen(it.st.closed):
            continue
        segs = [(sid, when(t0), when(due)) for sid, t0, due, _d in it.segments]
        current = [seg for seg in segs if seg[1] is not None and seg[1] <= at] or segs[:1]
        if not current:
            continue  # a closed state without steps: nothing to show
        step_id, _t0, due = current[-1]
        step = sop.step(step_id) if sop.has_step(step_id) else None
        late = calendar.working_minutes(due, at) if due is not None and due < at else 0.0
        rc.open.append(
            OpenItem(
                it.ticket,
                it.st.received,
                step.number if step else None,
                step.label if step else step_id,
                sop.role_label(step.actor) if step else "",
                due,
                late,
            )
        )
    rc.open.sort(key=lambda o: (-o.late_minutes, o.ticket))

    # the month before, for the comparison
    pstart, pend = _bounds(*previous_month(year, mon), tz)
    rc.prev_received = sum(1 for it in items if pstart <= it.st.received < pend)
    pstats, _ = _step_stats(items, sop, calendar, pstart, pend, None, when)
    pn = sum(s.count for s in pstats)
    rc.prev_share = sum(s.within for s in pstats) / pn if pn else None
    return rc


# ------------------------------------------------------------------ as text
def _num(x: float | None) -> str:
    """``12``, ``12,5`` (one decimal, Indonesian comma), ``-`` for nothing."""
    if x is None:
        return "-"
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}".replace(".", ",")


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{_num(share * 100)}%"


def _of(n: int, total: int) -> str:
    return _pct(n / total) if total else "-"


def _signed(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    text = _num(abs(x))
    sign = "+" if x > 0 and text != "0" else "-" if x < 0 and text != "0" else ""
    return f"{sign}{text}{unit}"


def _short(label: str, n: int = 70) -> str:
    label = " ".join(label.split()).rstrip(".")
    return label if len(label) <= n else label[: n - 1].rstrip() + "…"


def recap_sections(rc: Recap) -> dict[str, list[list[str]]]:
    """The recap as text rows per section (keys of SECTIONS), as staff read it."""
    late_open = sum(1 for o in rc.open if o.late_minutes > 0)
    share_change = (
        (rc.share - rc.prev_share) * 100
        if rc.share is not None and rc.prev_share is not None
        else None
    )
    return {
        "ringkasan": [
            ["Aduan diterima", str(rc.received)],
            ["Tahap SOP diselesaikan", str(rc.finished)],
            ["Tahap sesuai mutu baku waktu", _pct(rc.share)],
            ["Penyimpangan mutu baku waktu", str(len(rc.deviations))],
            ["Aduan masih terbuka pada akhir bulan", str(len(rc.open))],
            ["Di antaranya melewati tenggat", str(late_open)],
        ],
        "perbandingan": [
            [
                "Aduan diterima",
                str(rc.prev_received),
                str(rc.received),
                _signed(rc.received - rc.prev_received),
            ],
            [
                "Tahap sesuai mutu baku waktu",
                _pct(rc.prev_share),
                _pct(rc.share),
                _signed(share_change, " poin"),
            ],
        ],
        "saluran": [[k, str(n), _of(n, rc.received)] for k, n in rc.by_channel],
        "kategori": [[k, str(n), _of(n, rc.received)] for k, n in rc.by_category],
        "hasil": [[OUTCOMES.get(k, k), str(n), _of(n, rc.received)] for k, n in rc.by_outcome],
        "tahap": [
            [
                str(s.number),
                _short(s.label),
                s.role,
                str(s.standard),
                str(s.count),
                _num(s.median),
                _num(s.p90),
                _pct(s.share),
            ]
            for s in rc.steps
        ],
        "penyimpangan": [
            [
                d.ticket,
                f"{d.number}. {_short(d.label, 50)}",
                d.role,
                str(d.standard),
                _num(d.actual),
                _num(d.actual - d.standard),
            ]
            for d in rc.deviations
        ],
        "terbuka": [
            [
                o.ticket,
                idfmt.tanggal_pendek(o.received.astimezone(rc.start.tzinfo)),
                f"{o.number}. {_short(o.label, 50)}" if o.number else o.label,
                o.role,
                idfmt.tanggal_pendek(o.deadline.astimezone(rc.start.tzinfo)) if o.deadline else "-",
                _num(o.late_minutes),
            ]
            for o in rc.open
        ],
    }


def _headers(key: str, rc: Recap) -> list[str]:
    heads = list(SECTIONS[key][1])
    if key == "perbandingan":
        heads[1:3] = [month_label(*previous_month(rc.year, rc.month)), rc.label]
    return heads


def recap_table(rc: Recap) -> list[list[str]]:
    """Rows for the *Rekap YYYY-MM* tab: a title, then each section with its headers."""
    out = [
        [f"Rekap Aduan Bulan {rc.label}"],
        [rc.sop_name],
        [f"Dihitung dari register; keadaan per {idfmt.tanggal_pendek(rc.at)}"],
        [],
    ]
    sections = recap_sections(rc)
    for i, (key, (title, _heads)) in enumerate(SECTIONS.items(), 1):
        out.append([f"{i}. {title}"])
        out.append(_headers(key, rc))
        out += sections[key] or [[_NONE]]
        out.append([])
    if rc.problems:
        out.append(["Catatan data"])
        out += [[p] for p in rc.problems]
    return out


# ------------------------------------------------------------------ charts
def _figure(width: float, height: float):
    # the object API, not pyplot: no global state, no GUI backend, safe under cron
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def chart_weekly(rc: Recap) -> bytes:
    """PNG: complaints received per week of the month, stacked by channel."""
    fig = _figure(6.4, 2.8)
    ax = fig.add_subplot()
    x = list(range(len(rc.weeks)))
    bottom = [0] * len(x)
    from matplotlib import colormaps

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
    ax.set_title("Aduan diterima per minggu menurut saluran", fontsize=10)
    ax.set_ylim(0, max([*bottom, 1]) * 1.15)
    ax.yaxis.get_major_locator().set_params(integer=True)
    if rc.weekly:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    else:
        ax.text(0.5, 0.5, "Tidak ada aduan", transform=ax.transAxes, ha="center", va="center")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def chart_steps(rc: Recap) -> bytes:
    """PNG: per SOP step, the share of steps finished within the standard time."""
    fig = _figure(6.4, 0.45 * max(len(rc.steps), 2) + 0.9)
    ax = fig.add_subplot()
    y = list(range(len(rc.steps)))
    shares = [(s.share or 0) * 100 for s in rc.steps]
    colours = ["#2e7d32" if (s.share or 0) >= 0.9 else "#c62828" for s in rc.steps]
    ax.barh(y, shares, color=colours, height=0.6)
    for yi, s in zip(y, rc.steps, strict=True):
        text = f"{_pct(s.share)} dari {s.count}" if s.count else "tidak ada"
        ax.text(min((s.share or 0) * 100, 100) + 1, yi, text, va="center", fontsize=7)
    ax.set_yticks(y, [f"{s.number}. {_short(s.label, 38)}" for s in rc.steps], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_title("Tahap selesai sesuai mutu baku waktu", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


# ------------------------------------------------------------------ Word
def _context(rc: Recap, now: datetime, tz_label: str = "WIB") -> dict[str, Any]:
    sections = recap_sections(rc)
    pyear, pmonth = previous_month(rc.year, rc.month)
    last = rc.end.astimezone(rc.start.tzinfo) - rc.start
    return {
        **sections,
        "bulan": rc.label,
        "bulan_lalu": month_label(pyear, pmonth),
        "periode": f"1–{last.days} {rc.label}",
        "keadaan": idfmt.waktu(rc.at, tz_label) if rc.at < rc.end else f"akhir bulan {rc.label}",
        "sop_name": rc.sop_name,
        "sop_number": rc.sop_number,
        "catatan": list(rc.problems),
        "date": now,
        "now": now,
    }


def _fill(docs: Any, rc: Recap, now: datetime) -> tuple[Path, bytes]:
    """Render the report in memory with a Documents: (target path, .docx bytes)."""
    from docx.opc.exceptions import PackageNotFoundError
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage
    from jinja2 import TemplateError, UndefinedError
    from lxml import etree

    from aduan.core.model import DocumentJob

    template = docs.templates / TEMPLATE
    if not template.is_file():
        raise DocumentError(f"template rekap: file {template} not found")
    target = docs.out / "rekap" / f"rekap-{rc.year:04d}-{rc.month:02d}.docx"
    # office, letterhead contact line and text cleaning: as for every other document
    ctx = docs.prepare(
        DocumentJob("", "rekap", target.name, _context(rc, now, docs.settings.tz_label))
    )
    try:
        tpl = DocxTemplate(str(template))
        ctx["logo"] = InlineImage(tpl, str(docs.logo), width=Mm(20)) if docs.logo else ""
        ctx["chart_weekly"] = InlineImage(tpl, io.BytesIO(chart_weekly(rc)), width=Mm(160))
        ctx["chart_steps"] = InlineImage(tpl, io.BytesIO(chart_steps(rc)), width=Mm(160))
        tpl.render(ctx, jinja_env=docs.env, autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
    except UndefinedError as e:
        raise DocumentError(f"template rekap: unknown tag ({e.message})") from None
    except TemplateError as e:
        raise DocumentError(f"template rekap: broken tag ({e.message})") from None
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
        etree.LxmlError,
    ) as e:
        raise DocumentError(f"template rekap: not a usable .docx file ({e})") from None
    return target, buf.getvalue()


def render_report(settings: Any, rc: Recap, *, now: datetime) -> Path:
    """Write ``<documents>/rekap/rekap-YYYY-MM.docx`` from the template; return its path."""
    from aduan.documents.render import Documents

    docs = Documents(settings)
    target, data = _fill(docs, rc, now)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as e:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise DocumentError(f"{target}: rekap tidak dapat disimpan ({e.strerror or e})") from None
    logger.info("recap %s: wrote %s", rc.label, target)
    return target


def check_template(settings: Any) -> list[str]:
    """Render the report template with an empty month; one line per problem (for
    ``aduan check``: Documents.check() does not look at this template)."""
    from aduan.documents.render import Documents

    try:
        rc = compute_recap([], settings.load_sop(), settings.calendar(), (2026, 11), settings.tz)
        _fill(Documents(settings), rc, rc.end)
    except (DocumentError, ConfigError) as e:
        return [str(e)]
    return []


# ------------------------------------------------------------------ the run
@dataclass
class RecapReport:
    """What ``aduan recap`` did."""

    recap: Recap
    tab: str = ""
    path: Path | None = None
    emailed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _send(settings: Any, sop: Sop, rc: Recap, path: Path, now: datetime, mailer: Any) -> list[str]:
    from aduan.core.model import Notification
    from aduan.mail.compose import compose
    from aduan.run.wiring import open_mailer

    to = list(settings.roles.get(sop.head_role, []))
    if not to:
        raise MailError(f"peran {sop.head_role} tidak punya alamat email", permanent=True)
    n = Notification(
        key=f"rekap|{rc.year:04d}-{rc.month:02d}",
        kind="rekap",
        ticket="",
        step_id=None,
        to_roles=(sop.head_role,),
        context=_context(rc, now, settings.tz_label),
    )
    pdf = path.with_suffix(".pdf")
    msg = compose(n, to, settings, attachments=[path, pdf] if pdf.is_file() else [path])
    own = mailer is None
    mailer = mailer or open_mailer(settings)
    try:
        mailer.send(msg)
    finally:
        if own:
            mailer.close()
    return to


def run_recap(
    settings: Any,
    month: tuple[int, int],
    *,
    now: datetime | None = None,
    send: bool = False,
    register: Any = None,
    mailer: Any = None,
) -> RecapReport:
    """Read the register, write the *Rekap YYYY-MM* tab, render the Word report and
    (``send``) email it to the head role; all under the run lock. A failing part is
    recorded in ``problems`` and the others still run; an unreadable register raises."""
    from filelock import Timeout

    from aduan.core.layout import build_layout
    from aduan.documents.render import Documents
    from aduan.run.cycle import lock
    from aduan.run.wiring import open_register

    now = (now or datetime.now(settings.tz)).astimezone(settings.tz)
    lk = lock(settings)
    try:
        lk.acquire()
    except Timeout:
        raise RunLocked("run lain sedang berjalan; coba lagi sebentar lagi") from None
    try:
        sop = settings.load_sop()
        cal = settings.calendar()
        reg = register or open_register(settings, build_layout(sop, settings.categories))
        try:
            snap = reg.read()
            rc = compute_recap(snap.rows, sop, cal, month, settings.tz, now=now)
            rc.problems[:0] = snap.problems  # e.g. a missing column: figures read it as empty
            rep = RecapReport(rc, tab=tab_title(month))
            try:
                reg.write_tab(rep.tab, recap_table(rc))
            except RegisterError as e:
                rep.problems.append(f"tab {rep.tab} tidak ditulis: {e}")
        finally:
            if register is None:
                reg.close()
        try:
            rep.path = render_report(settings, rc, now=now)
        except DocumentError as e:
            rep.problems.append(f"dokumen rekap tidak dibuat: {e}")
        docs = Documents(settings)
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
