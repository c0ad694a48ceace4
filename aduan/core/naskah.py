"""The facts an office form (*tata naskah dinas*) shows that are derived, not typed:
the *Sifat* of a lembar disposisi, the boxes ticked on it, and the parts of a team
meeting's minutes read from what staff wrote. Pure: no templates, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "BOX_OFF",
    "BOX_ON",
    "HARAP",
    "SIFAT",
    "checklist",
    "harap",
    "minutes",
    "sifat",
]

BOX_ON, BOX_OFF = "☒", "☐"
#: the four *Sifat* of the regional form, in its order
SIFAT = ("Sangat Segera", "Segera", "Rahasia", "Biasa")
#: *Dengan hormat harap*: the instructions of the regional form, in its order, and the
#: words of a disposition that choose one (the first match wins; none: process further)
HARAP: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Tanggapan dan saran", ("tanggapan", "saran", "telaah", "kaji")),
    ("Koordinasi/konfirmasikan", ("koordinasi", "rapat", "konfirmasi", "bahas")),
    ("Proses lebih lanjut", ()),
    ("Untuk diketahui", ("diketahui", "untuk diketahui")),
    ("Simpan/arsip", ("arsip", "simpan")),
)


def sifat(*, confidential: bool, category: str, urgent: Iterable[str]) -> list[str]:
    """The *Sifat* that apply: *Rahasia* for a confidential complaint, *Segera* for an
    urgent category, *Biasa* when neither."""
    urgent_set = {u.casefold().strip() for u in urgent}
    out = []
    if (category or "").casefold().strip() in urgent_set:
        out.append("Segera")
    if confidential:
        out.append("Rahasia")
    return out or ["Biasa"]


def harap(disposition: str) -> str:
    """The *Dengan hormat harap* instruction a disposition's words choose."""
    words = (disposition or "").casefold()
    for label, keys in HARAP:
        if any(k in words for k in keys):  # substrings: "berkoordinasi" is "koordinasi"
            return label
    return "Proses lebih lanjut"


def checklist(options: Iterable[str], chosen: Iterable[str]) -> list[dict[str, Any]]:
    """One entry per option: its label, whether it is ticked, and its box character."""
    picked = {c.casefold() for c in chosen if c}
    return [
        {
            "label": o,
            "on": o.casefold() in picked,
            "box": BOX_ON if o.casefold() in picked else BOX_OFF,
        }
        for o in options
    ]


# Labelled lines staff (or a RENCANA reply) may write: "Tempat: Aula", "PJ: Tim TRC".
_MINUTE_KEYS = {
    "waktu": ("waktu", "jam", "pukul"),
    "tempat": ("tempat", "lokasi rapat"),
    "peserta": ("peserta", "hadir", "yang hadir"),
    "pelaksana": ("pelaksana", "pj", "penanggung jawab", "oleh"),
    "batas": ("batas waktu", "batas", "tenggat", "target", "paling lambat"),
}
_LABEL_RE = re.compile(r"^\s*([A-Za-z][A-Za-z .]{0,24}?)\s*[:=]\s*(.+)$")


def minutes(text: str) -> dict[str, str]:
    """The parts of meeting minutes written in ``text``: labelled lines (``Tempat:``,
    ``Peserta:``, ``Pelaksana:``/``PJ:``, ``Batas waktu:``, ``Waktu:``) go to their
    part, every other line is a decision (``keputusan``). Missing parts are ""."""
    out = dict.fromkeys((*_MINUTE_KEYS, "keputusan"), "")
    rest: list[str] = []
    for line in (text or "").splitlines():
        m = _LABEL_RE.match(line)
        key = None
        if m:
            label = m.group(1).casefold().strip()
            key = next((k for k, names in _MINUTE_KEYS.items() if label in names), None)
        if key and m:
            out[key] = (out[key] + "; " if out[key] else "") + m.group(2).strip()
        elif line.strip():
            rest.append(line.strip())
    out["keputusan"] = "\n".join(rest)
    return out
