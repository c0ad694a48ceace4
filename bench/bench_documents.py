"""Benchmark document generation: docxtpl render and LibreOffice PDF conversion.

Prints ``docx_render_ms: N ms`` (median per document: every template of both
seed offices, each rendered with new data so nothing is skipped as unchanged)
and ``pdf_convert_ms: N ms`` (median of one-document conversions, as a cycle
does them, LibreOffice start included) plus ``pdf_batch_ms_per_doc`` (all
documents in one LibreOffice run). Not a test.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from preview_documents import seed_settings  # noqa: E402

from aduan.core.model import DocumentJob  # noqa: E402
from aduan.documents.context import sample_context  # noqa: E402
from aduan.documents.pdf import convert_pdf  # noqa: E402
from aduan.documents.render import TEMPLATES  # noqa: E402
from aduan.run.wiring import open_documents  # noqa: E402

ROUNDS = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        times: list[float] = []
        made: list[Path] = []
        for settings in seed_settings(out).values():
            docs = open_documents(settings)
            for r in range(ROUNDS):
                for doc in TEMPLATES:
                    ctx = sample_context(settings.tz)
                    ctx["f"]["disposisi"] += f" (putaran {r})"  # new data: a real render
                    job = DocumentJob(ctx["ticket"], doc, f"{doc}.docx", ctx)
                    t0 = time.perf_counter()
                    made.append(docs.render(job))
                    times.append(time.perf_counter() - t0)
        print(f"docx_render_ms: {statistics.median(times) * 1000:.1f} ms")

        if not shutil.which("soffice"):
            print("pdf_convert_ms: n/a (LibreOffice not installed)")
            return
        profile = out / "lo-profile"
        docx_files = sorted(set(made))
        convert_pdf(docx_files[:1], profile=profile)  # first start creates the profile
        single = []
        for p in docx_files[:5]:
            t0 = time.perf_counter()
            convert_pdf([p], profile=profile)
            single.append(time.perf_counter() - t0)
        print(f"pdf_convert_ms: {statistics.median(single) * 1000:.0f} ms")
        t0 = time.perf_counter()
        convert_pdf(docx_files, profile=profile)
        per_doc = (time.perf_counter() - t0) / len(docx_files)
        print(f"pdf_batch_ms_per_doc: {per_doc * 1000:.0f} ms")


if __name__ == "__main__":
    main()
