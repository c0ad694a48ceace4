"""The Tata Naskah Dinas forms (issue 22): the lembar disposisi's boxes, the minutes
of the team meeting, and the formulir penerimaan of a complaint staff typed in —
rendered to .docx and read back."""

from __future__ import annotations

from datetime import datetime

import openpyxl

from aduan.core import naskah
from aduan.core.layout import REGISTER_TAB, C
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_documents
from tests.test_cycle import rows, setup_office
from tests.test_documents import WIB, context, job, settings_for, text_of  # noqa: F401

__all__ = ["settings_for"]


def test_sifat_follows_the_complaint():
    assert naskah.sifat(confidential=False, category="Bencana", urgent=["bencana"]) == ["Segera"]
    assert naskah.sifat(confidential=True, category="Lainnya", urgent=["Bencana"]) == ["Rahasia"]
    both = naskah.sifat(confidential=True, category="Bencana", urgent=["Bencana"])
    assert both == ["Segera", "Rahasia"]
    assert naskah.sifat(confidential=False, category="", urgent=["Bencana"]) == ["Biasa"]


def test_minutes_read_labelled_lines_and_keep_the_rest_as_decisions():
    m = naskah.minutes(
        "Tempat: Posko BPBD\nPeserta: TRC, Camat\nKirim ekskavator ke Desa Berjo\n"
        "PJ: Komandan TRC\nBatas waktu: Rabu 25/11 12.00"
    )
    assert m["tempat"] == "Posko BPBD" and m["peserta"] == "TRC, Camat"
    assert m["pelaksana"] == "Komandan TRC" and m["batas"] == "Rabu 25/11 12.00"
    assert m["keputusan"] == "Kirim ekskavator ke Desa Berjo"
    assert naskah.minutes("")["keputusan"] == ""


def test_lembar_disposisi_ticks_sifat_position_and_instruction(settings_for):
    # the office's urgent categories (settings ``urgent``) mark the form *Segera*
    docs = open_documents(settings_for("bpbd", urgent={"categories": ["Bencana"]}))
    text = text_of(docs.render(job(context("bpbd"), "lembar_disposisi")))
    for label in ("Surat dari", "Nomor surat", "Tanggal surat", "Diterima tanggal",
                  "Nomor agenda", "Sifat", "Hal", "Diteruskan kepada", "Dengan hormat harap",
                  "Isi disposisi", "Catatan", "Paraf"):  # fmt: skip
        assert label in text, label
    # a Bencana complaint is Segera; the disposition says "koordinasi"
    assert "☒ Segera" in text and "☐ Rahasia" in text and "☐ Biasa" in text
    assert "☒ Koordinasi/konfirmasikan" in text and "☐ Proses lebih lanjut" in text
    assert "☒ TIM" in text and "☐ Petugas Layanan" in text
    secret = context("blitar", confidential=True, category="Bantuan Sosial")
    text = text_of(open_documents(settings_for("blitar")).render(job(secret, "lembar_disposisi")))
    assert "☒ Rahasia" in text and "☐ Segera" in text
    assert secret["name"] not in text and "(dirahasiakan)" in text


def test_rencana_tindak_lanjut_is_minutes(settings_for):
    ctx = context("bpbd")
    ctx["f"]["rencana"] = "Tempat: Posko TRC\nKirim ekskavator\nPJ: Danru TRC\nBatas: Rabu 12.00"
    text = text_of(open_documents(settings_for("bpbd")).render(job(ctx, "rencana_tindak_lanjut")))
    for expected in ("Notula Rapat", "Selasa, 24 November 2026", "pukul 10.30", "Posko TRC",
                     "Kirim ekskavator", "Danru TRC", "Rabu 12.00", "Mengetahui,"):  # fmt: skip
        assert expected in text, expected
    # defaults when staff wrote only the plan: the team does it, by the next step's deadline
    ctx = context("bpbd", next_due_text="Rabu, 25 November 2026 pukul 08.30 WIB")
    text = text_of(open_documents(settings_for("bpbd")).render(job(ctx, "rencana_tindak_lanjut")))
    assert "Rabu, 25 November 2026 pukul 08.30 WIB" in text
    assert "Ruang rapat BPBD Kab. Karanganyar" in text


def test_a_typed_complaint_gets_its_formulir_penerimaan(make_settings):
    s = setup_office(make_settings, "blitar")
    reg = s.path(s.register_.path)
    wb = openpyxl.load_workbook(reg)
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    for k, v in {
        C.RECEIVED: "02/11/2026 08.40",  # typed by staff: the time she came counts
        C.CHANNEL: "Datang Langsung",
        C.NAME: "Bu Sumarni",
        C.CONTACT: "0857 1111 2222",
        C.SUBJECT: "KIS tidak aktif",
        C.TEXT: "Kartu KIS saya tidak aktif saat berobat.",
    }.items():
        ws.cell(row=2, column=cols[k], value=v)
    wb.save(reg)
    run_cycle(s, now=datetime(2026, 11, 2, 9, 0, tzinfo=WIB))
    (row,) = rows(reg)
    assert row[C.RECEIVED] == "02/11/2026 08.40"
    (doc,) = s.path(s.paths.documents).rglob("01-formulir_penerimaan.docx")
    text = text_of(doc)
    for expected in ("FORMULIR PENERIMAAN PENGADUAN", row[C.TICKET], "Bu Sumarni",
                     "Senin, 2 November 2026 pukul 08.40 WIB", "Kartu identitas",
                     "LANGKAH SELANJUTNYA", "Mendisposisi", "Yang menerima,",
                     "Petugas Pengaduan", "Nomor: 001/FPP/DINSOS-BLITAR/2026"):  # fmt: skip
        assert expected in text, expected
    assert "formulir_penerimaan" in row[C.DOCUMENTS]
