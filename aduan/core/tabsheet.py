"""A report tab as both register backends draw it (issue 22): the text rows plus what
makes them readable — column widths, bold title and header rows, numbers stored as
numbers, and native charts over ranges of the rows. Pure: the xlsx backend renders
it with openpyxl (charts included), the Sheets backend with batchUpdate requests
(``addChart``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["TabChart", "TabSheet", "typed"]

_NUMBER_RE = re.compile(r"^-?\d{1,12}(?:,\d+)?$")
_PERCENT_RE = re.compile(r"^-?\d{1,3}(?:,\d+)?%$")


def typed(text: str) -> tuple[str | int | float, str]:
    """A cell's value as a spreadsheet should store it, and its kind: ``"12"`` ->
    (12, "number"), ``"66,7%"`` -> (0.667, "percent"), anything else (a ticket, a
    date, a duration "2 hari kerja") stays text. Indonesian decimal comma."""
    t = (text or "").strip()
    if _PERCENT_RE.match(t):
        return round(float(t[:-1].replace(",", ".")) / 100, 6), "percent"
    if _NUMBER_RE.match(t):
        if "," in t:
            return float(t.replace(",", ".")), "number"
        return int(t), "number"
    return text, "text"


@dataclass(frozen=True)
class TabChart:
    """A native chart over a block of the tab's rows (0-based indexes).

    ``header`` is the row with the series names, ``first``..``last`` the data rows,
    ``labels`` the column of category labels, ``values`` the series' columns;
    ``kind`` "bar" (horizontal) or "column"; ``at`` the (row, column) of its corner."""

    title: str
    header: int
    first: int
    last: int
    labels: int
    values: tuple[int, ...]
    kind: str = "bar"
    stacked: bool = False
    percent: bool = False
    at: tuple[int, int] = (0, 0)


@dataclass
class TabSheet:
    """A report tab: its rows (text) and how to show them."""

    rows: list[list[str]]
    widths: list[int] = field(default_factory=list)  # characters per column
    bold: set[int] = field(default_factory=set)  # title and header rows
    title_rows: set[int] = field(default_factory=set)  # larger type
    charts: list[TabChart] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max([len(r) for r in self.rows] + [len(self.widths), 1])
