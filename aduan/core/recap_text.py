"""The recap as staff read it: the figures of a :class:`~aduan.core.recap.Recap` as text
rows per section, for the *Rekap YYYY-MM* register tab, the Word report and the email.

Numbers are Indonesian (``12,5``, ``66,7%``); durations are working time as an office
reads it (``45 menit``, ``2 hari kerja 3 jam``: :func:`aduan.core.idfmt.durasi`), and
step labels are whole (the tab and the report wrap them; issue 22).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aduan.core import idfmt
from aduan.core.recap import OUTCOMES, Recap, month_label, previous_month, tab_title
from aduan.core.service import RATING_LABELS
from aduan.core.tabsheet import TabChart, TabSheet

__all__ = [
    "SECTIONS",
    "pct",
    "recap_sections",
    "recap_sheet",
    "recap_table",
    "report_context",
    "short",
    "whole",
]

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
    # issue 22: status x category, and the end-to-end time against the service standard
    "status_kategori": (
        "Status aduan menurut kategori",
        ["Kategori", *[label for label in OUTCOMES.values()], "Jumlah"],
    ),
    "penyelesaian": (
        "Waktu penyelesaian aduan (diterima sampai selesai)",
        ["Uraian", "Standar Pelayanan", "Selesai", "Median", "Persentil 90", "Sesuai Standar"],
    ),
    "tahap": (
        "Waktu penyelesaian per tahap SOP (waktu kerja)",
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
    # issue 21: waits an office added that are not SOP steps (BPBD: the waktu disposisi)
    "tunggu": (
        "Waktu tambahan kantor, bukan tahap SOP (mis. waktu disposisi; waktu kerja)",
        ["Uraian", "Pelaksana", "Waktu Kantor", "Selesai", "Median", "Persentil 90", "Sesuai"],
    ),
    "penyimpangan": (
        "Penyimpangan mutu baku waktu",
        [
            "No. Aduan",
            "Tahap",
            "Pelaksana",
            "Mutu Baku",
            "Realisasi",
            "Selisih",
        ],
    ),
    # -- issue 20: the service standards (core.recap_service)
    "standar_jenis": (
        "Standar pelayanan menurut jenis aduan (aduan selesai bulan ini)",
        [
            "Jenis Aduan",
            "Standar",
            "Selesai",
            "Sesuai Standar",
            "Tanggapan Pertama Tepat Waktu",
        ],
    ),
    "skm": (
        "Survei Kepuasan Masyarakat (Permenpan RB 14/2017)",
        ["Uraian", "Nilai"],
    ),
    "terbuka": (
        "Aduan masih terbuka pada akhir bulan",
        ["No. Aduan", "Diterima", "Tahap", "Pelaksana", "Tenggat", "Terlambat"],
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


def whole(label: str) -> str:
    """A step label on one line, whole: the table wraps it (never cut with "…")."""
    return " ".join(label.split()).rstrip(".")


def recap_sections(rc: Recap) -> dict[str, list[list[str]]]:
    """The recap as text rows per section (keys of SECTIONS), as staff read it."""

    def dur(minutes: float | None) -> str:
        return "-" if minutes is None else idfmt.durasi(minutes, rc.day_minutes)

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
        "status_kategori": [
            [cat, *[str(counts.get(k, 0)) for k in OUTCOMES], str(sum(counts.values()))]
            for cat, counts in rc.status_by_category
        ],
        "penyelesaian": (
            [
                [
                    "Aduan selesai pada bulan ini",
                    dur(rc.resolution.standard),
                    str(rc.resolution.count),
                    dur(rc.resolution.median),
                    dur(rc.resolution.p90),
                    pct(rc.resolution.share),
                ]
            ]
            if rc.resolution is not None and rc.resolution.count
            else []
        ),
        "tahap": [
            [
                str(s.number),
                whole(s.label),
                s.role,
                dur(s.standard),
                str(s.count),
                dur(s.median),
                dur(s.p90),
                pct(s.share),
            ]
            for s in rc.steps
        ],
        "tunggu": [
            [
                whole(s.label),
                s.role,
                dur(s.standard),
                str(s.count),
                dur(s.median),
                dur(s.p90),
                pct(s.share),
            ]
            for s in rc.waits
        ],
        "penyimpangan": [
            [
                d.ticket,
                f"{d.number}. {whole(d.label)}",
                d.role,
                dur(d.standard),
                dur(d.actual),
                dur(d.actual - d.standard),
            ]
            for d in rc.deviations
        ],
        **_service_sections(rc),  # issue 20
        "terbuka": [
            [
                o.ticket,
                idfmt.tanggal_pendek(o.received.astimezone(rc.start.tzinfo)),
                f"{o.number}. {whole(o.label)}" if o.number else o.label,
                o.role,
                idfmt.tanggal_pendek(o.deadline.astimezone(rc.start.tzinfo)) if o.deadline else "-",
                dur(o.late_minutes) if o.late_minutes > 0 else "-",
            ]
            for o in rc.open
        ],
    }


def _service_sections(rc: Recap) -> dict[str, list[list[str]]]:
    """The service-standard sections (issue 20): per kind, then waits and SKM."""
    sv = rc.service
    if sv is None:
        return {"standar_jenis": [], "skm": []}
    kinds = [
        [
            k.kind or "(belum diisi: standar kantor)",
            f"{k.days} hari kerja",
            str(k.closed),
            f"{pct(k.within / k.closed)} ({k.within})",
            f"{pct(k.first_on_time / k.first_known)} ({k.first_on_time})" if k.first_known else "-",
        ]
        for k in sv.kinds
    ]
    if sv.waits or sv.not_completed:
        kinds.append(
            [
                "Menunggu pengadu (tidak dihitung)",
                "-",
                f"{sv.waits} kali",
                idfmt.durasi(sv.waited_minutes, rc.day_minutes),
                f"{sv.not_completed} ditutup tidak dilengkapi",
            ]
        )
    dist = sv.distribution
    ikm = sv.ikm
    skm = [
        ["Penilaian diterima", str(len(sv.ratings))],
        ["Indeks (rata-rata x 25)", _num(ikm) if ikm is not None else "-"],
        ["Mutu pelayanan", sv.quality],
        *[[f"Nilai {r} ({RATING_LABELS[r]})", str(dist[r])] for r in (4, 3, 2, 1)],
    ]
    return {"standar_jenis": kinds, "skm": skm if sv.ratings else []}


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


#: the tab's column widths (characters): wide text first, figures after
TAB_WIDTHS = [34, 44, 22, 16, 14, 16, 16, 16]
#: the native charts of the tab: section -> (title, kind, value columns, stacked, percent)
TAB_CHARTS: dict[str, tuple[str, str, tuple[int, ...] | None, bool, bool]] = {
    "saluran": ("Aduan diterima menurut saluran", "bar", (1,), False, False),
    "status_kategori": ("Status aduan menurut kategori", "column", None, True, False),
    "tahap": ("Tahap selesai sesuai mutu baku waktu", "bar", (7,), False, True),
}


def recap_sheet(rc: Recap) -> TabSheet:
    """The *Rekap YYYY-MM* tab formatted for a head (issue 22): the rows of
    :func:`recap_table`, bold titles and headers, widths, and native charts beside
    the sections they draw (per channel, status x category, steps within standard)."""
    rows = recap_table(rc)
    sheet = TabSheet(rows=rows, widths=list(TAB_WIDTHS), title_rows={0}, bold={0})
    keys = list(SECTIONS)
    chart_col = len(TAB_WIDTHS) + 1
    for i, r in enumerate(rows):
        m = re.match(r"^(\d+)\. ", r[0]) if r and r[0] else None
        if not m or int(m.group(1)) > len(keys) or i + 1 >= len(rows):
            continue
        key = keys[int(m.group(1)) - 1]
        sheet.bold |= {i, i + 1}
        last = i + 1
        while last + 1 < len(rows) and rows[last + 1] and rows[last + 1] != [_NONE]:
            last += 1
        if key not in TAB_CHARTS or last == i + 1:
            continue  # no chart of an empty section
        title, kind, values, stacked, percent = TAB_CHARTS[key]
        heads = rows[i + 1]
        cols = values or tuple(range(1, len(heads) - 1))  # status x category: not "Jumlah"
        sheet.charts.append(
            TabChart(title, i + 1, i + 2, last, 1 if key == "tahap" else 0, cols,
                     kind=kind, stacked=stacked, percent=percent, at=(i, chart_col))
        )  # fmt: skip
    return sheet


def report_context(rc: Recap, now: datetime, tz_label: str = "WIB") -> dict[str, Any]:
    """The keys the Word report and the recap email fill their templates with."""
    sections = recap_sections(rc)
    pyear, pmonth = previous_month(rc.year, rc.month)
    last = rc.end.astimezone(rc.start.tzinfo) - rc.start
    return {
        **sections,
        "bulan": rc.label,
        "tab": tab_title((rc.year, rc.month)),  # the register tab's real name (issue 22)
        "bulan_lalu": month_label(pyear, pmonth),
        "periode": f"1–{last.days} {rc.label}",
        "keadaan": idfmt.waktu(rc.at, tz_label) if rc.at < rc.end else f"akhir bulan {rc.label}",
        "sop_name": rc.sop_name,
        "sop_number": rc.sop_number,
        "catatan": list(rc.problems),
        "date": now,
        "now": now,
    }
