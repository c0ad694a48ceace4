"""The *Register Aduan* tab as one read saw it, and one update as planned: what
the write plans against and the verification checks against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aduan.core.layout import C, Layout
from aduan.core.model import RowUpdate
from aduan.register.base import map_headers

__all__ = ["Planned", "Table", "already_there", "scan"]


@dataclass
class Table:
    """The Register Aduan tab as text, as one read saw it."""

    headers: list[str]
    cols: dict[str, int]  # layout header -> 0-based column (first occurrence)
    rows: list[list[str]]  # rows[i] is sheet row i + 2, padded to the header width
    names: list[str]
    problems: list[str] = field(default_factory=list)
    grid_rows: int = 0  # the tab's row count, from the range Google answered with (0: unknown)

    def values(self, i: int) -> dict[str, str]:
        row = self.rows[i]
        out = {n: row[c] for n, c in self.cols.items()}
        if len(out) < len(self.names):
            out.update((n, "") for n in self.names if n not in out)
        return out

    def blank(self, i: int) -> bool:
        return not any(v.strip() for v in self.rows[i])

    def ticket(self, i: int) -> str:
        return self.rows[i][self.cols[C.TICKET]].strip()


def scan(values: list[list[Any]], layout: Layout, where: str) -> Table:
    """Find the layout's columns by header; a missing non-staff header is an error."""
    text = [["" if v is None else str(v) for v in r] for r in values]
    headers = [h.strip() for h in text[0]] if text else []
    cols, problems = map_headers(headers, layout, where)
    width = max([len(headers), *(len(r) for r in text)]) if text else 0
    rows = [r + [""] * (width - len(r)) for r in text[1:]]
    found = {n: cols[n] for n in layout.headers if n in cols}
    return Table(headers, found, rows, layout.headers, problems)


@dataclass
class Planned:
    """One update as written: its data row and the cells (column -> text)."""

    upd: RowUpdate
    src: int  # the data row it belongs to in the read
    cells: dict[int, str]


def already_there(values: dict[str, str], table: Table) -> str:
    """Why an append must not happen (a run killed after its write appends again)."""
    for name in (C.TICKET, C.SOURCE):
        key = (values.get(name) or "").strip()
        c = table.cols.get(name)
        if key and c is not None and any(r[c].strip() == key for r in table.rows):
            return f"{name} {key} sudah ada di register; baris tidak ditambahkan lagi"
    return ""
