"""Yearly rotation (issue 18): which complaints leave the live register for the
year's archive, and whether a copy of them is complete. Pure: the register edges
copy and delete, :mod:`aduan.run.archive` runs the steps."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import tzinfo

from aduan.core import idfmt
from aduan.core.layout import C

__all__ = [
    "ARCHIVE_KEY",
    "CLOSED_STATUSES",
    "Table",
    "archive_links",
    "missing_from",
    "pick",
    "subset",
]

#: statuses after which nothing more happens to a complaint; open ones never move
CLOSED_STATUSES = ("Selesai", "Disalurkan", "Ditutup — tidak dilengkapi")
#: the meta key per year: "<where>" once done, "menyalin <where>" while under way
ARCHIVE_KEY = "arsip:"
COPYING = "menyalin "

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass
class Table:
    """A tab as text: its header row and data rows (each padded to the header)."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def col(self, name: str) -> int | None:
        return self.headers.index(name) if name in self.headers else None

    def cell(self, row: list[str], name: str) -> str:
        c = self.col(name)
        return row[c].strip() if c is not None and c < len(row) else ""

    def tickets(self) -> set[str]:
        return {t for r in self.rows if (t := self.cell(r, C.TICKET))}


def _year(table: Table, row: list[str], tz: tzinfo) -> int | None:
    """The year a complaint belongs to: when it was received, else its number's year."""
    received = idfmt.parse_tanggal(table.cell(row, C.RECEIVED), tz)
    if received is not None:
        return received.year
    m = _YEAR.search(table.cell(row, C.TICKET))
    return int(m.group(1)) if m else None


def pick(register: Table, year: int, tz: tzinfo) -> list[str]:
    """Tickets of ``year`` whose status is closed, in register order."""
    out = []
    for r in register.rows:
        t = register.cell(r, C.TICKET)
        if t and register.cell(r, C.STATUS) in CLOSED_STATUSES and _year(register, r, tz) == year:
            out.append(t)
    return out


def subset(register: Table, history: Table, tickets: set[str]) -> tuple[Table, Table]:
    """The register rows and Riwayat rows of ``tickets``."""
    rows = [r for r in register.rows if register.cell(r, C.TICKET) in tickets]
    hist = [r for r in history.rows if history.cell(r, C.TICKET) in tickets]
    return Table(list(register.headers), rows), Table(list(history.headers), hist)


def _keyed(table: Table, headers: list[str]) -> Counter[tuple[str, ...]]:
    """Rows as tuples in ``headers``' order (columns matched by name), counted."""
    return Counter(tuple(table.cell(r, h) for h in headers) for r in table.rows)


def missing_from(target: Table, wanted: Table, *, by_ticket: bool) -> list[list[str]]:
    """``wanted``'s rows the target lacks, in ``target``'s column order.

    Register rows are matched by ticket (a row copied once is never copied again,
    even if staff edited the live one since); Riwayat rows by their whole content,
    counted, so two identical entries stay two and a rerun adds none."""
    headers = target.headers or list(wanted.headers)
    if by_ticket:
        have = target.tickets()
        return [
            [wanted.cell(r, h) for h in headers]
            for r in wanted.rows
            if wanted.cell(r, C.TICKET) not in have
        ]
    have_n = _keyed(target, headers)
    out = []
    for r in wanted.rows:
        key = tuple(wanted.cell(r, h) for h in headers)
        if have_n[key] > 0:
            have_n[key] -= 1
        else:
            out.append(list(key))
    return out


def archive_links(meta: dict[str, str]) -> dict[str, str]:
    """Finished archives by year, from the register meta (for *Petunjuk*)."""
    out = {}
    for k, v in meta.items():
        if k.startswith(ARCHIVE_KEY) and v and not v.startswith(COPYING):
            out[k[len(ARCHIVE_KEY) :]] = v
    return dict(sorted(out.items()))
