"""Render every document of both seed offices to PNG for a person to look at.

.docx (docxtpl) -> PDF (LibreOffice headless) -> PNG (pdftoppm), one PNG per
page, in ``var/preview/<office>/``. Needs LibreOffice and poppler-utils
(``make system-deps`` installs them).

Example:
    .venv/bin/python scripts/preview_documents.py --out var/preview --dpi 80
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aduan.config import Settings  # noqa: E402
from aduan.core.engine.config import DOC_CODES  # noqa: E402
from aduan.core.model import DocumentJob  # noqa: E402
from aduan.documents.context import sample_context  # noqa: E402
from aduan.documents.pdf import convert_pdf  # noqa: E402
from aduan.documents.render import TEMPLATES  # noqa: E402
from aduan.errors import AduanError  # noqa: E402
from aduan.run.wiring import open_documents  # noqa: E402

BLITAR = {
    "office": {
        "id": "dinsos-blitar",
        "government": "PEMERINTAH KOTA BLITAR",
        "name": "DINAS SOSIAL",
        "short_name": "Dinsos Kota Blitar",
        "address": "Jl. Ir. Soekarno No. 2, Blitar",
        "city": "Blitar",
        "phone": "(0342) 000000",
        "email": "dinsos@blitar.example.go.id",
        "website": "dinsos.blitar.example.go.id",
        "logo": "templates/logo-contoh.png",
        "head": {
            "name": "SAD SASMINTARTI, S.H.,M.M",
            "title": "Kepala Dinas Sosial",
            "rank": "Pembina Utama Muda",
            "nip": "196601191986022002",
        },
        "petugas": {
            "name": "DWI LESTARI",
            "title": "Petugas Pengaduan",
            "nip": "19900505 201503 2 001",
        },
        "team_leader": {
            "name": "BAMBANG IRAWAN, S.Sos.",
            "title": "Ketua Tim Pengelola Pengaduan",
            "nip": "19780303 200312 1 005",
        },
    },
    "sop": "config/sop/dinsos-blitar.yaml",
    "roles": {
        "petugas": ["petugas@blitar.example.go.id"],
        "tim": ["tim@blitar.example.go.id"],
        "sekretaris": ["sekretaris@blitar.example.go.id"],
        "kepala": ["kadis@blitar.example.go.id"],
    },
}


def seed_settings(out: Path) -> dict[str, Settings]:
    """Settings of the two seed offices (BPBD from settings.example.yaml), writing under ``out``."""
    base = yaml.safe_load((REPO / "config/settings.example.yaml").read_text(encoding="utf-8"))
    base["office"]["logo"] = "templates/logo-contoh.png"
    offices = {"bpbd-karanganyar": base, "dinsos-blitar": {**base, **BLITAR}}
    result = {}
    for name, data in offices.items():
        data = {**data, "base": str(REPO), "templates": str(REPO / "templates")}
        data["paths"] = {**data.get("paths", {}), "documents": str(out / name),
                         "state": str(out / ".state")}  # fmt: skip
        result[name] = Settings.model_validate(data)
    return result


def render_office(settings: Settings) -> list[Path]:
    """Every template rendered with sample data; returns the .docx paths."""
    docs = open_documents(settings)
    ctx = sample_context(settings.tz)
    paths = []
    code = settings.office.id.upper()
    for n, doc in enumerate(TEMPLATES, 1):
        # each kind its own number, as the engine gives them (per year per kind)
        one = {**ctx, "nomor": f"007/{DOC_CODES.get(doc, doc.upper())}/{code}/2026"}
        paths.append(docs.render(DocumentJob(ctx["ticket"], doc, f"{n:02d}-{doc}.docx", one)))
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description="Render every document of both offices to PNG.")
    ap.add_argument("--out", type=Path, default=REPO / "var/preview", help="output folder")
    ap.add_argument("--dpi", type=int, default=80, help="PNG resolution (default 80)")
    args = ap.parse_args()
    if not shutil.which("pdftoppm"):
        print("pdftoppm tidak ada: pasang poppler-utils (make system-deps)", file=sys.stderr)
        return 1
    out = args.out.resolve()
    try:
        for name, settings in seed_settings(out).items():
            docx_paths = render_office(settings)
            pdfs = convert_pdf(docx_paths, profile=out / ".state" / "libreoffice")
            for pdf in pdfs:
                subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), str(pdf),
                                str(pdf.with_suffix(""))], check=True)  # fmt: skip
            print(f"{name}: {len(pdfs)} dokumen -> {out / name}/*.png")
    except AduanError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
