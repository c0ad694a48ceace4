"""Indonesian date formatting (babel, locale id) and reading staff-typed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aduan.core.idfmt import durasi, hari_tanggal, parse_tanggal, tanggal, tanggal_pendek, waktu

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]  # fmt: skip
# 23 November 2026 is a Monday
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


# ------------------------------------------------------------ formatting
def test_tanggal():
    assert tanggal(date(2024, 1, 10)) == "10 Januari 2024"
    assert tanggal(datetime(2026, 8, 17, 9, 0, tzinfo=WIB)) == "17 Agustus 2026"
    assert tanggal(None) == ""


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_name_is_indonesian(month):
    assert tanggal(date(2026, month, 5)) == f"5 {MONTHS[month - 1]} 2026"


@pytest.mark.parametrize("offset", range(7))
def test_every_day_name_is_indonesian(offset):
    d = date(2026, 11, 23) + timedelta(days=offset)
    assert hari_tanggal(d) == f"{DAYS[offset]}, {d.day} November 2026"


def test_datetime_is_read_on_its_own_clock_not_the_machines():
    # 23.50 WIB on 30 November is 16.50 UTC the same day; 00.10 WIB on
    # 1 December is still 30 November in UTC: the date follows the datetime's zone
    assert tanggal(datetime(2026, 11, 30, 23, 50, tzinfo=WIB)) == "30 November 2026"
    assert tanggal(datetime(2026, 12, 1, 0, 10, tzinfo=WIB)) == "1 Desember 2026"
    assert tanggal(datetime(2026, 12, 1, 0, 10, tzinfo=WIB).astimezone(UTC)) == "30 November 2026"


def test_waktu():
    dt = datetime(2026, 11, 24, 10, 30, tzinfo=WIB)
    assert waktu(dt) == "Selasa, 24 November 2026 pukul 10.30 WIB"
    assert waktu(dt, "WITA") == "Selasa, 24 November 2026 pukul 11.30 WITA"
    assert waktu(dt.astimezone(UTC), "WIT") == "Selasa, 24 November 2026 pukul 12.30 WIT"
    # late evening WIB is the next day in WIT
    assert waktu(datetime(2026, 11, 23, 23, 0, tzinfo=WIB), "WIT") == (
        "Selasa, 24 November 2026 pukul 01.00 WIT"
    )
    assert waktu(datetime(2026, 11, 24, 7, 5), "WIB") == "Selasa, 24 November 2026 pukul 07.05 WIB"
    assert waktu(dt, "") == "Selasa, 24 November 2026 pukul 10.30"
    assert waktu(None) == ""


def test_tanggal_pendek():
    assert tanggal_pendek(datetime(2026, 11, 24, 10, 30, tzinfo=WIB)) == "24/11/2026 10.30"
    assert tanggal_pendek(datetime(2026, 1, 2, 7, 5, tzinfo=WITA)) == "02/01/2026 07.05"
    assert tanggal_pendek(date(2026, 1, 2)) == "02/01/2026"
    assert tanggal_pendek(None) == ""


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0 menit"),
        (5, "5 menit"),
        (45, "45 menit"),
        (60, "1 jam"),
        (90, "1 jam 30 menit"),
        (125, "2 jam 5 menit"),
        (479, "7 jam 59 menit"),
        (480, "1 hari kerja"),
        (1500, "3 hari kerja 1 jam"),  # 8-hour working days
        (2445, "5 hari kerja"),  # never "2445 menit"
        (29.6, "30 menit"),
        (-90, "-1 jam 30 menit"),
        (None, ""),
    ],
)
def test_durasi(minutes, text):
    assert durasi(minutes) == text


@pytest.mark.parametrize(
    ("minutes", "day", "text"),
    [
        (1500, 450, "3 hari kerja 2 jam"),  # 07.30-15.00: 7.5-hour days
        (1500, 1440, "1 hari kerja 1 jam"),  # a round-the-clock office
        (1439, 1440, "23 jam 59 menit"),
        (6 * 450 + 185, 450, "6 hari kerja 3 jam"),  # the minutes of a long span are dropped
    ],
)
def test_durasi_counts_the_offices_working_day(minutes, day, text):
    assert durasi(minutes, day) == text


def test_one_weekday_table_for_every_formatter():
    from aduan.config.settings import DAYS
    from aduan.core.idfmt import HARI

    # the settings' opening_hours keys are the same names, lower case
    assert DAYS == ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]
    for offset, name in enumerate(HARI):  # babel's CLDR names agree with the table
        assert hari_tanggal(date(2026, 11, 23 + offset)).startswith(f"{name},")


# ------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24/11/2026 10.30", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("24-11-2026 10:30", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("24.11.2026 10.30", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("2026-11-24 10:30", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("24/11/2026", datetime(2026, 11, 24, 0, 0, tzinfo=WIB)),
        ("4/1/2026 7.05", datetime(2026, 1, 4, 7, 5, tzinfo=WIB)),
        ("24/11/26", datetime(2026, 11, 24, 0, 0, tzinfo=WIB)),
        ("  24/11/2026   10:30:15 ", datetime(2026, 11, 24, 10, 30, 15, tzinfo=WIB)),
        ("2026-11-24", datetime(2026, 11, 24, 0, 0, tzinfo=WIB)),
        ("2026-11-24T10:30:00+08:00", datetime(2026, 11, 24, 9, 30, tzinfo=WIB)),
        ("2026-11-24T03:30:00Z", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("2026-11-24T10:30:00", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("46350.4375", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("46350,4375", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
        ("46350", datetime(2026, 11, 24, 0, 0, tzinfo=WIB)),
        ("24/11/2026 10.30 WITA", datetime(2026, 11, 24, 9, 30, tzinfo=WIB)),
        ("2026-11-24 10:30 WIT", datetime(2026, 11, 24, 8, 30, tzinfo=WIB)),
        ("24 November 2026", datetime(2026, 11, 24, 0, 0, tzinfo=WIB)),
        ("24 Agt 2026 pukul 10.30", datetime(2026, 8, 24, 10, 30, tzinfo=WIB)),
        ("17 agustus 2026", datetime(2026, 8, 17, 0, 0, tzinfo=WIB)),
        ("Selasa, 24 November 2026 pukul 10.30 WIB", datetime(2026, 11, 24, 10, 30, tzinfo=WIB)),
    ],
)
def test_parse_tanggal_reads_what_staff_type(text, expected):
    got = parse_tanggal(text, WIB)
    assert got == expected
    assert got.tzinfo is WIB


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "besok",
        "31/02/2026",
        "24/13/2026",
        "24/11/2026 24.00",
        "24/11/2026 10.75",
        "5",
        "12345",
        "999999",
        "46350.4375.1",
        "2026-11-24T10:30:00+25:00",
        "24 Novembre 2026",
        "24/11/1850",
        "01/01/2300",
        "=NOW()",
        "24/11-2026",
        "2026-W48-2",
    ],
)
def test_parse_tanggal_gives_none_for_anything_else(text):
    assert parse_tanggal(text, WIB) is None


def test_parse_tanggal_takes_spreadsheet_values():
    assert parse_tanggal(46350.4375, WIB) == datetime(2026, 11, 24, 10, 30, tzinfo=WIB)
    assert parse_tanggal(46350, WITA) == datetime(2026, 11, 24, 0, 0, tzinfo=WITA)
    assert parse_tanggal(datetime(2026, 11, 24, 10, 30), WIB) == datetime(
        2026, 11, 24, 10, 30, tzinfo=WIB
    )
    got = parse_tanggal(datetime(2026, 11, 24, 3, 30, tzinfo=UTC), WIT)
    assert got == datetime(2026, 11, 24, 12, 30, tzinfo=WIT)
    assert got.tzinfo is WIT
    assert parse_tanggal(date(2026, 11, 24), WIB) == datetime(2026, 11, 24, tzinfo=WIB)
    for junk in (None, True, float("nan"), float("inf"), -1, 3.5, [], object()):
        assert parse_tanggal(junk, WIB) is None


def test_short_format_round_trips():
    dt = datetime(2026, 3, 20, 15, 58, tzinfo=WIT)
    assert parse_tanggal(tanggal_pendek(dt), WIT) == dt
    assert parse_tanggal(waktu(dt, "WIT"), WIB) == dt
