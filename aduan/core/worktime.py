"""Working time: office hours in the office time zone, minus public holidays and
*cuti bersama*, plus extra working days. Deadlines and lateness are counted in it.

All arithmetic is done in wall-clock time of the office zone. The three
Indonesian zones (WIB, WITA, WIT) have no daylight saving time, so wall time and
elapsed time agree.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol

import holidays

__all__ = ["CUTI_BERSAMA", "WORKING_DAY_MINUTES", "WorkCalendar"]

logger = logging.getLogger(__name__)

# Indonesia's three time zones by the names offices use
TZ_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
TZ_NAMES = {v: k for k, v in TZ_ALIASES.items()}

CUTI_BERSAMA = "Cuti bersama"
# The `holidays` package files the SKB cuti bersama under "government"; a
# government office (OPD) is closed on them, so both categories count.
DEFAULT_CATEGORIES = ("public", "government")

_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_ZERO = timedelta(0)
# config.Settings.opening_hours() turns "24.00" into 23:59:59: read it as midnight
# so a round-the-clock office has no one-second gap every night.
_END_OF_DAY = time(23, 59, 59)
_SEARCH_DAYS = 3660  # give up looking for an opening after ten years
#: A working day when no calendar is at hand: 8 hours (the civil service's 37.5 to
#: 40 hours a week over five days)
WORKING_DAY_MINUTES = 8 * 60


class Allowance(Protocol):
    """A time allowance (an SOP step's :class:`aduan.core.sop.Deadline`): whole
    working days, or else minutes of working time."""

    @property
    def minutes(self) -> int: ...

    @property
    def working_days(self) -> int: ...


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


class WorkCalendar:
    """Office hours per weekday (Monday=0) in ``tz``, minus Indonesian public
    holidays (and the government's cuti bersama), minus ``closed_dates``, plus
    ``extra_working_days`` (which use Monday's hours, or the first open
    weekday's if Monday is closed, and win over any holiday).

    Every method accepts aware datetimes in any zone and returns datetimes in
    ``tz``. An opening span is half-open: at the closing minute the office is
    closed, but a deadline may fall exactly on it.
    """

    def __init__(
        self,
        tz: tzinfo,
        hours: dict[int, tuple[time, time]],
        closed_dates: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        *,
        holiday_categories: Iterable[str] = DEFAULT_CATEGORIES,
    ) -> None:
        self.tz = tz
        self._hours: dict[int, tuple[timedelta, timedelta]] = {}
        for wd, (opens, closes) in hours.items():
            if not 0 <= wd <= 6:
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {wd}")
            start = _offset(opens)
            end = _DAY if closes == _END_OF_DAY else _offset(closes)
            if end <= start:
                raise ValueError(f"weekday {wd}: closing {closes} is not after opening {opens}")
            self._hours[wd] = (start, end)
        if not self._hours:
            raise ValueError("no office hours: at least one weekday must be open")
        self._extra_hours = self._hours.get(0) or self._hours[min(self._hours)]
        self._closed = frozenset(closed_dates)
        self._extra = frozenset(extra_working_days)
        self._categories = tuple(holiday_categories)
        self._holidays: dict[int, dict[date, str]] = {}
        self._cum: dict[int, list[timedelta]] = {}

    @property
    def day_minutes(self) -> int:
        """The length of a working day in minutes: the most common opening span of
        the week (Monday's on a tie), so "1 hari kerja" means what the office means."""
        spans = Counter(end - start for _wd, (start, end) in sorted(self._hours.items()))
        return int(spans.most_common(1)[0][0].total_seconds() // 60)

    # ------------------------------------------------------------ days
    def _year_holidays(self, year: int) -> dict[date, str]:
        got = self._holidays.get(year)
        if got is None:
            # computed lazily per year: a recap of old complaints needs old years
            got = {}
            if self._categories:
                hol = holidays.Indonesia(years=year, language="id", categories=self._categories)
                got = dict(hol)
            self._holidays[year] = got
        return got

    def _day(self, d: date | datetime) -> date:
        return self.local(d).date() if isinstance(d, datetime) else d

    def is_working_day(self, d: date) -> bool:
        """True if the office opens on ``d`` (a date, or a datetime read in office tz)."""
        d = self._day(d)
        if d in self._extra:
            return True
        if d.weekday() not in self._hours or d in self._closed:
            return False
        return d not in self._year_holidays(d.year)

    def holiday_name(self, d: date) -> str | None:
        """The Indonesian name of the holiday on ``d``; "Cuti bersama" for a
        configured cuti bersama date; None on ordinary days and extra working days."""
        d = self._day(d)
        if d in self._extra:
            return None
        name = self._year_holidays(d.year).get(d)
        if name is None and d in self._closed:
            return CUTI_BERSAMA
        return name

    def _hours_of(self, d: date) -> tuple[timedelta, timedelta] | None:
        if not self.is_working_day(d):
            return None
        return self._hours.get(d.weekday(), self._extra_hours)

    def _span(self, d: date) -> tuple[datetime, datetime] | None:
        hours = self._hours_of(d)
        if hours is None:
            return None
        midnight = datetime.combine(d, time(), tzinfo=self.tz)
        return midnight + hours[0], midnight + hours[1]

    def _cumulative(self, year: int) -> list[timedelta]:
        """cum[i] = working time on the days of ``year`` before day-of-year i+1."""
        cum = self._cum.get(year)
        if cum is None:
            cum = [_ZERO]
            d, total = date(year, 1, 1), _ZERO
            while d.year == year:
                hours = self._hours_of(d)
                if hours:
                    total += hours[1] - hours[0]
                cum.append(total)
                d += _DAY
            self._cum[year] = cum
        return cum

    def _before(self, d: date) -> timedelta:
        return self._cumulative(d.year)[d.timetuple().tm_yday - 1]

    def _full_days(self, d1: date, d2: date) -> timedelta:
        """Working time of the whole days in [d1, d2), from per-year prefix sums."""
        if d2 <= d1:
            return _ZERO
        if d1.year == d2.year:
            return self._before(d2) - self._before(d1)
        total = self._cumulative(d1.year)[-1] - self._before(d1) + self._before(d2)
        for year in range(d1.year + 1, d2.year):
            total += self._cumulative(year)[-1]
        return total

    # ------------------------------------------------------------ moments
    def local(self, dt: datetime) -> datetime:
        """``dt`` in the office time zone (ValueError for a naive datetime)."""
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"naive datetime {dt.isoformat()}: give a time zone")
        return dt.astimezone(self.tz)

    def is_open(self, dt: datetime) -> bool:
        """True if the office is open at ``dt``."""
        dt = self.local(dt)
        span = self._span(dt.date())
        return span is not None and span[0] <= dt < span[1]

    def next_open(self, dt: datetime) -> datetime:
        """``dt`` itself (in office tz) if open, else the next opening moment."""
        dt = self.local(dt)
        d = dt.date()
        span = self._span(d)
        if span is not None and dt < span[1]:
            return max(dt, span[0])
        for _ in range(_SEARCH_DAYS):
            d += _DAY
            span = self._span(d)
            if span is not None:
                return span[0]
        raise ValueError(f"the office never opens in the ten years after {dt.isoformat()}")

    def _next_working_day(self, d: date) -> date:
        for _ in range(_SEARCH_DAYS):
            d += _DAY
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day in the ten years after {d.isoformat()}")

    def add(self, start: datetime, minutes: int = 0, working_days: int = 0) -> datetime:
        """The deadline ``working_days`` working days and then ``minutes`` working
        minutes after ``start``.

        Counting begins at ``next_open(start)``: a complaint arriving at night
        starts its clock when the office opens. ``working_days=N`` lands on the
        same clock time N working days later, clamped into that day's hours
        (Friday 16.15 + 1 day is Monday 16.00 when Monday closes at 16.00).
        """
        if minutes < 0 or working_days < 0:
            raise ValueError("minutes and working_days must not be negative")
        t = self.next_open(start)
        if working_days:
            d = t.date()
            clock = t - datetime.combine(d, time(), tzinfo=self.tz)
            for _ in range(working_days):
                d = self._next_working_day(d)
            hours = self._hours_of(d)
            assert hours is not None  # d is a working day
            t = datetime.combine(d, time(), tzinfo=self.tz) + min(max(clock, hours[0]), hours[1])
            if minutes and clock >= hours[1]:
                # at closing time: the minutes are counted from the next opening
                t = self.next_open(t)
        remaining = timedelta(minutes=minutes)
        while True:
            span = self._span(t.date())
            assert span is not None and span[0] <= t <= span[1]
            available = span[1] - t
            if remaining <= available:
                return t + remaining
            remaining -= available
            t = self.next_open(span[1])

    def deadline(self, start: datetime, allowance: Allowance) -> datetime:
        """The deadline of a step started at ``start`` with an SOP allowance."""
        return self.add(start, minutes=allowance.minutes, working_days=allowance.working_days)

    def working_minutes(self, a: datetime, b: datetime) -> float:
        """Working minutes between ``a`` and ``b`` (0 if ``b <= a``).

        Constant time per call after the first in a year: whole days come from
        per-year prefix sums, only the two end days are looked at.
        """
        a, b = self.local(a), self.local(b)
        if b <= a:
            return 0.0
        da, db = a.date(), b.date()
        if da == db:
            total = self._overlap(da, a, b)
        else:
            total = (
                self._overlap(da, a, None)
                + self._full_days(da + _DAY, db)
                + self._overlap(db, None, b)
            )
        # timedelta / timedelta divides integer microseconds: exact for whole minutes
        return total / _MINUTE

    def _overlap(self, d: date, lo: datetime | None, hi: datetime | None) -> timedelta:
        span = self._span(d)
        if span is None:
            return _ZERO
        start = span[0] if lo is None else max(lo, span[0])
        end = span[1] if hi is None else min(hi, span[1])
        return max(end - start, _ZERO)
