"""PDFs of the documents, made by LibreOffice (``documents.pdf: true``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from aduan.errors import DocumentError

__all__ = ["convert_pdf", "pdf_stale", "soffice"]


def pdf_stale(docx_path: Path) -> bool:
    """True when the PDF next to a .docx is missing or older than it."""
    pdf = docx_path.with_suffix(".pdf")
    try:
        return pdf.stat().st_mtime_ns < docx_path.stat().st_mtime_ns
    except FileNotFoundError:
        return True


def soffice() -> str:
    """The LibreOffice binary, or DocumentError saying how to install it."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise DocumentError(
            "PDF: LibreOffice (soffice) is not installed — apt-get install "
            "libreoffice-writer-nogui, or set documents.pdf: false",
            permanent=True,
        )
    return exe


def convert_pdf(paths: list[Path], *, profile: Path, timeout: float = 180) -> list[Path]:
    """Convert .docx files to PDFs next to them, in one LibreOffice run.

    Each PDF is written to a temp folder first and renamed into place, so a
    killed conversion never leaves half a PDF. ``profile`` is LibreOffice's
    user folder: a private one, since a second soffice sharing the desktop
    user's profile silently converts nothing.
    """
    if not paths:
        return []
    exe = soffice()
    profile.mkdir(parents=True, exist_ok=True)
    by_dir: dict[Path, list[Path]] = {}
    for p in paths:
        by_dir.setdefault(p.parent, []).append(p)
    out: list[Path] = []
    failed: list[str] = []
    detail = ""
    for folder, group in by_dir.items():
        with tempfile.TemporaryDirectory(dir=folder, prefix=".pdf-") as tmp:
            cmd = [
                exe,
                f"-env:UserInstallation={profile.resolve().as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                *map(str, group),
            ]
            try:
                res = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                raise DocumentError(
                    f"PDF: LibreOffice took over {timeout:.0f} s", permanent=False
                ) from None
            except OSError as e:
                raise DocumentError(f"PDF: cannot run LibreOffice ({e})") from None
            for p in group:
                made = Path(tmp) / f"{p.stem}.pdf"
                if made.is_file() and made.stat().st_size > 0:
                    os.replace(made, p.with_suffix(".pdf"))
                    out.append(p.with_suffix(".pdf"))
                else:
                    failed.append(p.name)
                    detail = (res.stderr or res.stdout).strip()[-300:]
    if failed:  # the others are in place: one bad file does not cost the batch
        raise DocumentError(f"PDF: LibreOffice did not convert {', '.join(failed)} ({detail})")
    return out
