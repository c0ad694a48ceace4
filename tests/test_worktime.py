"""WorkCalendar: office hours, holidays, cuti bersama, time zones, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aduan.core.sop import Deadline
from aduan.core.worktime import CUTI_BERSAMA, WorkCalendar

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

# Monday to Friday 07.30-16.00 (the brief's edge cases assume Friday closes at 16.00)
FLAT = {wd: (time(7, 30), time(16, 0)) for wd in range(5)}
# the settings example: Friday closes at 16.30
LONG_FRIDAY = {**FLAT, 4: (time(7, 30), time(16, 30))}
# cuti bersama from config/settings.example.yaml
EXAMPLE_CUTI = [date(2026, 3, 18), date(2026, 3, 19), date(2026, 3, 24), date(2026, 12, 24)]


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(WIB, FLAT)


# ------------------------------------------------------------ the brief's edge cases
def test_five_minutes_from_friday_1558_end_monday_0733(cal):
    assert cal.add(wib(2026, 11, 20, 15, 58), 5) == wib(2026, 11, 23, 7, 33)


def test_step_ending_exactly_at_closing_is_due_at_closing(cal):
    assert cal.add(wib(2026, 11, 20, 15, 55), 5) == wib(2026, 11, 20, 16, 0)
    assert not cal.is_open(wib(2026, 11, 20, 16, 0))
    assert cal.is_open(wib(2026, 11, 20, 15, 59, 59))
    assert cal.is_open(wib(2026, 11, 20, 7, 30))
    assert not cal.is_open(wib(2026, 11, 20, 7, 29, 59))


def test_eve_of_independence_day(cal):
    assert cal.holiday_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert not cal.is_working_day(date(2026, 8, 17))
    assert cal.holiday_name(date(2026, 8, 16)) is None  # a plain Sunday
    # Sunday evening, and Friday just before closing: both wait for Tuesday
    assert cal.add(wib(2026, 8, 16, 20, 0), 5) == wib(2026, 8, 18, 7, 35)
    assert cal.add(wib(2026, 8, 14, 15, 58), 5) == wib(2026, 8, 18, 7, 33)
    assert cal.next_open(wib(2026, 8, 17, 9, 0)) == wib(2026, 8, 18, 7, 30)


def test_lebaran_week_2026_from_the_package(cal):
    # holidays 0.109 puts Idul Fitri 1447 H on Sat 21 and Sun 22 March 2026 and
    # the SKB cuti bersama (category "government") on 18, 20, 23 and 24 March.
    assert cal.holiday_name(date(2026, 3, 19)) == "Hari Suci Nyepi"
    assert cal.holiday_name(date(2026, 3, 21)) == "Hari Raya Idul Fitri"
    assert cal.holiday_name(date(2026, 3, 20)) == "Cuti Bersama Hari Raya Idul Fitri"
    working = [d for d in range(16, 28) if cal.is_working_day(date(2026, 3, d))]
    assert working == [16, 17, 25, 26, 27]
    assert cal.add(wib(2026, 3, 17, 15, 58), 5) == wib(2026, 3, 25, 7, 33)
    assert cal.add(wib(2026, 3, 17, 10, 0), working_days=1) == wib(2026, 3, 25, 10, 0)
    assert cal.working_minutes(wib(2026, 3, 17, 15, 0), wib(2026, 3, 25, 8, 0)) == 90


def test_lebaran_with_public_holidays_only_and_settings_cuti_bersama():
    cal = WorkCalendar(WIB, FLAT, EXAMPLE_CUTI, holiday_categories=("public",))
    working = [d for d in range(16, 28) if cal.is_working_day(date(2026, 3, d))]
    # the example settings miss 20 and 23 March: without the package's
    # government category those two are working days
    assert working == [16, 17, 20, 23, 25, 26, 27]
    assert cal.holiday_name(date(2026, 3, 24)) == CUTI_BERSAMA
    assert cal.holiday_name(date(2026, 3, 19)) == "Hari Suci Nyepi"  # the package's name wins
    assert cal.holiday_name(date(2026, 3, 20)) is None
    assert cal.add(wib(2026, 3, 17, 15, 58), 5) == wib(2026, 3, 20, 7, 33)


def test_complaint_at_night_or_on_sunday_starts_at_opening(cal):
    assert cal.add(wib(2026, 11, 24, 22, 0), 5) == wib(2026, 11, 25, 7, 35)
    assert cal.add(wib(2026, 11, 25, 3, 0), 5) == wib(2026, 11, 25, 7, 35)
    assert cal.add(wib(2026, 11, 22, 10, 0), 5) == wib(2026, 11, 23, 7, 35)
    assert cal.next_open(wib(2026, 11, 22, 10, 0)) == wib(2026, 11, 23, 7, 30)
    assert cal.next_open(wib(2026, 11, 23, 9, 15)) == wib(2026, 11, 23, 9, 15)


def test_wita_office_reads_a_wib_timestamp_on_its_own_clock():
    cal = WorkCalendar(WITA, FLAT)
    arrived = wib(2026, 11, 23, 7, 0)  # 08.00 WITA: open
    assert cal.is_open(arrived)
    due = cal.add(arrived, 30)
    assert due == datetime(2026, 11, 23, 8, 30, tzinfo=WITA)
    assert due.tzinfo is WITA
    assert due.utcoffset() == timedelta(hours=8)


def test_wit_office_is_closed_when_wib_is_still_open():
    cal = WorkCalendar(WIT, FLAT)
    arrived = wib(2026, 11, 23, 15, 0)  # 17.00 WIT
    assert not cal.is_open(arrived)
    opening = cal.next_open(arrived)
    assert opening == datetime(2026, 11, 24, 7, 30, tzinfo=WIT)
    assert opening.astimezone(WIB) == wib(2026, 11, 24, 5, 30)


def test_utc_input_is_converted_to_office_time(cal):
    arrived = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08.00 WIB
    assert cal.is_open(arrived)
    due = cal.add(arrived, 5)
    assert due == wib(2026, 11, 23, 8, 5)
    assert due.tzinfo is WIB
    assert cal.working_minutes(arrived, wib(2026, 11, 23, 9, 0)) == 60


def test_last_evening_of_a_month_stays_in_that_month_in_office_time(cal):
    # 23.50 WIB on 30 November is 16.50 UTC; 00.10 WIB on 1 December is still
    # 30 November in UTC. The office's date is what counts.
    late = datetime(2026, 11, 30, 16, 50, tzinfo=UTC)
    assert cal.local(late).date() == date(2026, 11, 30)
    after_midnight = datetime(2026, 11, 30, 17, 10, tzinfo=UTC)
    assert cal.local(after_midnight).date() == date(2026, 12, 1)
    assert cal.is_working_day(late)  # Monday 30 November, read in WIB
    assert cal.next_open(late) == wib(2026, 12, 1, 7, 30)
    # a WIT office: 23.50 WIT on 31 October 2026 (Saturday) is 21.50 WIB
    wit = WorkCalendar(WIT, FLAT)
    sat_night = datetime(2026, 10, 31, 23, 50, tzinfo=WIT)
    assert wit.local(sat_night.astimezone(UTC)).date() == date(2026, 10, 31)
    assert wit.next_open(sat_night.astimezone(WIB)) == datetime(2026, 11, 2, 7, 30, tzinfo=WIT)


def test_naive_datetime_is_refused(cal):
    with pytest.raises(ValueError, match="naive"):
        cal.add(datetime(2026, 11, 23, 8, 0), 5)


# ------------------------------------------------------------ working days
def test_working_days_keep_the_clock_time(cal):
    assert cal.add(wib(2026, 11, 20, 10, 0), working_days=1) == wib(2026, 11, 23, 10, 0)
    assert cal.add(wib(2026, 11, 23, 10, 0), working_days=5) == wib(2026, 11, 30, 10, 0)
    # outside hours: from the next opening
    assert cal.add(wib(2026, 11, 21, 22, 0), working_days=1) == wib(2026, 11, 24, 7, 30)
    # days first, then minutes
    assert cal.add(wib(2026, 11, 23, 15, 50), 20, working_days=1) == wib(2026, 11, 25, 7, 40)


def test_working_day_clock_is_clamped_into_shorter_hours():
    cal = WorkCalendar(WIB, LONG_FRIDAY)
    assert cal.add(wib(2026, 11, 20, 16, 15), working_days=1) == wib(2026, 11, 23, 16, 0)
    assert cal.add(wib(2026, 11, 20, 16, 15), 10, working_days=1) == wib(2026, 11, 24, 7, 40)


def test_deadline_from_an_sop_allowance(cal):
    start = wib(2026, 11, 20, 15, 58)
    assert cal.deadline(start, Deadline.parse(5)) == wib(2026, 11, 23, 7, 33)
    assert cal.deadline(start, Deadline.parse("1 jam")) == wib(2026, 11, 23, 8, 28)
    assert cal.deadline(start, Deadline.parse("1 hari kerja")) == wib(2026, 11, 23, 15, 58)


def test_extra_working_day_uses_monday_hours_and_beats_a_holiday():
    sat = date(2026, 11, 28)
    hours = {**FLAT, 0: (time(8, 0), time(15, 0))}
    cal = WorkCalendar(WIB, hours, extra_working_days=[sat, date(2026, 8, 17)])
    assert cal.is_working_day(sat)
    assert cal.holiday_name(date(2026, 8, 17)) is None
    assert cal.add(wib(2026, 11, 27, 15, 58), 5) == wib(2026, 11, 28, 8, 3)
    assert cal.working_minutes(wib(2026, 11, 28, 0, 0), wib(2026, 11, 29, 0, 0)) == 7 * 60


def test_configured_closed_date_closes_a_weekday():
    cal = WorkCalendar(WIB, FLAT, closed_dates=[date(2026, 11, 24)])
    assert not cal.is_working_day(date(2026, 11, 24))
    assert cal.holiday_name(date(2026, 11, 24)) == CUTI_BERSAMA
    assert cal.add(wib(2026, 11, 23, 15, 58), 5) == wib(2026, 11, 25, 7, 33)


def test_bad_hours_are_refused():
    with pytest.raises(ValueError, match="no office hours"):
        WorkCalendar(WIB, {})
    with pytest.raises(ValueError, match="not after opening"):
        WorkCalendar(WIB, {0: (time(16, 0), time(7, 30))})
    with pytest.raises(ValueError, match="weekday"):
        WorkCalendar(WIB, {7: (time(7, 30), time(16, 0))})


def test_round_the_clock_office_has_no_gap_at_midnight():
    # config turns "00.00-24.00" into (00:00, 23:59:59)
    cal = WorkCalendar(
        WIB, {wd: (time(0, 0), time(23, 59, 59)) for wd in range(7)}, holiday_categories=()
    )
    a, b = wib(2026, 11, 20, 22, 0), wib(2026, 11, 24, 3, 30)
    assert cal.working_minutes(a, b) == (b - a) / timedelta(minutes=1)
    assert cal.add(wib(2026, 11, 20, 23, 58), 5) == wib(2026, 11, 21, 0, 3)


# ------------------------------------------------------------ working minutes
def test_working_minutes_examples(cal):
    fri, mon = wib(2026, 11, 20, 15, 0), wib(2026, 11, 23, 8, 30)
    assert cal.working_minutes(fri, mon) == 120
    assert cal.working_minutes(mon, fri) == 0
    assert cal.working_minutes(fri, fri) == 0
    assert cal.working_minutes(wib(2026, 11, 23, 6, 0), wib(2026, 11, 23, 20, 0)) == 510
    # across New Year: 31 Dec (Thu) 15.00-16.00, 1 Jan holiday, weekend, 4 Jan 07.30-08.00
    assert cal.working_minutes(wib(2026, 12, 31, 15, 0), wib(2027, 1, 4, 8, 0)) == 90
    assert cal.working_minutes(wib(2026, 11, 23, 8, 0, 30), wib(2026, 11, 23, 8, 1)) == 0.5


def test_working_minutes_of_a_whole_year_match_day_counting(cal):
    days = sum(cal.is_working_day(date(2026, 1, 1) + timedelta(n)) for n in range(365))
    assert 230 < days < 260
    assert cal.working_minutes(wib(2026, 1, 1, 0, 0), wib(2027, 1, 1, 0, 0)) == days * 510
    two = cal.working_minutes(wib(2025, 6, 1, 0, 0), wib(2027, 6, 1, 0, 0))
    split = cal.working_minutes(wib(2025, 6, 1, 0, 0), wib(2026, 6, 1, 0, 0)) + cal.working_minutes(
        wib(2026, 6, 1, 0, 0), wib(2027, 6, 1, 0, 0)
    )
    assert two == split


def _naive_minutes(cal: WorkCalendar, hours: dict, a: datetime, b: datetime) -> float:
    """Reference: walk every day, intersect with that day's literal hours."""
    total = timedelta(0)
    d = a.date()
    while d <= b.date():
        if cal.is_working_day(d):
            o, c = hours[d.weekday()]
            lo = max(a, datetime.combine(d, o, tzinfo=WIB))
            hi = min(b, datetime.combine(d, c, tzinfo=WIB))
            total += max(hi - lo, timedelta(0))
        d += timedelta(days=1)
    return total / timedelta(minutes=1)


MOMENTS = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 2, 1)).map(
    lambda dt: dt.replace(tzinfo=WIB)
)


@settings(max_examples=300, deadline=None)
@given(a=MOMENTS, b=MOMENTS)
def test_working_minutes_agree_with_day_walk(a, b):
    cal = WorkCalendar(WIB, LONG_FRIDAY)
    expected = _naive_minutes(cal, LONG_FRIDAY, a, b) if b > a else 0
    assert cal.working_minutes(a, b) == expected


@settings(max_examples=300, deadline=None)
@given(s=MOMENTS, m=st.integers(min_value=0, max_value=30_000))
def test_working_minutes_inverts_add(s, m):
    cal = WorkCalendar(WIB, LONG_FRIDAY)
    start = cal.next_open(s)  # inside hours
    due = cal.add(start, m)
    assert cal.working_minutes(start, due) == m
    assert due >= start
    if m:
        assert cal.working_minutes(start, due - timedelta(seconds=1)) < m


# ------------------------------------------------------------ settings
def test_from_settings_takes_zone_hours_and_cuti_bersama(make_settings):
    settings = make_settings(
        "bpbd",
        timezone="WITA",
        cuti_bersama=["2026-11-24"],
        extra_working_days=["2026-11-28"],
    )
    cal = settings.calendar()
    assert cal.tz == WITA
    assert cal.holiday_name(date(2026, 11, 24)) == CUTI_BERSAMA
    assert cal.is_working_day(date(2026, 11, 28))
    # default hours: Friday until 16.30
    assert cal.add(datetime(2026, 11, 27, 16, 25, tzinfo=WITA), 5) == datetime(
        2026, 11, 27, 16, 30, tzinfo=WITA
    )
    assert cal.add(datetime(2026, 11, 23, 15, 58, tzinfo=WITA), 5) == datetime(
        2026, 11, 25, 7, 33, tzinfo=WITA
    )


def test_a_working_day_is_the_offices_usual_opening_span():
    assert WorkCalendar(WIB, FLAT).day_minutes == 510  # 07.30-16.00
    # one longer Friday does not make every day longer
    assert WorkCalendar(WIB, LONG_FRIDAY).day_minutes == 510
    short_friday = {**FLAT, 4: (time(7, 30), time(11, 30))}
    assert WorkCalendar(WIB, short_friday).day_minutes == 510
    assert WorkCalendar(WIB, {0: (time(8, 0), time(12, 0))}).day_minutes == 240
    # a round-the-clock office: "24.00" arrives as 23:59:59 and counts as midnight
    assert (
        WorkCalendar(WIB, {wd: (time(0, 0), time(23, 59, 59)) for wd in range(7)}).day_minutes
        == 1440
    )
