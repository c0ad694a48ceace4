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

from collections.abc import Sequence
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
    TEAM_TEXT = "Isi untuk Tim"  # issue 16: the text roles that may not see identity read
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
    # -- issue 20: service standards (aduan.core.service)
    KIND = "Jenis Aduan"  # staff: the kind, which sets the overall deadline
    SERVICE_DUE = "Batas Penyelesaian"  # system: the overall deadline
    MISSING = "Kelengkapan Diminta"  # staff: what the complainant must send (pauses)
    RATING = "Penilaian Pengadu"  # staff (Aduan fills it from the reply): 1-4
    RATING_NOTE = "Komentar Pengadu"  # staff (idem): the comment with the rating


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

STATUSES = [
    "Baru",
    "Diproses",
    "Menunggu Pengadu",
    "Selesai",
    "Disalurkan",
    "Ditutup — tidak dilengkapi",  # issue 20: the complainant never sent what was asked
]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # system | intake | staff | hidden
    choices: tuple[str, ...] = ()
    help: str = ""
    width: int = 18
    #: a system column staff may type in for the rows they enter (not protected)
    typeable: bool = False
    #: who fills it and the SOP step it completes (decision columns; issue 22)
    filled_by: str = ""
    completes: str = ""


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


def build_layout(
    sop: Sop, categories: list[str] | None = None, kinds: Sequence[str] | None = None
) -> Layout:
    """The register columns for an SOP: fixed intake columns, the SOP's staff
    columns, then the system and hidden columns. ``kinds``: the *Jenis Aduan*
    choices (the settings' ``service.kinds``; None: typed freely)."""
    cols = [
        Column(C.TICKET, "system", width=20, help="Nomor aduan, diisi otomatis."),
        # typeable (issue 22): for a row staff type in, the time the person came or
        # called is what counts, and the engine reads it from this cell; still a system
        # column, so an unreadable typed time is replaced by the time it was found
        Column(
            C.RECEIVED,
            "system",
            width=18,
            typeable=True,
            help="Waktu aduan diterima. Diisi otomatis untuk email; untuk aduan yang Anda "
            "ketik, isi waktu pengadu datang/menelepon (mis. 24/11/2026 09.15).",
        ),
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
        # issue 16: pre-filled with the automatic redaction for confidential complaints;
        # staff correct it, and it replaces Isi Aduan wherever identity must not appear
        Column(
            C.TEAM_TEXT,
            "intake",
            width=50,
            help="Untuk aduan yang identitasnya dirahasiakan: isi aduan tanpa identitas "
            "pengadu (diisi otomatis, boleh diperbaiki). Dipakai untuk email dan dokumen tim.",
        ),
        Column(C.ATTACHMENTS, "system", width=30, help="Berkas lampiran aduan (diisi otomatis)."),
    ]
    steps_of = sop.column_steps()
    for c in sop.staff_columns():
        choices = tuple(c.choices)
        if c.name == C.CATEGORY and categories:
            choices = tuple(categories)
        if c.name == C.CONFIDENTIAL:
            choices = ("Ya", "Tidak")
        steps = steps_of.get(c.name, [])
        cols.append(
            Column(
                c.name,
                "staff",
                choices,
                c.help,
                width=30 if not choices else 18,
                filled_by=", ".join(dict.fromkeys(sop.role_label(s.actor) for s in steps)),
                completes="; ".join(f"Tahap {s.number}: {s.label}" for s in steps),
            )
        )
    # -- issue 20: service standards (aduan.core.service)
    cols += [
        Column(
            C.KIND,
            "staff",
            tuple(kinds or ()),
            width=24,
            help="Jenis aduan; menentukan batas penyelesaian (standar pelayanan, hari kerja). "
            "Kosong: standar kantor.",
        ),
        Column(
            C.MISSING,
            "staff",
            width=30,
            help="Kelengkapan yang diminta dari pengadu (mis. fotokopi KTP). Diisi: aduan "
            "menunggu pengadu, tenggat berhenti; kosongkan bila sudah diterima langsung.",
        ),
        Column(
            C.RATING,
            "staff",
            ("4 (sangat baik)", "3 (baik)", "2 (kurang baik)", "1 (tidak baik)"),
            width=16,
            help="Penilaian pengadu 1-4 (SKM). Diisi otomatis dari balasan email; isi "
            "sendiri bila pengadu menilai lewat WhatsApp/SMS/telepon.",
        ),
        Column(C.RATING_NOTE, "staff", width=30, help="Komentar pengadu bersama penilaiannya."),
    ]
    cols += [
        Column(C.STEP, "system", width=34, help="Tahap SOP yang sedang berjalan."),
        Column(C.ASSIGNEE, "system", width=20, help="Peran yang harus bertindak pada tahap ini."),
        Column(C.DEADLINE, "system", width=20, help="Batas waktu tahap ini (jam kerja)."),
        Column(  # issue 20
            C.SERVICE_DUE,
            "system",
            width=20,
            help="Batas penyelesaian aduan menurut standar pelayanan (hari kerja; waktu "
            "menunggu pengadu tidak dihitung).",
        ),
        Column(C.STATUS, "system", width=14, help="Status aduan: " + ", ".join(STATUSES) + "."),
        Column(C.LATE, "system", width=11, help="Ya bila tahap ini melewati tenggat."),
        Column(C.DOCUMENTS, "system", width=40, help="Dokumen yang sudah dibuat untuk aduan ini."),
        Column(C.SOURCE, "hidden", width=10, help="Message-ID email asal (catatan sistem)."),
        Column(C.STATE, "hidden", width=10, help="Catatan sistem; jangan diubah."),
    ]
    return Layout(cols)
