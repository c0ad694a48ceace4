"""Service standards a citizen can hold the office to, pure: the overall deadline per
kind of complaint (SP4N-LAPOR!), the clock paused while the office waits for the
complainant, and the satisfaction rating (SKM, Permenpan RB 14/2017).

The one home of these rules: the engine (:mod:`aduan.core.engine.service`), the
acknowledgement, the daily summary and both recaps read them from here. The numbers
and texts are the office's settings (``service:`` in settings.yaml, mapped by
:func:`aduan.run.wiring.engine_config`); the defaults are the national guidance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aduan.core.layout import C
from aduan.core.state import RowState, aware
from aduan.core.worktime import WorkCalendar

__all__ = [
    "DEFAULT_KINDS",
    "NOT_COMPLETED",
    "RATING_LABELS",
    "Kind",
    "ServiceStandard",
    "Skm",
    "Waiting",
    "digest_fields",
    "first_on_time",
    "paused_minutes",
    "parse_rating",
    "rating_of",
    "service_context",
    "service_due",
    "skm_index",
    "skm_quality",
    "within_standard",
]

#: the outcome of a complaint closed because the complainant never sent what was asked
NOT_COMPLETED = "tidak_dilengkapi"
#: the 4-point scale of Permenpan RB 14/2017
RATING_LABELS = {1: "tidak baik", 2: "kurang baik", 3: "baik", 4: "sangat baik"}


@dataclass(frozen=True)
class Kind:
    """A kind of complaint (*Jenis Aduan*) and its standard, in working days."""

    name: str
    days: int  # resolution
    first_days: int = 3  # first response (the status given to the complainant)


#: SP4N-LAPOR! (KemenPAN-RB): first response in 3 days; information requests and
#: complaints in 5, disputes/violations without a field inspection in 14, with one in 60
DEFAULT_KINDS = (
    Kind("Permintaan informasi", 5),
    Kind("Keluhan", 5),
    Kind("Sengketa/pelanggaran tanpa pemeriksaan lapangan", 14),
    Kind("Sengketa/pelanggaran dengan pemeriksaan lapangan", 60),
)


@dataclass(frozen=True)
class Waiting:
    """Waiting for the complainant (*Menunggu Pengadu*): after ``reminder_days``
    working days without an answer one reminder, after ``close_days`` the complaint
    is closed as not completed. The texts open the mails the complainant gets."""

    reminder_days: int = 5
    close_days: int = 10
    request_text: str = (
        "Untuk dapat menindaklanjuti aduan Anda, kami memerlukan kelengkapan berikut:"
    )
    reminder_text: str = (
        "Kami belum menerima kelengkapan yang kami minta untuk aduan Anda. "
        "Mohon dikirimkan agar aduan dapat kami tindak lanjuti:"
    )
    closing_text: str = (
        "Karena kelengkapan yang kami minta belum kami terima, aduan Anda kami tutup "
        "dengan status Ditutup — tidak dilengkapi. Anda dapat mengajukan aduan baru "
        "kapan saja dengan melampirkan kelengkapan tersebut."
    )


@dataclass(frozen=True)
class Skm:
    """The satisfaction question asked when a complaint is closed."""

    enabled: bool = True
    question: str = (
        "Bagaimana penilaian Anda atas pelayanan pengaduan ini? Balas dengan angka 1–4, "
        "boleh dengan komentar: 1 = tidak baik, 2 = kurang baik, 3 = baik, 4 = sangat baik."
    )
    #: a rating at or below this tells the head, with the complaint
    notify_head_at: int = 2
    #: the outcomes after which the complainant is asked
    outcomes: tuple[str, ...] = ("terlayani_langsung", "ditindaklanjuti", "disalurkan")


@dataclass(frozen=True)
class ServiceStandard:
    """The office's service standards (its *maklumat pelayanan*)."""

    kinds: tuple[Kind, ...] = DEFAULT_KINDS
    #: the office default, in force while *Jenis Aduan* is empty (or not a known kind)
    default: Kind = Kind("", 5)
    #: the current assignee is warned this many working days before the overall deadline
    warn_days: int = 1
    #: who is told when the overall deadline passes ("head", "assignee", a role id)
    escalate_to: tuple[str, ...] = ("assignee", "head")
    waiting: Waiting = field(default_factory=Waiting)
    skm: Skm = field(default_factory=Skm)

    def names(self) -> list[str]:
        """The *Jenis Aduan* choices."""
        return [k.name for k in self.kinds]

    def kind_of(self, values: Mapping[str, str]) -> Kind:
        """The kind a row's *Jenis Aduan* names; the office default when empty or unknown."""
        text = " ".join((values.get(C.KIND) or "").split()).casefold()
        if text:
            for k in self.kinds:
                if k.name.casefold() == text:
                    return k
        return self.default


# ------------------------------------------------------------------ deadlines
def service_due(cal: WorkCalendar, received: datetime, kind: Kind, paused: int = 0) -> datetime:
    """The overall deadline: ``kind.days`` working days after receipt, moved on by the
    working minutes the clock was stopped (waiting for the complainant)."""
    due = cal.add(received, working_days=kind.days)
    return cal.add(due, minutes=paused) if paused else due


def paused_minutes(st: RowState, cal: WorkCalendar, now: datetime | None = None) -> int:
    """Working minutes spent waiting for the complainant (the current wait up to ``now``)."""
    total = st.pmin
    if st.pause and now is not None:
        since = aware(st.pause.get("since"))
        if since:
            total += int(cal.working_minutes(since, now))
    return total


def within_standard(st: RowState) -> bool | None:
    """Closed by its overall deadline (pauses excluded); None while open or when no
    deadline is on record (a state kept before the service standard was)."""
    if st.closed is None or st.sdue is None:
        return None
    return st.closed <= st.sdue


def first_on_time(st: RowState, cal: WorkCalendar, days: int) -> bool | None:
    """First response within ``days`` working days of receipt; None while none was given
    and the time is not up yet."""
    due = cal.add(st.received, working_days=days)
    if st.first is not None:
        return st.first <= due
    if st.sdue is None:
        return None  # kept before the service standard was: nothing recorded
    return False if st.closed is not None else None


def service_context(
    std: ServiceStandard, cal: WorkCalendar, values: Mapping[str, str], st: RowState | None
) -> dict[str, Any]:
    """The ``service`` mapping of an email or document: the standard in force and its dates."""
    kind = std.kind_of(values)
    received = st.received if st else None
    due = st.sdue if st and st.sdue and st.kind == kind.name else None
    if due is None and received is not None:
        due = service_due(cal, received, kind, st.pmin if st else 0)
    return {
        "kind": kind.name,
        "days": kind.days,
        "first_days": kind.first_days,
        "due": due,
        "first_due": cal.add(received, working_days=kind.first_days) if received else None,
        "waiting": bool(st and st.pause),
        "missing": (st.pause or {}).get("what", "") if st else "",
    }


def digest_fields(st: RowState, now: datetime) -> dict[str, Any]:
    """What the daily summary adds to an open item about the overall deadline: the
    deadline, whether it has passed, and whether the office waits for the complainant
    (no clock runs then, so nothing is overdue)."""
    waiting = bool(st.pause)
    return {
        "service_deadline": st.sdue,
        "service_late": bool(st.sdue and not waiting and now > st.sdue),
        "waiting": waiting,
    }


# ------------------------------------------------------------------ SKM
_SCALE = "|".join(sorted((re.escape(v) for v in RATING_LABELS.values()), key=len, reverse=True))
#: "4", "4.", "4 - cepat", "nilai: 3", "3/4", "2 (kurang baik) karena …", "4 sangat baik"
_RATING_RE = re.compile(
    r"^\s*(?:nilai(?:\s+saya)?\s*[:=]?\s*)?\*?([1-4])\*?"
    r"(?:(?:\s*/\s*4|\s+dari\s+4)(?=$|\W)"
    rf"|(?=$|\s*[.,:;!)\-–—/(]|\s+(?:{_SCALE})\b))"
    r"\s*[.,:;!)\-–—/]*\s*(.*)$",
    re.IGNORECASE,
)
_QUOTE_RE = re.compile(r"^(>|pada .+ menulis:|on .+ wrote:|-----)", re.IGNORECASE)


def parse_rating(text: str) -> tuple[int, str] | None:
    """(rating 1-4, comment) when a reply's first own line is a rating, else None.

    "3 rumah masih terendam" is no rating (a number followed by words): a reply
    that is not a rating must stay a reply."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        m = _RATING_RE.match(s)
        if not m:
            return None
        rest = [m.group(2).strip()]
        for more in lines[i + 1 :]:
            t = more.strip()
            if _QUOTE_RE.match(t) or t in ("--", "-- "):
                break
            rest.append(t)
        comment = "\n".join(rest).strip()
        # the scale word copied back ("4 sangat baik") is no comment
        if comment.casefold() in {v for v in RATING_LABELS.values()}:
            comment = ""
        comment = re.sub(rf"^\(?(?:{_SCALE})\)?\s*[.,:;\-–—]?\s*", "", comment, flags=re.I)
        return int(m.group(1)), comment[:1000]
    return None


def rating_of(values: Mapping[str, str]) -> int | None:
    """The rating in a row's *Penilaian Pengadu* cell ("4", "4 (sangat baik)")."""
    s = (values.get(C.RATING) or "").strip()[:1]
    return int(s) if s in ("1", "2", "3", "4") else None


def skm_index(ratings: Iterable[int]) -> float | None:
    """The satisfaction index (IKM): the average rating x 25 (25-100); None when unrated."""
    rs = list(ratings)
    return sum(rs) / len(rs) * 25 if rs else None


def skm_quality(ikm: float | None) -> str:
    """The SKM quality category of an index (Permenpan RB 14/2017)."""
    if ikm is None:
        return "-"
    if ikm >= 88.31:
        return "A (sangat baik)"
    if ikm >= 76.61:
        return "B (baik)"
    if ikm >= 65.0:
        return "C (kurang baik)"
    return "D (tidak baik)"
