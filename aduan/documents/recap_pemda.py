"""The pemda recap as files: a Word report (the office recap's charts, per office) and a
sheet (.xlsx) with the same table, both beside each other in one folder.

The template is ``rekap-pemda.docx`` (scripts/make_rekap_pemda_template.py), filled
like every other document (:meth:`Documents.fill`) with the coordinating office's
letterhead and head."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from pathlib import Path

from aduan.core.model import DocumentJob
from aduan.core.recap import Recap
from aduan.core.recap_pemda import PemdaRecap, chart_recap, pemda_context, pemda_table
from aduan.documents.recap import chart_steps, chart_weekly
from aduan.documents.render import Documents
from aduan.errors import DocumentError
from aduan.support.atomic import atomic_path, write_atomic

__all__ = ["TEMPLATE", "build_pemda_report", "render_pemda", "write_pemda_sheet"]

logger = logging.getLogger(__name__)

TEMPLATE = "rekap-pemda.docx"
_CHART_MM = 110  # two charts side by side on landscape A4 (24.7 cm of text)


def build_pemda_report(docs: Documents, pr: PemdaRecap, shape: Recap, now: datetime) -> bytes:
    """The report as .docx bytes; DocumentError names the template's problem."""
    template = docs.templates / TEMPLATE
    if not template.is_file():
        raise DocumentError(f"template rekap pemda: file {template} not found")
    rc = chart_recap(pr, shape)
    charts = {
        "chart_weekly": (chart_weekly(rc, "Aduan diterima per minggu menurut kantor"), _CHART_MM),
        "chart_steps": (chart_steps(rc, "Tahap selesai sesuai mutu baku, per kantor"), _CHART_MM),
    }
    job = DocumentJob("", "rekap-pemda", "rekap-pemda.docx", pemda_context(pr, now))
    buf = io.BytesIO()
    try:
        docs.fill("rekap-pemda", template, docs.prepare(job), buf, images=charts)
    except OSError as e:
        raise DocumentError(f"template rekap pemda: not a usable .docx file ({e})") from None
    return buf.getvalue()


def write_pemda_sheet(pr: PemdaRecap, target: Path) -> Path:
    """The table as an .xlsx sheet (*Rekap Pemda YYYY-MM*), every value as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"Rekap Pemda {pr.year:04d}-{pr.month:02d}"
    for i, row in enumerate(pemda_table(pr), 1):
        for j, v in enumerate(row, 1):
            c = ws.cell(i, j)
            c.value = v
            c.data_type = "s"  # text: nothing becomes a formula
    ws["A1"].font = Font(bold=True, size=12)
    for c in ws[3]:
        c.font = Font(bold=True)
    for col, width in zip("ABCDEFGH", (34, 10, 10, 24, 26, 12, 12, 34), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "B4"
    try:
        with atomic_path(target) as tmp:
            wb.save(tmp)
    except OSError as e:
        raise DocumentError(
            f"{target}: rekap pemda tidak dapat disimpan ({e.strerror or e})"
        ) from None
    return target


def render_pemda(
    docs: Documents, pr: PemdaRecap, shape: Recap, out: Path, *, now: datetime
) -> tuple[Path, Path]:
    """Write ``rekap-pemda-YYYY-MM.docx`` and ``.xlsx`` into ``out``; return both paths."""
    stem = out / f"rekap-pemda-{pr.year:04d}-{pr.month:02d}"
    docx = stem.with_suffix(".docx")
    data = build_pemda_report(docs, pr, shape, now)
    try:
        write_atomic(docx, data)
    except OSError as e:
        raise DocumentError(
            f"{docx}: rekap pemda tidak dapat disimpan ({e.strerror or e})"
        ) from None
    sheet = write_pemda_sheet(pr, stem.with_suffix(".xlsx"))
    logger.info("pemda recap %s: wrote %s and %s", pr.label, docx, sheet)
    return docx, sheet
