"""The monthly recap's figures (*rekapitulasi aduan*), pure: how the month went, against the SOP.

:func:`compute_recap`: register rows (each complaint's RowState in the hidden
*Data Sistem* cell) + SOP + working calendar + month -> :class:`Recap`.
A month is the office's local calendar month. A complaint counts in the month it
was received; a step counts in the month it finished, measured in working
minutes against the SOP's standard time (*mutu baku*), whatever deadline the
office configured. Outcomes and open complaints are taken as they stood at the
end of the month (or now, if earlier), so a recap computed again later gives
the same figures.

:mod:`aduan.core.recap_text` words the figures for the register tab, the Word
report and the email.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from aduan.core import idfmt
from aduan.core.layout import C
from aduan.core.model import Row
from aduan.core.recap_service import ServiceFigures, service_figures
from aduan.core.service import ServiceStandard
from aduan.core.sop import Sop
from aduan.core.state import DUPLICATE, RowState, tracked_rows
from aduan.core.worktime import WorkCalendar

__all__ = [
    "OUTCOMES",
    "Deviation",
    "OpenItem",
    "Recap",
    "StepStat",
    "compute_recap",
    "month_label",
    "parse_month",
    "previous_month",
    "tab_title",
]

#: Outcome keys in report order, with the labels staff read.
OUTCOMES = {
    "terlayani_langsung": "Dijawab langsung",
    "ditindaklanjuti": "Ditindaklanjuti",
    "disalurkan": "Disalurkan (bukan kewenangan)",
    "tidak_dilengkapi": "Ditutup — tidak dilengkapi",  # issue 20 (core.service.NOT_COMPLETED)
    "terbuka": "Masih dalam proses",
}

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
    #: the office-added waits (``office_added`` in the SOP, e.g. the *waktu disposisi*):
    #: timed against the office's own time, never counted as SOP steps (issue 21)
    waits: list[StepStat] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    open: list[OpenItem] = field(default_factory=list)
    prev_received: int = 0
    prev_share: float | None = None
    problems: list[str] = field(default_factory=list)
    # -- issue 22: what a head reads
    #: the office's working day in minutes (durations are told in working days/hours)
    day_minutes: int = 450
    #: end to end: complaints closed in the month, received -> closed, in working minutes
    resolution: StepStat | None = None
    #: category -> outcome key -> complaints received in the month (status x category)
    status_by_category: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    # -- issue 20: the service standards per kind, waits, SKM (core.recap_service); set
    # by the run layer, which knows the office's standards
    service: ServiceFigures | None = None

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

    def skipped(ticket: str, reason: str) -> None:
        # the engine also ignores the second row of a ticket
        what = "baris kedua tidak dihitung" if reason == DUPLICATE else "tidak dihitung"
        problems.append(f"{ticket}: {reason}; {what}")

    for ticket, row, st in tracked_rows(rows, skipped):
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
    calendar: WorkCalendar,
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
            if actual > step.standard_minutes and not step.office_added:
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


def _status_by_category(
    items: list[_Item], start: datetime, end: datetime, seen: Any
) -> list[tuple[str, dict[str, int]]]:
    """Complaints received in the month by category and outcome at the month's end."""
    table: dict[str, Counter] = {}
    for it in items:
        if not start <= it.st.received < end:
            continue
        closed = seen(it.st.closed)
        key = (it.st.outcome or "terbuka") if closed else "terbuka"
        table.setdefault(it.category, Counter())[key] += 1
    order = sorted(table, key=lambda c: (-sum(table[c].values()), c.casefold()))
    return [(c, dict(table[c])) for c in order]


def _resolution(
    items: list[_Item], calendar: WorkCalendar, start: datetime, end: datetime, standard: int
) -> StepStat:
    """End-to-end time of the complaints closed in the month, received -> closed."""
    vals = [
        calendar.working_minutes(it.st.received, it.st.closed)
        for it in items
        if it.st.closed is not None and start <= it.st.closed < end
    ]
    return StepStat(
        number=0,
        step_id="",
        label="Aduan diterima sampai selesai",
        role="",
        standard=standard,
        count=len(vals),
        within=sum(1 for v in vals if v <= standard),
        median=statistics.median(vals) if vals else None,
        p90=_p90(vals) if vals else None,
    )


def compute_recap(
    rows: list[Row],
    sop: Sop,
    calendar: WorkCalendar,
    month: tuple[int, int],
    tz: tzinfo,
    *,
    now: datetime | None = None,
    service_days: int = 5,
    service: ServiceStandard | None = None,
) -> Recap:
    """The recap of ``month`` (year, month) from the register rows. Pure.

    ``now`` (when the month is not over yet) caps the moment outcomes and open
    complaints are taken at; None means the end of the month. ``service_days``: the
    office's service standard (working days from receipt to resolution; SP4N-LAPOR!: 5).
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
    rc.day_minutes = calendar.day_minutes
    rc.status_by_category = _status_by_category(items, start, end, seen)
    rc.resolution = _resolution(items, calendar, start, end, service_days * calendar.day_minutes)

    # steps finished in the month, against the standard time
    when = _Times()
    stats, rc.deviations = _step_stats(items, sop, calendar, start, end, rc.problems, when)
    added = {s.id for s in sop.steps if s.office_added}
    rc.steps = [s for s in stats if s.step_id not in added]
    rc.waits = [s for s in stats if s.step_id in added]

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
    if service is not None:  # issue 20: the office's service standards, a section of its own
        rc.service = service_figures(rows, calendar, service, start, end, at)
    return rc
