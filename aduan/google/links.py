"""The register's *Dokumen* cells: a link per uploaded document, then the
ticket's Drive folder. Pure: paths and links in, the cells of a WriteSet out."""

from __future__ import annotations

import re
from pathlib import Path

from aduan.core.ids import safe_ticket
from aduan.core.layout import C
from aduan.core.model import Snapshot, WriteSet

__all__ = ["document_cell", "link_documents"]


def _label(path: str) -> str:
    """``2026/ADU-…/03-lembar_disposisi.docx`` -> ``Lembar Disposisi``."""
    stem = Path(path).stem
    stem = re.sub(r"^\d+-", "", stem)
    return stem.replace("_", " ").strip().title() or Path(path).name


def document_cell(docs: list[str], links: dict[str, str], folder: str = "") -> str:
    """The *Dokumen* cell: a link per uploaded document (its path until then), then
    the ticket's Drive folder. Without links it is what the engine writes."""
    lines = [f"{_label(d)}: {links[d]}" if d in links else d for d in docs]
    if folder:
        lines.append(f"Folder Drive (dokumen & lampiran): {folder}")
    return "\n".join(lines)


def link_documents(
    snap: Snapshot, writes: WriteSet, links: dict[str, str], folders: dict[str, str]
) -> tuple[int, int]:
    """Put links into the *Dokumen* cells of ``writes``; returns (rows given new
    links, engine updates dropped because the cell already held them).

    The engine writes document paths; a cell already holding the linked text for
    the same documents is left alone (so a steady cycle writes nothing), and a row
    the engine did not touch gets an update when its links changed (an upload
    that succeeded only now)."""
    from aduan.core.model import RowUpdate
    from aduan.core.state import RowState, tracked_rows

    def docs_of(state: str) -> list[str] | None:
        try:
            return RowState.loads(state).docs
        except ValueError:
            return None

    def want(ticket: str, state: str) -> str | None:
        docs = docs_of(state)
        if docs is None:
            return None
        return document_cell(docs, links, folders.get(safe_ticket(ticket), "") if ticket else "")

    by_ticket = {r.get(C.TICKET): r for r in snap.rows if r.get(C.TICKET)}
    by_index = {r.index: r for r in snap.rows}
    touched, changed, dropped = set(), 0, 0
    for upd in list(writes.updates):
        row = by_ticket.get(upd.ticket) if upd.ticket else by_index.get(upd.index)  # type: ignore[arg-type]
        ticket = upd.ticket or upd.values.get(C.TICKET, "")
        touched.add(ticket)
        state = upd.values.get(C.STATE) or (row.get(C.STATE) if row else "")
        cell = want(ticket, state)
        if cell is None:
            continue
        current = (row.values.get(C.DOCUMENTS) or "") if row and upd.ticket else None
        if current is not None and current == cell:
            upd.values.pop(C.DOCUMENTS, None)
            if not upd.values and not upd.staff:
                writes.updates.remove(upd)
                dropped += 1
        elif upd.values.get(C.DOCUMENTS) != cell:
            upd.values[C.DOCUMENTS] = cell
            changed += 1
    for values in writes.appends:
        cell = want(values.get(C.TICKET, ""), values.get(C.STATE, ""))
        if cell is not None and values.get(C.DOCUMENTS, "") != cell:
            values[C.DOCUMENTS] = cell
            changed += 1
    for ticket, row, st in tracked_rows(snap.rows):
        if ticket in touched:
            continue
        cell = document_cell(st.docs, links, folders.get(safe_ticket(ticket), ""))
        if (row.values.get(C.DOCUMENTS) or "") != cell:
            writes.updates.append(RowUpdate(values={C.DOCUMENTS: cell}, ticket=ticket))
            changed += 1
    return changed, dropped
