"""Generate templates/rekap-bulanan.docx, the monthly recap report (run once; committed).

Same letterhead and signature as the other templates (scripts/make_templates.py).
One table per recap section: a header row, then docxtpl's row loop
(``{%tr for r in tahap %}``) over the rows :func:`aduan.core.recap_text.recap_sections`
gives, so the report shows exactly the figures of the register's *Rekap* tab.

Example:
    .venv/bin/python scripts/make_rekap_template.py     # writes templates/rekap-bulanan.docx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import make_templates as mt  # noqa: E402

from aduan.core.recap_text import SECTIONS  # noqa: E402
from aduan.documents.recap import TEMPLATE  # noqa: E402

# column widths (cm) per section; the text area of A4 with the margins is 16 cm
WIDTHS = {
    "ringkasan": (11.0, 5.0),
    "perbandingan": (6.4, 3.2, 3.2, 3.2),
    "saluran": (9.0, 3.5, 3.5),
    "kategori": (9.0, 3.5, 3.5),
    "hasil": (9.0, 3.5, 3.5),
    "status_kategori": (3.4, 2.1, 2.1, 2.1, 2.1, 2.1, 2.1),  # issue 20: + tidak dilengkapi
    "penyelesaian": (4.2, 2.4, 1.6, 2.6, 2.6, 2.6),
    "tahap": (0.8, 5.0, 2.2, 1.6, 1.3, 1.8, 1.8, 1.5),
    "tunggu": (4.6, 2.2, 1.8, 1.4, 2.0, 2.0, 2.0),
    "penyimpangan": (3.1, 5.0, 2.1, 1.8, 2.0, 2.0),
    "terbuka": (3.1, 2.3, 4.0, 2.2, 2.3, 2.1),
    # -- issue 20
    "standar_jenis": (5.6, 2.2, 1.6, 3.0, 3.6),
    "skm": (11.0, 5.0),
}
NOTES = {
    "penyelesaian": "Waktu kerja dari aduan diterima sampai aduan selesai (ditutup) pada "
    "bulan ini, dibandingkan dengan standar pelayanan kantor (SP4N-LAPOR!: 5 hari kerja).",
    "tahap": "Median dan persentil 90 dihitung dari waktu kerja sebenarnya (jam kantor, "
    "tanpa hari libur) tiap tahap yang selesai pada bulan ini; Sesuai Mutu Baku = "
    "bagian tahap yang selesai dalam waktu mutu baku SOP.",
    # -- issue 20
    "standar_jenis": "Batas penyelesaian per jenis aduan dalam hari kerja sejak diterima; "
    "waktu menunggu kelengkapan dari pengadu tidak dihitung. Tanggapan pertama: tindakan "
    "pertama petugas atau permintaan kelengkapan.",
    "skm": "Skala 1-4; indeks = rata-rata x 25; mutu A 88,31-100, B 76,61-88,30, "
    "C 65,00-76,60, D 25,00-64,99.",
    "penyimpangan": "Setiap penyimpangan mutu baku dicatat sebagai kegagalan dan perlu "
    "dijelaskan oleh pelaksana tahap.",
}
EMPTY = {
    "saluran": "Tidak ada aduan yang diterima bulan ini.",
    "kategori": "Tidak ada aduan yang diterima bulan ini.",
    "hasil": "Tidak ada aduan yang diterima bulan ini.",
    "status_kategori": "Tidak ada aduan yang diterima bulan ini.",
    "penyelesaian": "Tidak ada aduan yang selesai bulan ini.",
    "penyimpangan": "Tidak ada penyimpangan mutu baku waktu.",
    "terbuka": "Tidak ada aduan yang masih terbuka.",
    # -- issue 20
    "standar_jenis": "Tidak ada aduan yang selesai bulan ini.",
    "skm": "Belum ada penilaian pengadu bulan ini.",
}


def _cell(cell, text: str, *, bold=False, size=9) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    mt._run(p, text, bold=bold, size=size)


def section_table(doc, key: str, number: int) -> None:
    title, heads = SECTIONS[key]
    p = mt._para(doc, f"{number}. {title}", bold=True, space_after=3)
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.keep_with_next = True
    if key == "perbandingan":
        heads = [heads[0], "{{ bulan_lalu }}", "{{ bulan }}", heads[3]]
    n = len(heads)
    # header, loop start, data row, loop end: docxtpl removes the two loop rows
    t = doc.add_table(rows=4, cols=n)
    t.style = "Table Grid"
    mt._widths(t, *WIDTHS[key])
    for cell, h in zip(t.rows[0].cells, heads, strict=True):
        _cell(cell, h, bold=True)
    _cell(t.rows[1].cells[0], f"{{%tr for r in {key} %}}")
    for i, cell in enumerate(t.rows[2].cells):
        _cell(cell, f"{{{{ r[{i}] }}}}")
    _cell(t.rows[3].cells[0], "{%tr endfor %}")
    if key in EMPTY:
        mt._para(doc, f"{{%p if not {key} %}}", space_after=0)
        mt._para(doc, EMPTY[key], size=9, space_after=0)
        mt._para(doc, "{%p endif %}", space_after=0)
    if key in NOTES:
        p = mt._para(doc, space_after=2)
        mt._run(p, NOTES[key], size=8, italic=True)


def chart(doc, tag: str) -> None:
    p = mt._para(doc, space_after=4, align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.space_before = Pt(6)
    mt._run(p, tag)


def rekap(doc) -> None:
    mt._para(
        doc,
        "REKAPITULASI PENGADUAN MASYARAKAT",
        bold=True,
        size=13,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        underline=True,
        space_after=0,
    )
    p = mt._para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    mt._run(p, "Bulan ")
    mt._run(p, "{{ bulan }}", bold=True)
    p = mt._para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)
    mt._run(p, "{{ sop_name }}", size=9)
    p = mt._para(doc, space_after=4)
    for part in (
        "Periode ",
        "{{ periode }}",
        ". Data dari register aduan; hasil dan aduan terbuka menurut keadaan per ",
        "{{ keadaan }}",
        ". Waktu dihitung dalam waktu kerja (jam kantor, tanpa hari libur dan cuti bersama).",
    ):
        mt._run(p, part, size=10)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for i, key in enumerate(SECTIONS, 1):
        section_table(doc, key, i)
        if key == "saluran":
            chart(doc, "{{ chart_weekly }}")
        if key == "tahap":
            chart(doc, "{{ chart_steps }}")
    mt._para(doc, "{%p if catatan %}", space_after=0)
    p = mt._para(doc, "Catatan data:", bold=True, space_after=0)
    p.paragraph_format.space_before = Pt(8)
    mt._para(doc, "{%p for c in catatan %}", space_after=0)
    mt._para(doc, "- {{ c }}", size=9, space_after=0)
    mt._para(doc, "{%p endfor %}", space_after=0)
    mt._para(doc, "{%p endif %}", space_after=0)
    # issue 22: prepared by the petugas, acknowledged by the head
    mt.signatures(doc, ("head", "Mengetahui,"), left=("petugas", "Yang membuat,"))


def main() -> None:
    ap = argparse.ArgumentParser(description=f"Generate templates/{TEMPLATE}.")
    ap.add_argument("--out", type=Path, default=mt.OUT, help="output folder (default templates/)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    doc = mt.new_document()
    rekap(doc)
    mt.slim(doc)
    doc.core_properties.title = "rekap"
    doc.core_properties.author = "Aduan"
    doc.save(args.out / TEMPLATE)
    print(args.out / TEMPLATE)


if __name__ == "__main__":
    main()
