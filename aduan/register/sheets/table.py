"""The *Register Aduan* tab as one read saw it, and one update as planned: what
the write plans against and the verification checks against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aduan.core.layout import Layout
from aduan.core.model import RowUpdate
from aduan.register.base import RowTable, map_headers

__all__ = ["Planned", "Table", "scan"]


@dataclass
class Table(RowTable):
    """The Register Aduan tab as text, as one read saw it."""

    grid_rows: int = 0  # the tab's row count, from the range Google answered with (0: unknown)


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
