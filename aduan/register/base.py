"""The register interface: one read and one write per cycle, whatever the backend.

Backends: :class:`aduan.register.xlsx.XlsxRegister` (a local .xlsx file, the embedded
default) and a Google Sheet (added separately). Both find columns by header
name, return every cell as text and write every value as text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from aduan.core.layout import REGISTER_TAB, C
from aduan.core.model import RowUpdate, Snapshot, WriteSet, row_fingerprint
from aduan.core.tabsheet import TabSheet
from aduan.errors import RegisterError

if TYPE_CHECKING:
    from aduan.core.layout import Layout

__all__ = ["Register", "WriteResult", "guide_rows"]

logger = logging.getLogger(__name__)


@dataclass
class WriteResult:
    """What one write did. ``skipped`` holds one human-readable reason per
    update that could not be placed (its row was edited, moved away or deleted);
    the next cycle reads the row again and retries."""

    updated: int = 0
    appended: int = 0
    skipped: list[str] = field(default_factory=list)


class Register(Protocol):
    """A complaint register: the *Register Aduan* tab plus Riwayat and meta."""

    def init(self) -> list[str]:
        """Create or repair tabs, headers, dropdowns and formatting.

        Returns one Indonesian line per change made; an empty list means the
        register was already complete and was not touched."""
        ...

    def read(self) -> Snapshot:
        """Read the register rows and the hidden meta tab in one go."""
        ...

    def write(self, ws: WriteSet) -> WriteResult:
        """Apply all changes of a cycle in one write (nothing at all if empty)."""
        ...

    def write_tab(self, title: str, rows: list[list[str]], sheet: TabSheet | None = None) -> None:
        """Create or replace a whole tab's values (as text) in one write.

        For Aduan's report tabs (e.g. *Rekap 2026-11*); the register's own
        tabs are refused. ``sheet`` (the same rows, formatted: widths, bold rows,
        numbers as numbers, native charts) draws the tab for people (issue 22)."""
        ...

    def close(self) -> None:
        """Release connections or handles (a no-op for files)."""
        ...


# ------------------------------------------------ the Petunjuk tab (any backend)
KIND_LABEL = {
    "system": "Sistem (jangan diubah)",
    "intake": "Sistem untuk aduan email; petugas untuk aduan yang diketik sendiri",
    "staff": "Petugas",
    "hidden": "Sistem (kolom tersembunyi, jangan diubah)",
}
GUIDE_INTRO = [
    "Setiap baris tab 'Register Aduan' adalah satu aduan. Sistem Aduan membaca dan "
    "memperbarui register ini setiap beberapa menit.",
    "Aduan yang masuk lewat email dicatat otomatis. Aduan dari WhatsApp, SMS, telepon atau "
    "yang datang langsung: tambahkan baris baru di bawah, isi Saluran, Nama Pengadu, "
    "Kontak Pengadu, Perihal dan Isi Aduan, dan biarkan No. Aduan kosong; sistem memberi "
    "nomor pada siklus berikutnya.",
    "Judul kolom hijau diisi petugas sesuai tahap SOP; judul biru diisi sistem untuk aduan "
    "email; judul abu-abu diisi sistem dan jangan diubah.",
    "Judul kolom jangan diubah: sistem mencari kolom berdasarkan judulnya.",
    "Baris boleh diurutkan, disaring, disisipkan atau dihapus; sistem selalu menulis ke "
    "baris dengan No. Aduan yang sama.",
    "Baris merah: tahap sudah melewati tenggat. Baris abu-abu: aduan selesai atau disalurkan.",
    "Simpan lalu tutup berkas setelah mengedit: selama berkas terbuka, sistem menunda "
    "perubahannya ke siklus berikutnya.",
    "Tab 'Riwayat' mencatat setiap peristiwa setiap aduan; jangan diubah.",
    # issue 21: when a step counts as done
    "Waktu selesai sebuah tahap: keputusan lewat balasan email dihitung pada saat email itu "
    "diterima server kantor; isian yang diketik di register dihitung pada saat sistem "
    "membacanya (siklus berikutnya, paling lambat beberapa menit), karena register tidak "
    "mencatat jam pengetikan. Bila waktu penting, putuskan lewat balasan email tugas.",
]


@dataclass
class RowTable:
    """The Register Aduan tab as text, as one read saw it: what both backends locate
    their writes by (:func:`locate_updates`)."""

    headers: list[str]
    cols: dict[str, int]  # layout header -> 0-based column (first occurrence)
    rows: list[list[str]]  # rows[i] is sheet row i + 2, padded to the header width
    names: list[str]  # layout headers
    problems: list[str] = field(default_factory=list)

    def values(self, i: int) -> dict[str, str]:
        """The row's cells by layout header; a column the sheet lacks reads ""."""
        row = self.rows[i]
        out = {n: row[c] for n, c in self.cols.items()}
        if len(out) < len(self.names):
            out.update((n, "") for n in self.names if n not in out)
        return out

    def blank(self, i: int) -> bool:
        return not any(v.strip() for v in self.rows[i])

    def ticket(self, i: int) -> str:
        return self.rows[i][self.cols[C.TICKET]].strip()

    def already_there(self, values: dict[str, str]) -> str:
        """Why an append must not happen: a run killed after writing the register but
        before marking its mail processed appends the same complaint again."""
        for name in (C.TICKET, C.SOURCE):
            key = (values.get(name) or "").strip()
            c = self.cols.get(name)
            if key and c is not None and any(r[c].strip() == key for r in self.rows):
                return f"{name} {key} sudah ada di register; baris tidak ditambahkan lagi"
        return ""


def locate_updates(
    updates: list[RowUpdate], table: RowTable, result: WriteResult
) -> list[tuple[RowUpdate, int]]:
    """Pair each update with the data row it belongs to now (both backends).

    A ticketed update goes to the row holding its ticket, wherever staff moved it;
    a row staff typed (no ticket yet) is found at its read-time index if its
    fingerprint still matches, else as the one ticketless row with that
    fingerprint; otherwise the update is skipped with a reason (the next cycle
    sees the row again).
    """
    by_ticket: dict[str, int] = {}
    by_print: dict[str, list[int]] = {}
    prints: dict[int, str] = {}
    for i in range(len(table.rows)):
        if table.blank(i):
            continue
        t = table.ticket(i)
        if t:
            if t in by_ticket:
                logger.warning(
                    "ticket %s is on rows %d and %d; writing to the first",
                    t,
                    by_ticket[t] + 2,
                    i + 2,
                )
            by_ticket.setdefault(t, i)
        else:
            prints[i] = row_fingerprint(table.values(i))
            by_print.setdefault(prints[i], []).append(i)
    out: list[tuple[RowUpdate, int]] = []
    taken: set[int] = set()
    for upd in updates:
        if upd.ticket:
            found = by_ticket.get(upd.ticket.strip())
            if found is None:
                result.skipped.append(f"{upd.ticket}: baris tidak ditemukan (dihapus?)")
                continue
            i = found
        elif upd.fingerprint is not None:
            i = upd.index if upd.index is not None else -1
            if prints.get(i) != upd.fingerprint or i in taken:
                cands = [j for j in by_print.get(upd.fingerprint, []) if j not in taken]
                if len(cands) != 1:
                    why = "diubah atau dihapus" if not cands else "ada beberapa baris yang sama"
                    result.skipped.append(
                        f"baris {(upd.index or 0) + 2} tanpa No. Aduan: {why} sejak dibaca; "
                        "dicoba lagi pada siklus berikutnya"
                    )
                    continue
                i = cands[0]
            taken.add(i)
        else:
            result.skipped.append("pembaruan tanpa No. Aduan maupun sidik baris")
            continue
        out.append((upd, i))
    return out


def missing_message(where: object, names: list[str]) -> str:
    """The message for headers renamed or deleted (named, never guessed)."""
    quoted = ", ".join(f"'{n}'" for n in names)
    return (
        f"{where}: kolom {quoted} tidak ditemukan di baris judul tab '{REGISTER_TAB}' "
        "(header not found: renamed or deleted?); kembalikan judul kolom persis seperti semula"
    )


def map_headers(
    headers: list[str], layout: Layout, where: object
) -> tuple[dict[str, int], list[str]]:
    """Columns by header name (first of duplicates) and the problems found. A missing
    system/intake/hidden header is a permanent RegisterError; a missing staff column
    only a problem (its cells read as empty)."""
    cols: dict[str, int] = {}
    problems = []
    for i, h in enumerate(headers):
        if not h:
            continue
        if h in cols:
            problems.append(f"judul kolom '{h}' ada dua kali; kolom pertama yang dipakai")
        else:
            cols[h] = i
    missing = [n for n in layout.headers if n not in cols]
    fatal = [n for n in missing if layout.kind(n) != "staff"]
    if fatal:
        raise RegisterError(missing_message(where, fatal), permanent=True)
    for n in missing:
        problems.append(
            f"kolom '{n}' tidak ditemukan di tab '{REGISTER_TAB}'; isinya dianggap kosong"
        )
    return cols, problems


def guide_rows(layout: Layout, archives: dict[str, str] | None = None) -> list[list[str]]:
    """The *Petunjuk* tab's cells: how to use the register, then one row per
    column (name, who fills it, choices, help), then the yearly archives (year ->
    file name or link, issue 18). Indonesian, for staff."""
    rows = [["Petunjuk Register Aduan"], []]
    rows += [[line] for line in GUIDE_INTRO]
    rows += [[], ["Kolom", "Diisi oleh", "Pilihan", "Keterangan"]]
    for c in layout.columns:
        # issue 22: a decision column names the role that fills it and the SOP step
        # its filling completes (from the SOP, not "Petugas" for every column)
        who = KIND_LABEL["intake"] if c.typeable else KIND_LABEL.get(c.kind, c.kind)
        note = c.help
        if c.filled_by:
            who = c.filled_by
            note = f"Diisi untuk menyelesaikan {c.completes}. {c.help}".strip()
        rows.append([c.name, who, ", ".join(c.choices), note])
    # -- issue 18: where last years' closed complaints went
    if archives:
        rows += [[], ["Arsip tahunan"]]
        rows.append(
            [
                "Aduan yang sudah selesai dari tahun yang lalu, beserta riwayatnya, dipindahkan "
                "ke arsip agar register tetap ringan. Arsip hanya untuk dibaca."
            ]
        )
        rows += [[f"Arsip {year}", where] for year, where in archives.items()]
    return rows
