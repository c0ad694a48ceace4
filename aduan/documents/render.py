"""Word documents: fill the office's docxtpl templates with a complaint's data.

``Documents.render(job)`` writes ``<documents>/<job.path>`` atomically and only
when the data or the template changed (a hash in a sidecar file next to it).
``Documents.check()`` renders every template with sample data and returns the
problems as text, for ``aduan check``. Complainant and staff text is untrusted:
it is autoescaped, stripped of XML-illegal characters (:mod:`.context`, which
builds what a template sees), and templates run in a Jinja sandbox. PDFs:
:mod:`.pdf`; the monthly recap report: :mod:`.recap`.

Tags a template may use (each written in one run; see scripts/make_templates.py):
``ticket received channel name contact subject text attachments category nomor
date confidential sop_name sop_number step outcome`` — ``f.<key>`` (decision
columns: disposisi, rencana, hasil, keputusan, laporan, instansi_tujuan, ...),
``fields['<Kolom>']`` (every staff column), ``office.*`` (settings: government,
name, address, city, phone, email, website, head.name/title/rank/nip),
``office_contact``, ``logo``, ``diteruskan_kepada``, ``alasan``; filters
``tanggal`` (10 Januari 2024), ``waktu`` (Selasa, 10 Januari 2024 pukul 09.15
WIB), ``hari`` (Selasa).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import shutil
import zipfile
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path, PurePosixPath
from typing import IO, Any

from docx.image.image import Image as DocxImage
from docx.opc.exceptions import OpcError
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from aduan.config import DocumentsCfg, Office
from aduan.core.engine.config import PUBLIC_DOCS
from aduan.core.model import DocumentJob
from aduan.core.sop import Sop
from aduan.documents.context import (
    SopFacts,
    build_context,
    hari,
    make_waktu,
    sample_context,
    tanggal,
)
from aduan.documents.pdf import convert_pdf, pdf_stale
from aduan.errors import ConfigError, DocumentError
from aduan.support.atomic import atomic_path, write_atomic
from aduan.support.crash import crashpoint

__all__ = ["TEMPLATES", "Documents", "require_templates"]

logger = logging.getLogger(__name__)

TEMPLATES = (
    "formulir_aduan",
    "lembar_disposisi",
    "rencana_tindak_lanjut",
    "laporan_pelaksanaan",
    "hasil_keputusan",
    "berita_acara",
    "formulir_penyaluran",
    "formulir_penerimaan",  # issue 22: the receipt for a complaint staff typed in
)
# Keys that change every run without changing the document: kept out of the hash.
_VOLATILE = frozenset({"now"})
_NAME_RE = re.compile(r"^[a-z0-9_]+$")
# What a file that is not a usable .docx raises in python-docx / docxtpl
_BAD_DOCX = (OpcError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError)


# --------------------------------------------------------------- renderer
class _Env(SandboxedEnvironment):
    """Compiles each distinct template source once. docxtpl hands every XML part
    of every document to ``from_string`` again; with 500 documents in one cycle
    the Jinja compile was 40% of the rendering time."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 (jinja's name)
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        tpl = self._compiled.get(source)
        if tpl is None:
            tpl = self._compiled[source] = super().from_string(source)
        return tpl


class _Template(DocxTemplate):
    """docxtpl's XML clean-up (a dozen regexes over each part) done once per
    distinct part: it is a pure function of the part's XML."""

    patched: dict[str, str] = {}

    def patch_xml(self, src_xml):
        out = self.patched.get(src_xml)
        if out is None:
            out = self.patched[src_xml] = super().patch_xml(src_xml)
        return out


class Documents:
    """Renders DocumentJobs into .docx files under the documents folder.

    Opened by the run layer (:func:`aduan.run.wiring.open_documents`) with the
    values it needs, paths already resolved; ``sop`` None means documents know no
    SOP facts (no ``Diteruskan kepada``, only the standard ``f`` keys)."""

    def __init__(
        self,
        conf: DocumentsCfg,
        office: Office,
        *,
        templates: Path,
        out: Path,
        state: Path,
        logo: Path | None,
        tz: tzinfo,
        tz_label: str,
        sop: Sop | None,
        urgent: tuple[str, ...] = (),
    ) -> None:
        self.office = office
        self.templates = templates
        self.out = out
        self.tz = tz
        self.tz_label = tz_label
        self.env = _Env(autoescape=True, undefined=StrictUndefined)
        self._patched: dict[str, str] = {}  # see _Template
        self.env.filters.update(tanggal=tanggal, waktu=make_waktu(tz_label), hari=hari)
        self.logo = _usable_logo(logo)
        self.facts = SopFacts.of(sop) if sop is not None else SopFacts()
        self.pdf = conf.pdf
        self.docs_conf = conf
        #: categories marked *Segera* on the lembar disposisi (settings ``urgent.categories``)
        self.urgent = urgent
        self.lo_profile = state / "libreoffice"

    # ---------------------------------------------------------- public
    def render(self, job: DocumentJob) -> Path:
        """Write the document (unless unchanged), and its PDF if on; return the .docx path."""
        target = self._render_docx(job)
        if self.pdf:
            self.to_pdf(target)
        return target

    def render_many(self, jobs: list[DocumentJob]) -> list[Path | DocumentError]:
        """Render several documents, each result a path or the error that stopped it.

        PDFs (when on) are converted in one LibreOffice run for all: starting
        LibreOffice costs about two seconds, converting one more page a tenth.
        """
        results: list[Path | DocumentError] = []
        for job in jobs:
            try:
                results.append(self._render_docx(job))
            except DocumentError as e:
                results.append(e)
        if self.pdf:
            stale = [r for r in results if isinstance(r, Path) and pdf_stale(r)]
            try:
                convert_pdf(stale, profile=self.lo_profile)
            except DocumentError as e:
                results = [e if isinstance(r, Path) and pdf_stale(r) else r for r in results]
        elif shutil.which("soffice") or shutil.which("libreoffice"):
            # issue 16: what a citizen gets goes as PDF wherever LibreOffice is present
            # (else the .docx); a failed conversion leaves the .docx to be attached
            public = [
                r
                for job, r in zip(jobs, results, strict=True)
                if isinstance(r, Path) and job.doc in PUBLIC_DOCS and pdf_stale(r)
            ]
            try:
                if public:
                    convert_pdf(public, profile=self.lo_profile)
            except DocumentError as e:
                logger.warning("PDF untuk pengadu tidak dibuat (lampiran .docx): %s", e)
        return results

    def _render_docx(self, job: DocumentJob) -> Path:
        target = self._target(job.path)
        template = self._template(job.doc)
        ctx = self.prepare(job)
        digest = self._digest(ctx, template)
        sidecar = target.with_name(f".{target.name}.sha256")
        if target.exists() and _read(sidecar) == digest:
            logger.debug("%s unchanged, kept %s", job.doc, target)
        else:
            with atomic_path(target) as tmp:
                self.fill(job.doc, template, ctx, tmp)
                crashpoint("mid_document")  # the temp file is complete, the target not yet there
            write_atomic(sidecar, digest)
            logger.info("%s: wrote %s", job.ticket, target)
        return target

    def to_pdf(self, docx_path: Path) -> Path:
        """The PDF next to a .docx, converted unless it is already newer."""
        if not pdf_stale(docx_path):
            return docx_path.with_suffix(".pdf")
        return convert_pdf([docx_path], profile=self.lo_profile)[0]

    def check(self) -> list[str]:
        """Render every template with sample data; return problems as text."""
        problems: list[str] = []
        names = set(TEMPLATES) | set(self.facts.forward_to)
        if self.templates.is_dir():
            names |= {p.stem for p in self.templates.glob("*.docx") if _NAME_RE.match(p.stem)}
        for name in sorted(names):
            path = self.templates / f"{name}.docx"
            if not path.is_file():
                problems.append(f"template {name}: file {path} not found")
                continue
            ctx = self.prepare(DocumentJob("ADU/2026/11/0007", name, "", sample_context(self.tz)))
            try:
                unknown = sorted(self._undeclared(name, path) - set(ctx) - {"logo"})
                if unknown:
                    problems.append(f"template {name}: unknown tag {', '.join(unknown)}")
                    continue
                self.fill(name, path, ctx, io.BytesIO())
            except DocumentError as e:
                problems.append(str(e))
        return problems

    def prepare(self, job: DocumentJob) -> dict[str, Any]:
        """The template context: the engine's, cleaned, with defaults and office data."""
        return build_context(job, self.facts, self.office, self.docs_conf, urgent=self.urgent)

    def fill(
        self,
        name: str,
        template: Path,
        ctx: dict[str, Any],
        out: Path | IO[bytes],
        *,
        images: Mapping[str, tuple[bytes, int]] | None = None,
    ) -> None:
        """Render one template into a path or binary file; errors name the template.

        ``images``: tag -> (PNG, width in mm), e.g. the recap's charts; ``logo``
        is always there (the office logo, or empty)."""
        try:
            tpl = _Template(str(template))
            tpl.patched = self._patched
            pics: dict[str, Any] = {
                "logo": InlineImage(tpl, str(self.logo), width=Mm(20)) if self.logo else ""
            }
            for tag, (png, width) in (images or {}).items():
                pics[tag] = InlineImage(tpl, io.BytesIO(png), width=Mm(width))
            tpl.render({**ctx, **pics}, jinja_env=self.env, autoescape=True)
            tpl.save(out)
        except TemplateSyntaxError as e:
            raise DocumentError(f"template {name}: broken tag ({e.message}){_near(e)}") from None
        except UndefinedError as e:
            raise DocumentError(f"template {name}: unknown tag ({e.message}){_near(e)}") from None
        except TemplateError as e:
            raise DocumentError(f"template {name}: broken tag ({e.message}){_near(e)}") from None
        except _BAD_DOCX as e:
            raise DocumentError(f"template {name}: not a usable .docx file ({e})") from None
        except (TypeError, AttributeError, ArithmeticError) as e:
            # a staff-edited tag can misuse a filter ({{ date|tanggal(3) }}): Python errors
            raise DocumentError(f"template {name}: broken tag ({type(e).__name__}: {e})") from None

    # --------------------------------------------------------- helpers
    def _target(self, rel: str) -> Path:
        p = PurePosixPath(rel or "")
        if (
            not rel
            or "\x00" in rel
            or "\\" in rel
            or p.is_absolute()
            or ".." in p.parts
            or p.suffix.lower() != ".docx"
        ):
            raise DocumentError(f"unsafe document path {rel!r}")
        target = self.out / p
        if not target.resolve().is_relative_to(self.out.resolve()):
            raise DocumentError(f"document path {rel!r} leaves {self.out}")
        return target

    def _template(self, name: str) -> Path:
        path = self.templates / f"{name}.docx"
        if not _NAME_RE.match(name or "") or not path.is_file():
            raise DocumentError(f"template {name}: file {path} not found")
        return path

    def _digest(self, ctx: dict[str, Any], template: Path) -> str:
        h = hashlib.sha256()
        data = {k: v for k, v in ctx.items() if k not in _VOLATILE}
        h.update(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(hashlib.sha256(template.read_bytes()).digest())
        if self.logo:
            h.update(hashlib.sha256(self.logo.read_bytes()).digest())
        return h.hexdigest()

    def _undeclared(self, name: str, template: Path) -> set[str]:
        try:
            return DocxTemplate(str(template)).get_undeclared_template_variables(self.env)
        except TemplateSyntaxError as e:
            raise DocumentError(f"template {name}: broken tag ({e.message}){_near(e)}") from None
        except _BAD_DOCX as e:
            raise DocumentError(f"template {name}: not a usable .docx file ({e})") from None


def _usable_logo(path: Path | None) -> Path | None:
    """The office logo when python-docx can read it; a bad one costs the logo, not the run."""
    if path is None:
        return None
    try:
        DocxImage.from_file(str(path))
    except Exception as e:  # noqa: BLE001 - any unreadable image means: no logo
        logger.warning("office.logo %s unusable (%s); documents have no logo", path, e)
        return None
    return path


def _near(e: TemplateError) -> str:
    """The paragraph text around a Jinja error (docxtpl puts it on the exception)."""
    lines = [s.strip() for s in getattr(e, "docx_context", None) or [] if s.strip()]
    return f" near «{' | '.join(lines)[:160]}»" if lines else ""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def require_templates(folder: Path, sop: Sop, *, settings_file: str = "") -> None:
    """ConfigError when a document the SOP outputs has no template in ``folder``: found
    at the start of a run, not on the day a complaint first reaches that step."""
    missing = [d for d in sop.documents() if not (folder / f"{d}.docx").is_file()]
    if missing:
        raise ConfigError(
            f"no template for document(s) {', '.join(missing)} of SOP {sop.id} in {folder}",
            file=settings_file or None,
            key="templates",
            fix=f"put {missing[0]}.docx in that folder (from the repo's templates/) "
            "or correct the SOP's documents",
        )
