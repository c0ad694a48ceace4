"""The recap as staff read it: the figures of a :class:`~aduan.core.recap.Recap` as text
rows per section, for the *Rekap YYYY-MM* register tab, the Word report and the email.

Numbers are Indonesian (``12,5``, ``66,7%``); durations are working minutes, the
unit of the SOP's standard times (*mutu baku*), so a reader compares like with like.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aduan.core import idfmt
from aduan.core.recap import OUTCOMES, Recap, month_label, previous_month

__all__ = ["SECTIONS", "pct", "recap_sections", "recap_table", "report_context", "short"]

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


def _num(x: float | None) -> str:
    """``12``, ``12,5`` (one decimal, Indonesian comma), ``-`` for nothing."""
    if x is None:
        return "-"
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}".replace(".", ",")


def pct(share: float | None) -> str:
    """``66,7%``; ``-`` for no share."""
    return "-" if share is None else f"{_num(share * 100)}%"


def _of(n: int, total: int) -> str:
    return pct(n / total) if total else "-"


def _signed(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    text = _num(abs(x))
    sign = "+" if x > 0 and text != "0" else "-" if x < 0 and text != "0" else ""
    return f"{sign}{text}{unit}"


def short(label: str, n: int = 70) -> str:
    """A step label on one line, cut to ``n`` characters (SOP labels run long)."""
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
            ["Tahap sesuai mutu baku waktu", pct(rc.share)],
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
                pct(rc.prev_share),
                pct(rc.share),
                _signed(share_change, " poin"),
            ],
        ],
        "saluran": [[k, str(n), _of(n, rc.received)] for k, n in rc.by_channel],
        "kategori": [[k, str(n), _of(n, rc.received)] for k, n in rc.by_category],
        "hasil": [[OUTCOMES.get(k, k), str(n), _of(n, rc.received)] for k, n in rc.by_outcome],
        "tahap": [
            [
                str(s.number),
                short(s.label),
                s.role,
                str(s.standard),
                str(s.count),
                _num(s.median),
                _num(s.p90),
                pct(s.share),
            ]
            for s in rc.steps
        ],
        "penyimpangan": [
            [
                d.ticket,
                f"{d.number}. {short(d.label, 50)}",
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
                f"{o.number}. {short(o.label, 50)}" if o.number else o.label,
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


def report_context(rc: Recap, now: datetime, tz_label: str = "WIB") -> dict[str, Any]:
    """The keys the Word report and the recap email fill their templates with."""
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
