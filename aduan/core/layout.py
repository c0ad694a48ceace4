"""The register's shape: tabs, column headers and which kind each column is.

Columns are always found by header name, never by position. Kinds:

* ``system`` — only Aduan writes them (protected in Google Sheets);
* ``intake`` — written by Aduan when it creates a row from an email; staff fill
  them for rows they type in (WA/SMS/phone/walk-in); Aduan never overwrites a
  non-empty intake cell;
* ``staff`` — only staff write them; Aduan never overwrites them;
* ``hidden`` — Aduan's bookkeeping, hidden from view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aduan.core.sop import Sop

__all__ = [
    "HISTORY_HEADERS",
    "HISTORY_TAB",
    "META_TAB",
    "REGISTER_TAB",
    "GUIDE_TAB",
    "Column",
    "Layout",
    "C",
    "build_layout",
]

REGISTER_TAB = "Register Aduan"
HISTORY_TAB = "Riwayat"
GUIDE_TAB = "Petunjuk"
META_TAB = "_aduan"  # hidden key/value tab: ticket counters, inbox state


class C:
    """Header names of the fixed columns (Indonesian, as staff see them)."""

    TICKET = "No. Aduan"
    RECEIVED = "Diterima"
    CHANNEL = "Saluran"
    NAME = "Nama Pengadu"
    CONTACT = "Kontak Pengadu"
    SUBJECT = "Perihal"
    TEXT = "Isi Aduan"
    ATTACHMENTS = "Lampiran"
    CATEGORY = "Kategori"
    NOTE = "Catatan"
    CONFIDENTIAL = "Rahasiakan Identitas"
    STEP = "Tahap"
    ASSIGNEE = "Penanggung Jawab"
    DEADLINE = "Tenggat"
    STATUS = "Status"
    LATE = "Terlambat"
    DOCUMENTS = "Dokumen"
    SOURCE = "ID Sumber"
    STATE = "Data Sistem"


HISTORY_HEADERS = ["Waktu", "No. Aduan", "Peristiwa", "Pelaku", "Keterangan", "Kunci"]

CHANNELS = [
    "Email",
    "Website",
    "Formulir Online",
    "WhatsApp",
    "SMS",
    "Telepon",
    "Facebook",
    "Twitter/X",
    "Instagram",
    "Datang Langsung",
    "Surat",
]

STATUSES = ["Baru", "Diproses", "Menunggu Pengadu", "Selesai", "Disalurkan"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # system | intake | staff | hidden
    choices: tuple[str, ...] = ()
    help: str = ""
    width: int = 18


@dataclass
class Layout:
    """All columns of the *Register Aduan* tab, in order."""

    columns: list[Column] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]

    def kind(self, name: str) -> str | None:
        for c in self.columns:
            if c.name == name:
                return c.kind
        return None

    def names(self, *kinds: str) -> list[str]:
        return [c.name for c in self.columns if c.kind in kinds]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def build_layout(sop: Sop, categories: list[str] | None = None) -> Layout:
    """The register columns for an SOP: fixed intake columns, the SOP's staff
    columns, then the system and hidden columns."""
    cols = [
        Column(C.TICKET, "system", width=20, help="Nomor aduan, diisi otomatis."),
        Column(C.RECEIVED, "system", width=18, help="Waktu aduan diterima (diisi otomatis)."),
        Column(
            C.CHANNEL,
            "intake",
            tuple(CHANNELS),
            width=14,
            help="Saluran aduan; isi untuk aduan yang Anda ketik sendiri.",
        ),
        Column(C.NAME, "intake", width=22, help="Nama pengadu."),
        Column(C.CONTACT, "intake", width=26, help="Email atau nomor telepon pengadu."),
        Column(C.SUBJECT, "intake", width=30, help="Pokok aduan, singkat."),
        Column(C.TEXT, "intake", width=50, help="Isi aduan selengkapnya."),
        Column(C.ATTACHMENTS, "system", width=30, help="Berkas lampiran aduan (diisi otomatis)."),
    ]
    for c in sop.staff_columns():
        choices = tuple(c.choices)
        if c.name == C.CATEGORY and categories:
            choices = tuple(categories)
        if c.name == C.CONFIDENTIAL:
            choices = ("Ya", "Tidak")
        cols.append(Column(c.name, "staff", choices, c.help, width=30 if not choices else 18))
    cols += [
        Column(C.STEP, "system", width=34, help="Tahap SOP yang sedang berjalan."),
        Column(C.ASSIGNEE, "system", width=20, help="Peran yang harus bertindak pada tahap ini."),
        Column(C.DEADLINE, "system", width=20, help="Batas waktu tahap ini (jam kerja)."),
        Column(C.STATUS, "system", width=14, help="Status aduan: " + ", ".join(STATUSES) + "."),
        Column(C.LATE, "system", width=11, help="Ya bila tahap ini melewati tenggat."),
        Column(C.DOCUMENTS, "system", width=40, help="Dokumen yang sudah dibuat untuk aduan ini."),
        Column(C.SOURCE, "hidden", width=10, help="Message-ID email asal (catatan sistem)."),
        Column(C.STATE, "hidden", width=10, help="Catatan sistem; jangan diubah."),
    ]
    return Layout(cols)
