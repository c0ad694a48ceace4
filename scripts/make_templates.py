"""Generate the .docx templates in templates/ (run once; the output is committed).

The generated files are ordinary Word documents with docxtpl (Jinja) tags, so an
office can open them in Word or LibreOffice and restyle them. Each tag is
written in a run of its own: docxtpl only sees a tag whole when Word has not
split it across runs.

Example:
    .venv/bin/python scripts/make_templates.py            # writes templates/*.docx
    .venv/bin/python scripts/make_templates.py --logo     # also the placeholder logo
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from logo_contoh import placeholder_logo  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "templates"
FONT = "Arial"

# The complaint's data, as one label/tag table on every document.
DATA_ROWS = [
    ("No. Aduan", "{{ ticket }}"),
    ("Diterima", "{{ received|waktu }}"),
    ("Saluran", "{{ channel }}"),
    ("Nama Pengadu", "{{ name }}"),
    ("Kontak", "{{ contact }}"),
    ("Perihal", "{{ subject }}"),
    ("Kategori", "{{ category }}"),
    ("Isi Aduan", "{{ text }}"),
    ("Lampiran", "{{ attachments or '-' }}"),
]


# ------------------------------------------------------------------ helpers
def _para(
    container, text: str = "", *, bold=False, size=None, align=None, underline=False, space_after=2
):
    p = container.add_paragraph()
    if text:
        _run(p, text, bold=bold, size=size, underline=underline)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.space_before = Pt(0)
    return p


def _run(p, text: str, *, bold=False, size=None, underline=False, italic=False):
    r = p.add_run(text)
    r.bold, r.underline, r.italic = bold, underline, italic
    if size:
        r.font.size = Pt(size)
    return r


def _no_borders(table) -> None:
    tblPr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblPr.append(borders)


def _widths(table, *cms: float) -> None:
    """Column widths in the grid too: LibreOffice reads the grid, Word the cells."""
    table.autofit = False
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), cms, strict=False):
        col.set(qn("w:w"), str(int(Cm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, cms, strict=False):
            cell.width = Cm(w)


def _rule(doc) -> None:
    """The letterhead's closing double line (thick over thin), as a paragraph border."""
    p = _para(doc, space_after=8)
    pPr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("val", "thickThinSmallGap"), ("sz", "24"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{k}"), v)
    bdr.append(bottom)
    pPr.append(bdr)


def _cell_text(cell, *parts: str, bold=False) -> None:
    """Fill a cell's first paragraph, one run per part (a tag never shares a run)."""
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    for part in parts:
        _run(p, part, bold=bold)


# ---------------------------------------------------------------- sections
def letterhead(doc) -> None:
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(t, 3.0, 13.0)
    logo, text = t.rows[0].cells
    _cell_text(logo, "{{ logo }}")
    lines = [
        ("{{ office.government }}", True, 13),
        ("{{ office.name }}", True, 15),
        ("{{ office.address }}", False, 10),
        ("{{ office_contact }}", False, 9),
    ]
    first = True
    for tag, bold, size in lines:
        p = text.paragraphs[0] if first else text.add_paragraph()
        first = False
        _run(p, tag, bold=bold, size=size)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
    _rule(doc)


def title(doc, heading: str, subtitle: str = "") -> None:
    _para(
        doc,
        heading,
        bold=True,
        size=13,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        underline=True,
        space_after=0,
    )
    if subtitle:
        _para(doc, subtitle, size=10, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=10)
    _run(p, "Nomor: ")
    _run(p, "{{ nomor }}")


def field_table(doc, rows: list[tuple[str, str]], heading: str = "") -> None:
    if heading:
        _para(doc, heading, bold=True, space_after=2).paragraph_format.space_before = Pt(8)
    t = doc.add_table(rows=len(rows), cols=2)
    t.style = "Table Grid"
    _widths(t, 4.2, 11.8)
    for row, (label, tag) in zip(t.rows, rows, strict=True):
        _cell_text(row.cells[0], label, bold=True)
        _cell_text(row.cells[1], tag)


SIGN_LINES = 2  # empty lines to sign on


def _signer(cell, who: str, lead: str = "", *, place: bool = False) -> None:
    """One signature block in a cell: place and date (or an empty line facing it),
    the lead ("Yang menerima,", "Mengetahui,"), the title, room to sign, the name,
    rank and NIP of ``sign.<who>`` (settings: office.head, office.petugas,
    office.team_leader; the title of the role when the office set none)."""
    p = cell.paragraphs[0]
    if place:
        _run(p, "{{ office.city }}")
        _run(p, ", ")
        _run(p, "{{ date|tanggal }}")
    if lead:
        _run(cell.add_paragraph(), lead)
    _run(cell.add_paragraph(), "{{ sign." + who + ".title }}")
    for _ in range(SIGN_LINES):
        cell.add_paragraph()
    _run(cell.add_paragraph(), "{{ sign." + who + ".name }}", bold=True, underline=True)
    _run(cell.add_paragraph(), "{{ sign." + who + ".rank }}")
    _run(cell.add_paragraph(), "{{ sign." + who + ".nip_line }}")
    for q in cell.paragraphs:
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        q.paragraph_format.space_after = Pt(0)


def _complainant(cell, lead: str = "Pengadu,", *, facing_lead: bool = False) -> None:
    # first line left empty: it faces the place and date on the right; the name sits
    # level with the signer's name on the right (one line lower when it has a lead)
    _run(cell.add_paragraph(), lead)
    for _ in range(SIGN_LINES + facing_lead):
        cell.add_paragraph()
    p = cell.add_paragraph()
    _run(p, "( ")
    _run(p, "{{ name }}", bold=True)
    _run(p, " )")
    for q in cell.paragraphs:
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        q.paragraph_format.space_after = Pt(0)


def signatures(
    doc,
    right: tuple[str, str] = ("head", ""),
    *,
    left: tuple[str, str] | None = None,
    complainant: bool = False,
    known_by_head: bool = False,
) -> None:
    """Place and date with the signer on the right; on the left the complainant or
    another signer; below, "Mengetahui," the head when the document needs it."""
    _para(doc, space_after=6)
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    _widths(t, 8, 8)
    lcell, rcell = t.rows[0].cells
    if complainant:
        _complainant(lcell, facing_lead=bool(right[1]))
    elif left:
        lcell.paragraphs[0].text = ""
        _signer(lcell, left[0], left[1] or " ")
    _signer(rcell, right[0], right[1], place=True)
    if known_by_head:
        _para(doc, space_after=4)
        t = doc.add_table(rows=1, cols=1)
        _no_borders(t)
        _widths(t, 16)
        _signer(t.rows[0].cells[0], "head", "Mengetahui,")


def checkboxes(cell, items: str, first: bool = True) -> None:
    """A docxtpl paragraph loop of ticked/empty boxes (``items``: a list of
    {label, box} from the context) in a cell; staff may restyle the middle line."""
    p = cell.paragraphs[0] if first else cell.add_paragraph()
    _run(p, "{%p for x in " + items + " %}")
    p = cell.add_paragraph()
    _run(p, "{{ x.box }}")
    _run(p, " ")
    _run(p, "{{ x.label }}")
    _run(cell.add_paragraph(), "{%p endfor %}")
    for q in cell.paragraphs:
        q.paragraph_format.space_after = Pt(0)


def text_block(doc, label: str, tag: str) -> None:
    p = _para(doc, label, bold=True, space_after=0)
    p.paragraph_format.space_before = Pt(6)
    _para(doc, tag, space_after=2)


KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid"}


def slim(doc) -> None:
    """Drop what python-docx's default template carries and no letter needs.

    Its styles.xml and stylesWithEffects.xml are ~800 kB unzipped and parsing
    them was most of a render's time; its thumbnail shows another document.
    Word and LibreOffice add the styles back when staff pick one.
    """
    styles = doc.styles.element
    for el in list(styles):
        unused = el.tag == qn("w:style") and el.get(qn("w:styleId")) not in KEEP_STYLES
        if unused or el.tag == qn("w:latentStyles"):
            styles.remove(el)
    for rels in (doc.part.rels, doc.part.package.rels):
        for rId, rel in list(rels.items()):
            if rel.reltype.endswith(("/stylesWithEffects", "/thumbnail", "/customXml")):
                rels.pop(rId)


def new_document():
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)  # A4
    sec.top_margin = sec.bottom_margin = Cm(2)
    sec.left_margin, sec.right_margin = Cm(2.5), Cm(2.5)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    # East-Asian font slot too, else Word falls back for some glyphs
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    letterhead(doc)
    return doc


# --------------------------------------------------------------- documents
def formulir_aduan(doc) -> None:
    title(doc, "FORMULIR ADUAN", "Catatan Aduan Warga")
    field_table(
        doc,
        DATA_ROWS[:1]
        + [("Nomor Agenda", "{{ agenda or '-' }}")]
        + DATA_ROWS[1:]
        + [("Catatan Petugas", "{{ fields.get('Catatan') or '-' }}")],
    )
    _para(
        doc, "Pengadu menyatakan bahwa data dan keterangan di atas adalah benar.", space_after=0
    ).paragraph_format.space_before = Pt(8)
    signatures(doc, ("petugas", "Yang menerima,"), complainant=True)


def _grid(table, *cms: float) -> None:
    table.style = "Table Grid"
    _widths(table, *cms)


def lembar_disposisi(doc) -> None:
    """The regional form: head, body (to tick), disposition, note, the head's paraf."""
    title(doc, "LEMBAR DISPOSISI")
    head = doc.add_table(rows=4, cols=4)
    _grid(head, 2.9, 5.1, 3.0, 5.0)
    cells = [
        ("Surat dari", "{{ name or '-' }}", "Diterima tanggal", "{{ received|waktu }}"),
        ("Nomor surat", "{{ ticket }}", "Nomor agenda", "{{ agenda or '-' }}"),
        ("Tanggal surat", "{{ received|tanggal }}", "Sifat", None),
        ("Hal", "{{ subject }}", None, None),
    ]
    for row, (l1, v1, l2, v2) in zip(head.rows, cells, strict=True):
        _cell_text(row.cells[0], l1, bold=True)
        _cell_text(row.cells[1], v1)
        if l2:
            _cell_text(row.cells[2], l2, bold=True)
        if v2:
            _cell_text(row.cells[3], v2)
    checkboxes(head.rows[2].cells[3], "sifat_list")
    hal = head.rows[3]
    hal.cells[1].merge(hal.cells[3])
    _para(doc, space_after=0)
    body = doc.add_table(rows=4, cols=2)
    _grid(body, 8, 8)
    _cell_text(body.rows[0].cells[0], "Diteruskan kepada Sdr.:", bold=True)
    _cell_text(body.rows[0].cells[1], "Dengan hormat harap:", bold=True)
    checkboxes(body.rows[1].cells[0], "diteruskan_list")
    checkboxes(body.rows[1].cells[1], "harap_list")
    r = body.rows[2]
    r.cells[0].merge(r.cells[1])
    _cell_text(r.cells[0], "Isi disposisi:", bold=True)
    _run(r.cells[0].add_paragraph(), "{{ f.disposisi or '-' }}")
    r = body.rows[3]
    r.cells[0].merge(r.cells[1])
    _cell_text(r.cells[0], "Catatan:", bold=True)
    _run(r.cells[0].add_paragraph(), "{{ fields.get('Catatan') or '-' }}")
    # the end: the paraf of the official giving the disposition, with the date
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    _widths(t, 8, 8)
    cell = t.rows[0].cells[1]
    _run(cell.paragraphs[0], "{{ sign.head.title }}")
    p = cell.add_paragraph()
    _run(p, "Paraf: ")
    _run(p, "…………………")
    p = cell.add_paragraph()
    _run(p, "Tanggal: ")
    _run(p, "{{ date|tanggal }}")
    _run(cell.add_paragraph(), "{{ sign.head.name }}", bold=True)
    for q in cell.paragraphs:
        q.paragraph_format.space_after = Pt(0)
        q.paragraph_format.space_before = Pt(4)
    _para(doc, "Ringkasan aduan", bold=True, space_after=0).paragraph_format.space_before = Pt(8)
    _para(doc, "{{ text }}", size=9, space_after=0)


def rencana_tindak_lanjut(doc) -> None:
    """Minutes of the team meeting: when, where, who came, what was decided, by whom, by when."""
    title(doc, "RENCANA TINDAK LANJUT", "Notula Rapat Tim Penanganan Aduan")
    field_table(
        doc,
        [
            ("Hari, tanggal", "{{ date|hari }}, {{ rapat.tanggal }}"),
            ("Waktu", "{{ rapat.waktu }}"),
            ("Tempat", "{{ rapat.tempat }}"),
            ("Peserta", "{{ rapat.peserta }}"),
            ("Acara", "Pembahasan aduan {{ ticket }}: {{ subject }}"),
            ("Arahan Pimpinan", "{{ f.disposisi or '-' }}"),
        ],
    )
    _para(doc, "KEPUTUSAN RAPAT", bold=True, space_after=2).paragraph_format.space_before = Pt(8)
    t = doc.add_table(rows=2, cols=4)
    _grid(t, 1.0, 8.0, 3.5, 3.5)
    for cell, head in zip(
        t.rows[0].cells, ("No.", "Rencana tindak lanjut", "Pelaksana", "Batas waktu"), strict=True
    ):
        _cell_text(cell, head, bold=True)
    for cell, tag in zip(
        t.rows[1].cells,
        ("1.", "{{ rapat.keputusan }}", "{{ rapat.pelaksana }}", "{{ rapat.batas }}"),
        strict=True,
    ):
        _cell_text(cell, tag)
    # the complaint itself is on the lembar disposisi the meeting had; here only who wrote
    field_table(doc, DATA_ROWS[:6], heading="DATA ADUAN")
    signatures(doc, ("team_leader", ""), known_by_head=True)


def laporan_pelaksanaan(doc) -> None:
    title(doc, "LAPORAN PELAKSANAAN KEGIATAN", "Hasil Tindak Lanjut Aduan")
    p = _para(doc, space_after=6)
    _run(p, "Kepada Yth. ")
    _run(p, "{{ sign.head.title }}", bold=True)
    field_table(doc, DATA_ROWS)
    field_table(
        doc,
        [
            ("Arahan Pimpinan", "{{ f.disposisi or '-' }}"),
            ("Rencana Tindak Lanjut", "{{ f.rencana or '-' }}"),
            ("Hasil Tindak Lanjut", "{{ f.hasil or '-' }}"),
            ("Laporan Pelaksanaan", "{{ f.laporan or '-' }}"),
        ],
        heading="PELAKSANAAN TINDAK LANJUT",
    )
    signatures(doc, ("team_leader", "Yang melaporkan,"))


def hasil_keputusan(doc) -> None:
    title(doc, "HASIL KEPUTUSAN PENYELESAIAN PENGADUAN")
    field_table(doc, DATA_ROWS)
    field_table(
        doc,
        [
            ("Disposisi", "{{ f.disposisi or '-' }}"),
            ("Keputusan Penyelesaian", "{{ f.keputusan or '-' }}"),
        ],
        heading="KEPUTUSAN RAPAT TIM PENGELOLA PENGADUAN",
    )
    signatures(doc, ("team_leader", ""), known_by_head=True)


def berita_acara(doc) -> None:
    title(doc, "BERITA ACARA PENYELESAIAN ADUAN")
    p = _para(doc, space_after=6)
    for part in (
        "Pada hari ini ",
        "{{ date|hari }}",
        " tanggal ",
        "{{ date|tanggal }}",
        ", ",
        "{{ office.name }}",
        " ",
        "{{ office.city }}",
        " telah menyelesaikan aduan masyarakat dengan data sebagai berikut:",
    ):
        _run(p, part)
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    field_table(doc, DATA_ROWS)
    field_table(
        doc,
        [
            ("Keputusan Penyelesaian", "{{ f.keputusan or '-' }}"),
            ("Hasil yang Disampaikan", "{{ f.hasil or '-' }}"),
        ],
        heading="PENYELESAIAN",
    )
    _para(
        doc,
        "Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya.",
        space_after=0,
    ).paragraph_format.space_before = Pt(8)
    signatures(doc, ("petugas", ""), complainant=True, known_by_head=True)


def formulir_penyaluran(doc) -> None:
    title(doc, "FORMULIR PENYALURAN PENGADUAN BUKAN KEWENANGAN")
    p = _para(doc, space_after=0)
    _run(p, "Kepada Yth. ")
    _run(p, "{{ f.instansi_tujuan or '-' }}", bold=True)
    p = _para(doc, space_after=6)
    for part in (
        "Bersama ini kami salurkan pengaduan masyarakat berikut, yang bukan merupakan kewenangan ",
        "{{ office.name }}",
        ", untuk ditindaklanjuti sesuai kewenangan Saudara:",
    ):
        _run(p, part)
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    field_table(doc, DATA_ROWS)
    field_table(
        doc,
        [
            ("Instansi Tujuan", "{{ f.instansi_tujuan or '-' }}"),
            ("Alasan Penyaluran", "{{ alasan }}"),
            ("Keterangan", "{{ fields.get('Catatan') or '-' }}"),
        ],
        heading="PENYALURAN",
    )
    signatures(doc, ("head", ""))


def formulir_penerimaan(doc) -> None:
    """The receipt a walk-in complainant takes home, or a caller hears read out."""
    title(doc, "FORMULIR PENERIMAAN PENGADUAN", "Tanda Terima Pengaduan Masyarakat")
    field_table(
        doc,
        [
            ("Nomor Aduan", "{{ ticket }}"),
            ("Nomor Agenda", "{{ agenda or '-' }}"),
            ("Diterima", "{{ received|waktu }}"),
            ("Saluran", "{{ channel }}"),
            ("Nama Pengadu", "{{ name }}"),
            ("Kontak", "{{ contact }}"),
            ("Perihal", "{{ subject or '-' }}"),
            ("Isi Aduan", "{{ text }}"),
        ],
    )
    _para(doc, "YANG DITERIMA", bold=True, space_after=2).paragraph_format.space_before = Pt(8)
    t = doc.add_table(rows=1, cols=1)
    _grid(t, 16)
    checkboxes(t.rows[0].cells[0], "diterima_list")
    _para(doc, "LANGKAH SELANJUTNYA", bold=True, space_after=2).paragraph_format.space_before = Pt(
        8
    )
    _para(doc, "{%p for s in steps_ahead %}", space_after=0)
    p = _para(doc, space_after=0)
    for part in (
        "{{ s.number }}",
        ". ",
        "{{ s.label }}",
        " (",
        "{{ s.role }}",
        ", ",
        "{{ s.allowance }}",
        ")",
    ):
        _run(p, part, size=10)
    _para(doc, "{%p endfor %}", space_after=0)
    p = _para(doc, space_after=0)
    for part in (
        "Simpan tanda terima ini. Sebutkan nomor aduan ",
        "{{ ticket }}",
        " setiap kali menanyakan perkembangan aduan Anda.",
    ):
        _run(p, part)
    p.paragraph_format.space_before = Pt(6)
    signatures(doc, ("petugas", "Yang menerima,"), complainant=True)


DOCUMENTS = {
    "formulir_aduan": formulir_aduan,
    "lembar_disposisi": lembar_disposisi,
    "rencana_tindak_lanjut": rencana_tindak_lanjut,
    "laporan_pelaksanaan": laporan_pelaksanaan,
    "hasil_keputusan": hasil_keputusan,
    "berita_acara": berita_acara,
    "formulir_penyaluran": formulir_penyaluran,
    "formulir_penerimaan": formulir_penerimaan,
}


def main() -> None:
    ap = argparse.ArgumentParser(description="Generate the .docx templates in templates/.")
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default templates/)")
    ap.add_argument("--logo", action="store_true", help="also write logo-contoh.png")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in DOCUMENTS.items():
        doc = new_document()
        build(doc)
        slim(doc)
        doc.core_properties.title = name
        doc.core_properties.author = "Aduan"
        doc.save(args.out / f"{name}.docx")
        print(f"{args.out / name}.docx")
    if args.logo:
        (args.out / "logo-contoh.png").write_bytes(placeholder_logo())
        print(args.out / "logo-contoh.png")


if __name__ == "__main__":
    main()
