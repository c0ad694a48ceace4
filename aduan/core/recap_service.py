"""The monthly recap's service-standard figures (issue 20), pure: per kind of
complaint the first response on time and the resolution within the standard (time
waited for the complainant excluded), the waits themselves, and the satisfaction
survey (SKM: responses, index, quality, distribution). A section of its own in the
recap (:mod:`aduan.core.recap_text`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from aduan.core.model import Row
from aduan.core.service import (
    NOT_COMPLETED,
    ServiceStandard,
    first_on_time,
    rating_of,
    service_due,
    skm_index,
    skm_quality,
    within_standard,
)
from aduan.core.state import aware, tracked_rows
from aduan.core.worktime import WorkCalendar

__all__ = ["KindFigures", "ServiceFigures", "service_figures"]


@dataclass
class KindFigures:
    """One kind's complaints closed in the month."""

    kind: str  # "" = the office default (Jenis Aduan not set)
    days: int
    closed: int = 0
    within: int = 0  # closed by the overall deadline
    first_known: int = 0  # with a first response recorded or due
    first_on_time: int = 0


@dataclass
class ServiceFigures:
    """The month against the service standards."""

    kinds: list[KindFigures] = field(default_factory=list)
    waits: int = 0  # waits for the complainant that ended in the month
    waited_minutes: int = 0  # their working minutes (excluded from every deadline)
    not_completed: int = 0  # closed as *Ditutup — tidak dilengkapi* in the month
    ratings: list[int] = field(default_factory=list)  # of complaints closed in the month

    @property
    def distribution(self) -> dict[int, int]:
        c = Counter(self.ratings)
        return {r: c.get(r, 0) for r in (4, 3, 2, 1)}

    @property
    def ikm(self) -> float | None:
        return skm_index(self.ratings)

    @property
    def quality(self) -> str:
        return skm_quality(self.ikm)


def service_figures(
    rows: list[Row],
    cal: WorkCalendar,
    std: ServiceStandard,
    start: datetime,
    end: datetime,
    at: datetime,
) -> ServiceFigures:
    """The figures of the month [start, end), as things stood at ``at``."""
    out = ServiceFigures()
    per: dict[str, KindFigures] = {
        k.name: KindFigures(k.name, k.days) for k in (*std.kinds, std.default)
    }
    for _ticket, row, st in tracked_rows(rows):
        for p in st.pauses:
            t0, t1 = aware(p[0]), aware(p[1])
            if t0 and t1 and start <= t1 < end and t1 <= at:
                out.waits += 1
                out.waited_minutes += int(cal.working_minutes(t0, t1))
        if st.closed is None or not start <= st.closed < end or st.closed > at:
            continue
        if st.outcome == NOT_COMPLETED:
            out.not_completed += 1
            continue  # never resolved: neither within nor outside the standard
        kind = std.kind_of(row.values)
        f = per.setdefault(kind.name, KindFigures(kind.name, kind.days))
        f.closed += 1
        ok = within_standard(st)
        if ok is None:  # no deadline on record: the kind's, from receipt
            ok = st.closed <= service_due(cal, st.received, kind, st.pmin)
        f.within += ok
        ok = first_on_time(st, cal, kind.first_days)
        if ok is not None:
            f.first_known += 1
            f.first_on_time += ok
        r = rating_of(row.values)
        if r is not None:
            out.ratings.append(r)
    out.kinds = [f for f in per.values() if f.closed]
    return out
