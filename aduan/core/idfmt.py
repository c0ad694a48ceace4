"""Indonesian dates and durations for emails, documents and register cells, and a
forgiving reader for the dates staff type into the register.

Month and day names come from babel's CLDR data for locale ``id``. Formatters
take None and give "" so a template with an empty field still renders.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_month_names

from aduan.core.worktime import TZ_ALIASES, WORKING_DAY_MINUTES

__all__ = [
    "HARI",
    "durasi",
    "hari_tanggal",
    "parse_tanggal",
    "tanggal",
    "tanggal_pendek",
    "waktu",
]

logger = logging.getLogger(__name__)

LOCALE = "id"
#: Weekday names, Monday first (``HARI[d.weekday()]``); the settings' day keys are
#: these in lower case.
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MIN_YEAR, MAX_YEAR = 1900, 2199
# Excel counts days from 1899-12-30 (its 1900 leap-year bug is before 1900-03-01).
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Only serials from 2000-01-01 up to 2200-01-01 (excluded): a small number in a date cell is a
# typo, not a date in 1900.
_SERIAL_MIN, _SERIAL_MAX = 36526, 109575


def _month_table() -> dict[str, int]:
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for num, name in get_month_names(width, locale=LOCALE).items():
            names[name.lower()] = num
    # spellings staff still type: old orthography and common abbreviations
    names.update({"pebruari": 2, "agt": 8, "agust": 8, "sept": 9, "nop": 11, "nopember": 11})
    return names


_MONTHS = _month_table()
_TZ = r"(?:\s*(?P<tz>WIB|WITA|WIT))?"
_TIME = r"(?:(?:\s*,\s*|\s+|T)(?:(?:pukul|pkl\.?|jam)\s*)?(?P<H>\d{1,2})[.:](?P<M>\d{2})(?:[.:](?P<S>\d{2}))?)?"
_DMY_RE = re.compile(
    r"^(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _TIME + _TZ + "$",
    re.IGNORECASE,
)
_TEXT_RE = re.compile(
    r"^(?:[a-z']+,?\s+)?(?P<d>\d{1,2})\s+(?P<mon>[a-z]+)\.?\s+(?P<y>\d{4})" + _TIME + _TZ + "$",
    re.IGNORECASE,
)
_ISO_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_ISO_TZ_RE = re.compile(r"^(?P<iso>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2})" + _TZ + "$", re.IGNORECASE)
_SERIAL_RE = re.compile(r"^\d{5,6}(?:[.,]\d+)?$")


# ------------------------------------------------------------ formatting
def _as_date(d: date | datetime) -> date:
    # a datetime is read on its own clock: never converted to the machine's zone
    return d.date() if isinstance(d, datetime) else d


def tanggal(d: date | datetime | None) -> str:
    """ "10 Januari 2024"."""
    if d is None:
        return ""
    return format_date(_as_date(d), "d MMMM y", locale=LOCALE)


def hari_tanggal(d: date | datetime | None) -> str:
    """ "Selasa, 24 November 2026"."""
    if d is None:
        return ""
    return format_date(_as_date(d), "EEEE, d MMMM y", locale=LOCALE)


def waktu(dt: datetime | None, tz_label: str = "WIB") -> str:
    """ "Selasa, 24 November 2026 pukul 10.30 WIB".

    An aware ``dt`` is first converted to the zone the label names (WIB, WITA,
    WIT), so the clock time always matches the label; a naive one is taken as is.
    """
    if dt is None:
        return ""
    zone = TZ_ALIASES.get(tz_label.upper()) if tz_label else None
    if zone and dt.tzinfo is not None:
        dt = dt.astimezone(ZoneInfo(zone))
    text = f"{hari_tanggal(dt)} pukul {dt:%H.%M}"
    return f"{text} {tz_label}" if tz_label else text


def tanggal_pendek(dt: date | datetime | None) -> str:
    """ "24/11/2026 10.30" for a register cell ("24/11/2026" for a date)."""
    if dt is None:
        return ""
    if isinstance(dt, datetime):
        return f"{dt:%d/%m/%Y %H.%M}"
    return f"{dt:%d/%m/%Y}"


def durasi(minutes: float | None, day_minutes: int = WORKING_DAY_MINUTES) -> str:
    """A span of working time as an office reads it, rounded to the minute.

    Short spans in hours and minutes ("45 menit", "1 jam 15 menit", "2 jam", "0 menit");
    from one working day (``day_minutes``, the office's opening hours a day:
    :attr:`aduan.core.worktime.WorkCalendar.day_minutes`) on, in working days and
    whole hours ("1 hari kerja", "2 hari kerja 3 jam"). None gives "".
    """
    if minutes is None:
        return ""
    total = round(minutes)
    sign, total = ("-" if total < 0 else ""), abs(total)
    if day_minutes > 0 and total >= day_minutes:
        days, rest = divmod(total, day_minutes)
        text = f"{days} hari kerja"
        return sign + (f"{text} {rest // 60} jam" if rest >= 60 else text)
    hours, mins = divmod(total, 60)
    parts = []
    if hours:
        parts.append(f"{hours} jam")
    if mins or not hours:
        parts.append(f"{mins} menit")
    return sign + " ".join(parts)


# ------------------------------------------------------------ parsing
def parse_tanggal(value: object, tz: tzinfo) -> datetime | None:
    """Read a date cell as staff may type it; an aware datetime in ``tz`` or None.

    Accepts "24/11/2026 10.30", "24-11-2026 10:30", "24/11/26", "2026-11-24 10:30",
    "24/11/2026", ISO 8601 with or without offset, "24 November 2026 pukul 10.30",
    an Excel serial number ("46350.4375" or 46350.4375), and datetime/date values
    from a spreadsheet library. A trailing WIB/WITA/WIT is honoured. Times without
    a zone are office time (``tz``). Never raises: anything else gives None.
    """
    try:
        return _parse(value, tz)
    except (ValueError, OverflowError, TypeError):
        return None


def _parse(value: object, tz: tzinfo) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        dt = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return dt.astimezone(tz) if MIN_YEAR <= dt.year <= MAX_YEAR else None
    if isinstance(value, date):
        return _build(value.year, value.month, value.day, 0, 0, 0, None, tz)
    if isinstance(value, int | float):
        return _from_serial(float(value), tz)
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text:
        return None
    if _SERIAL_RE.match(text):
        return _from_serial(float(text.replace(",", ".")), tz)
    if _ISO_RE.match(text):
        dt = datetime.fromisoformat(text)
        return _parse(dt, tz)
    m = _ISO_TZ_RE.match(text)
    if m:
        dt = datetime.fromisoformat(m["iso"])
        return _build(dt.year, dt.month, dt.day, dt.hour, dt.minute, 0, m["tz"], tz)
    m = _DMY_RE.match(text)
    if m:
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        return _build(year, int(m["m"]), int(m["d"]), *_clock(m), m["tz"], tz)
    m = _TEXT_RE.match(text)
    if m:
        month = _MONTHS.get(m["mon"].lower())
        if month is None:
            return None
        return _build(int(m["y"]), month, int(m["d"]), *_clock(m), m["tz"], tz)
    return None


def _clock(m: re.Match[str]) -> tuple[int, int, int]:
    if m["H"] is None:
        return 0, 0, 0
    return int(m["H"]), int(m["M"]), int(m["S"] or 0)


def _build(
    y: int, mo: int, d: int, h: int, mi: int, s: int, label: str | None, tz: tzinfo
) -> datetime | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    zone = ZoneInfo(TZ_ALIASES[label.upper()]) if label else tz
    return datetime(y, mo, d, h, mi, s, tzinfo=zone).astimezone(tz)


def _from_serial(serial: float, tz: tzinfo) -> datetime | None:
    if not _SERIAL_MIN <= serial < _SERIAL_MAX:
        return None
    # round to the second: 46350.4375 is exact, 46350.6 is not in binary
    naive = _EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))
    return naive.replace(tzinfo=tz)
