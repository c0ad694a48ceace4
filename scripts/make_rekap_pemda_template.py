"""Generate templates/rekap-pemda.docx, the pemda recap report (run once; committed).

Same letterhead and signature as the office recap (scripts/make_rekap_template.py):
the coordinating office's kop, one table with a row per office (docxtpl's row loop
over :func:`aduan.core.recap_pemda.pemda_rows`), the two charts of the office recap
drawn per office, the data notes, and the head's signature.

Example:
    .venv/bin/python scripts/make_rekap_pemda_template.py   # writes templates/rekap-pemda.docx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import make_rekap_template as mr  # noqa: E402
import make_templates as mt  # noqa: E402

from aduan.core.recap_pemda import HEADERS  # noqa: E402
from aduan.documents.recap_pemda import TEMPLATE  # noqa: E402

WIDTHS = (4.4, 1.7, 1.7, 3.3, 3.3, 2.3, 2.3, 5.0)  # cm; landscape A4 text width is 24.7 cm


def rekap_pemda(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    mt._para(
        doc,
        "REKAPITULASI PENGADUAN MASYARAKAT ANTAR-PERANGKAT DAERAH",
        bold=True,
        size=13,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        underline=True,
        space_after=0,
    )
    p = mt._para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    mt._run(p, "{{ pemerintah }}", bold=True)
    p = mt._para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)
    mt._run(p, "Bulan ")
    mt._run(p, "{{ bulan }}", bold=True)
    p = mt._para(doc, space_after=6)
    for part in (
        "Data dari register aduan ",
        "{{ jumlah_kantor }}",
        " perangkat daerah. Tahap sesuai mutu baku: tahap SOP yang selesai dalam waktu "
        "standar kantor masing-masing; standar pelayanan: aduan selesai dalam batas "
        "penyelesaian jenis aduannya (waktu menunggu pengadu tidak dihitung); IKM: "
        "rata-rata penilaian pengadu x 25 (Permenpan RB 14/2017), hanya bila ada penilaian.",
    ):
        mt._run(p, part, size=10)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    t = doc.add_table(rows=4, cols=len(HEADERS))
    t.style = "Table Grid"
    mt._widths(t, *WIDTHS)
    for cell, h in zip(t.rows[0].cells, HEADERS, strict=True):
        mr._cell(cell, h, bold=True)
    mr._cell(t.rows[1].cells[0], "{%tr for r in kantor %}")
    for i, cell in enumerate(t.rows[2].cells):
        mr._cell(cell, f"{{{{ r[{i}] }}}}")
    mr._cell(t.rows[3].cells[0], "{%tr endfor %}")
    p = mt._para(doc, space_after=4, align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.space_before = Pt(8)
    mt._run(p, "{{ chart_weekly }}")
    mt._run(p, "{{ chart_steps }}")
    for key, heading in (
        ("tidak_terbaca", "Kantor yang tidak terbaca:"),
        ("catatan", "Catatan data:"),
    ):
        mt._para(doc, f"{{%p if {key} %}}", space_after=0)
        p = mt._para(doc, heading, bold=True, space_after=0)
        p.paragraph_format.space_before = Pt(6)
        mt._para(doc, f"{{%p for c in {key} %}}", space_after=0)
        mt._para(doc, "- {{ c }}", size=9, space_after=0)
        mt._para(doc, "{%p endfor %}", space_after=0)
        mt._para(doc, "{%p endif %}", space_after=0)
    mt.signatures(doc)


def main() -> None:
    ap = argparse.ArgumentParser(description=f"Generate templates/{TEMPLATE}.")
    ap.add_argument("--out", type=Path, default=mt.OUT, help="output folder (default templates/)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    doc = mt.new_document()
    rekap_pemda(doc)
    mt.slim(doc)
    doc.core_properties.title = "rekap pemda"
    doc.core_properties.author = "Aduan"
    doc.save(args.out / TEMPLATE)
    print(args.out / TEMPLATE)


if __name__ == "__main__":
    main()
