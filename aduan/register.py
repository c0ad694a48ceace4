"""The register interface: one read and one write per cycle, whatever the backend.

Backends: :class:`aduan.xlsx.XlsxRegister` (a local .xlsx file, the embedded
default) and a Google Sheet (added separately). Both find columns by header
name, return every cell as text and write every value as text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from .errors import ConfigError
from .model import Snapshot, WriteSet

if TYPE_CHECKING:
    from .config import Settings
    from .layout import Layout

__all__ = ["Register", "WriteResult", "guide_rows", "open_register"]

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

    def write_tab(self, title: str, rows: list[list[str]]) -> None:
        """Create or replace a whole tab's values (as text) in one write.

        For Aduan's report tabs (e.g. *Rekap 2026-11*); the register's own
        tabs are refused."""
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
]


def guide_rows(layout: Layout) -> list[list[str]]:
    """The *Petunjuk* tab's cells: how to use the register, then one row per
    column (name, who fills it, choices, help). Indonesian, for staff."""
    rows = [["Petunjuk Register Aduan"], []]
    rows += [[line] for line in GUIDE_INTRO]
    rows += [[], ["Kolom", "Diisi oleh", "Pilihan", "Keterangan"]]
    for c in layout.columns:
        rows.append(
            [
                c.name,
                KIND_LABEL.get(c.kind, c.kind),
                ", ".join(c.choices),
                c.help,
            ]
        )
    return rows


def open_register(settings: Settings, layout: Layout) -> Register:
    """The register backend the settings ask for."""
    conf = settings.register_
    if conf.type == "xlsx":
        from .xlsx import XlsxRegister

        return XlsxRegister(settings.path(conf.path), layout)
    if conf.type == "google":
        from .sheets import SheetsRegister

        return SheetsRegister(settings, layout)
    raise ConfigError(
        f"register type {conf.type!r} belum didukung (not supported yet)",
        file=settings.file or None,
        key="register.type",
        fix="use type: xlsx for now",
    )
