"""The pemda recap's figures, pure: one row per office of the fleet for one month.

Each office's figures come from its own register and its own monthly recap
(:func:`aduan.core.recap.compute_recap`): received, closed, steps on time against
the SOP's standard time, complaints closed within their service standard
(:func:`aduan.core.service.within_standard`: the kind's deadline, waiting excluded),
forwarded in (channel *Penyaluran dari …*) and out (outcome *disalurkan*), and the
citizens' satisfaction (:mod:`aduan.core.service`'s SKM) where the office records
ratings. :func:`chart_recap` shapes the pemda into a
:class:`~aduan.core.recap.Recap` so the office recap's charts draw it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aduan.core import idfmt
from aduan.core.model import Row
from aduan.core.recap import Recap, StepStat, month_label
from aduan.core.recap_text import pct
from aduan.core.service import rating_of, skm_index, skm_quality, within_standard
from aduan.core.state import tracked_rows

__all__ = [
    "FORWARDED_IN",
    "OfficeFigures",
    "PemdaRecap",
    "chart_recap",
    "office_figures",
    "pemda_context",
    "pemda_table",
]

#: the channel of a complaint another office handed over (issue 19, part 2)
FORWARDED_IN = "Penyaluran dari"


@dataclass
class OfficeFigures:
    """One office's month, as the pemda recap shows it."""

    office: str  # the office's short name
    folder: str  # its folder in the fleet
    received: int = 0
    closed: int = 0  # complaints closed in the month (received in any month)
    steps: int = 0  # SOP steps finished in the month
    steps_on_time: int = 0  # ... within their standard time (mutu baku)
    within_standard: int = 0  # closed in the month within their service standard
    standard_measured: int = 0  # ... of those closed with an overall deadline on record
    forwarded_in: int = 0
    forwarded_out: int = 0
    ratings: list[int] = field(default_factory=list)  # 1..4, of complaints closed in the month
    weekly: list[int] = field(default_factory=list)  # received per week of the month
    problems: list[str] = field(default_factory=list)

    @property
    def on_time_share(self) -> float | None:
        return self.steps_on_time / self.steps if self.steps else None

    @property
    def standard_share(self) -> float | None:
        m = self.standard_measured
        return self.within_standard / m if m else None

    @property
    def ikm(self) -> float | None:
        """The satisfaction index (IKM); None when unmeasured."""
        return skm_index(self.ratings)


def office_figures(rc: Recap, rows: list[Row], *, office: str, folder: str) -> OfficeFigures:
    """An office's pemda figures from its monthly recap and its register rows."""
    f = OfficeFigures(office, folder)
    f.received = rc.received
    f.steps = rc.finished
    f.steps_on_time = sum(s.within for s in rc.steps)
    f.forwarded_in = sum(n for ch, n in rc.by_channel if ch.startswith(FORWARDED_IN))
    f.forwarded_out = dict(rc.by_outcome).get("disalurkan", 0)
    f.weekly = [sum(w) for w in zip(*rc.weekly.values(), strict=True)] or [0] * len(rc.weeks)
    f.problems = list(rc.problems)
    for _ticket, row, st in tracked_rows(rows):
        if st.closed is None or not rc.start <= st.closed < rc.end or st.closed > rc.at:
            continue
        f.closed += 1
        ok = within_standard(st)
        if ok is not None:
            f.standard_measured += 1
            f.within_standard += ok
        rating = rating_of(row.values)
        if rating is not None:
            f.ratings.append(rating)
    return f


@dataclass
class PemdaRecap:
    """The pemda's month: one figures row per office that could be read, and the
    offices that could not (named, with why)."""

    year: int
    month: int
    government: str
    offices: list[OfficeFigures] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (office, why)
    weeks: list[tuple[int, int]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return month_label(self.year, self.month)

    def total(self) -> OfficeFigures:
        """All offices together (the table's last row)."""
        t = OfficeFigures("Jumlah", "")
        for o in self.offices:
            t.received += o.received
            t.closed += o.closed
            t.steps += o.steps
            t.steps_on_time += o.steps_on_time
            t.within_standard += o.within_standard
            t.standard_measured += o.standard_measured
            t.forwarded_in += o.forwarded_in
            t.forwarded_out += o.forwarded_out
            t.ratings += o.ratings
        return t


HEADERS = [
    "Kantor",
    "Diterima",
    "Selesai",
    "Tahap sesuai mutu baku",
    "Selesai dalam standar pelayanan",
    "Disalurkan masuk",
    "Disalurkan keluar",
    "Penilaian (IKM)",
]


def _row(o: OfficeFigures) -> list[str]:
    ikm = o.ikm
    return [
        o.office,
        str(o.received),
        str(o.closed),
        f"{pct(o.on_time_share)} ({o.steps_on_time} dari {o.steps})" if o.steps else "-",
        f"{pct(o.standard_share)} ({o.within_standard} dari {o.standard_measured})"
        if o.standard_measured
        else "-",
        str(o.forwarded_in),
        str(o.forwarded_out),
        f"{ikm:.2f} — {skm_quality(ikm)}, {len(o.ratings)} penilaian".replace(".", ",", 1)
        if ikm is not None
        else "belum diukur",
    ]


def pemda_rows(pr: PemdaRecap) -> list[list[str]]:
    """The table's data rows: one per office, then the total."""
    return [_row(o) for o in pr.offices] + ([_row(pr.total())] if pr.offices else [])


def pemda_table(pr: PemdaRecap) -> list[list[str]]:
    """The pemda recap as a sheet: a title, the office table, the notes."""
    out = [
        [f"Rekapitulasi Pengaduan Masyarakat {pr.government} — {pr.label}"],
        [],
        HEADERS,
        *pemda_rows(pr),
        [],
        [
            "Mutu baku: waktu standar tiap tahap SOP kantor; standar pelayanan: aduan "
            "selesai dalam batas penyelesaian jenis aduannya (waktu menunggu pengadu tidak "
            "dihitung); IKM = rata-rata penilaian x 25 (Permenpan RB 14/2017)."
        ],
    ]
    notes = [f"{o}: {why}" for o, why in pr.missing]
    notes += [f"{o.office}: {p}" for o in pr.offices for p in o.problems]
    if notes:
        out += [[], ["Catatan data"]] + [[n] for n in notes]
    return out


def pemda_context(pr: PemdaRecap, now: datetime) -> dict[str, Any]:
    """The keys of the pemda report template."""
    return {
        "bulan": pr.label,
        "pemerintah": pr.government,
        "judul": HEADERS,
        "kantor": pemda_rows(pr),
        "jumlah_kantor": len(pr.offices),
        "tidak_terbaca": [f"{o}: {why}" for o, why in pr.missing],
        "catatan": [f"{o.office}: {p}" for o in pr.offices for p in o.problems],
        "tanggal": idfmt.tanggal(now),
        "date": now,
        "now": now,
    }


def chart_recap(pr: PemdaRecap, template: Recap) -> Recap:
    """The pemda as a Recap the office charts can draw: weekly series per office, and one
    "step" per office (its share of SOP steps on time)."""
    rc = Recap(pr.year, pr.month, template.start, template.end, template.at)
    rc.weeks = list(template.weeks)
    rc.weekly = {o.office: o.weekly for o in pr.offices if any(o.weekly)}
    rc.steps = [
        StepStat(i, o.folder, o.office, "", 0, count=o.steps, within=o.steps_on_time)
        for i, o in enumerate(pr.offices, 1)
    ]
    return rc
