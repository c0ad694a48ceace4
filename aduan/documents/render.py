"""Word documents: fill the office's docxtpl templates with a complaint's data.

``Documents.render(job)`` writes ``<documents>/<job.path>`` atomically and only
when the data or the template changed (a hash in a sidecar file next to it).
``Documents.check()`` renders every template with sample data and returns the
problems as text, for ``aduan check``. Complainant and staff text is untrusted:
it is autoescaped, stripped of XML-illegal characters, and templates run in a
Jinja sandbox.

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
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from docx.image.image import Image as DocxImage
from docx.opc.exceptions import OpcError
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from aduan.core import idfmt
from aduan.core.model import DOC_KEYS, DocumentJob
from aduan.errors import ConfigError, DocumentError
from aduan.support.crash import crashpoint

__all__ = ["REDACTED", "TEAM_DOCUMENTS", "TEMPLATES", "Documents", "convert_pdf", "sample_context"]

logger = logging.getLogger(__name__)

TEMPLATES = (
    "formulir_aduan",
    "lembar_disposisi",
    "rencana_tindak_lanjut",
    "laporan_pelaksanaan",
    "hasil_keputusan",
    "berita_acara",
    "formulir_penyaluran",
)
#: Documents that go to the team: the complainant's identity is withheld when
#: confidential (Perpres 76/2013).
TEAM_DOCUMENTS = frozenset({"lembar_disposisi", "rencana_tindak_lanjut", "hasil_keputusan"})
REDACTED = "(dirahasiakan)"
F_KEYS = DOC_KEYS  # the f.* keys a template may use (the engine fills every one)
# Keys that change every run without changing the document: kept out of the hash.
_VOLATILE = frozenset({"now"})
_NAME_RE = re.compile(r"^[a-z0-9_]+$")
# What a file that is not a usable .docx raises in python-docx / docxtpl
_BAD_DOCX = (OpcError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError)
# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F);
# lxml refuses them, and \a and \f would become paragraph / page breaks in docxtpl.
_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


# ------------------------------------------------------------ text helpers
def clean(value: Any) -> Any:
    """Strip XML-illegal characters from every string in a nested value."""
    if isinstance(value, str):
        return _ILLEGAL_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def _as_datetime(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def tanggal(value: Any) -> str:
    """``10 Januari 2024``; '-' for nothing, the text itself when it is no date."""
    d = _as_datetime(value)
    if d is None:
        return str(value) if value else "-"
    return idfmt.tanggal(d)


def hari(value: Any) -> str:
    """Indonesian weekday name (``Senin``), '' for nothing."""
    d = _as_datetime(value)
    return _HARI[d.weekday()] if d is not None else ""


def make_waktu(tz_label: str):
    """The ``waktu`` filter: ``Selasa, 10 Januari 2024 pukul 09.15 WIB``."""

    def waktu(value: Any) -> str:
        d = _as_datetime(value)
        if not isinstance(d, datetime):
            return tanggal(value)
        return idfmt.waktu(d, tz_label)

    return waktu


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
    """Renders DocumentJobs into .docx files under the documents folder."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.templates = settings.path(settings.templates)
        self.out = settings.path(settings.paths.documents)
        self._waktu = make_waktu(settings.tz_label)
        self.env = _Env(autoescape=True, undefined=StrictUndefined)
        self._patched: dict[str, str] = {}  # see _Template
        self.env.filters.update(tanggal=tanggal, waktu=self._waktu, hari=hari)
        self.logo = self._find_logo()
        self._forward_to, self._f_keys, self._columns = self._sop_facts()
        # ``documents.pdf`` is read defensively: older settings have no such section
        self.pdf = bool(getattr(getattr(settings, "documents", None), "pdf", False))
        self.lo_profile = settings.path(settings.paths.state) / "libreoffice"

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
            stale = [r for r in results if isinstance(r, Path) and _pdf_stale(r)]
            try:
                convert_pdf(stale, profile=self.lo_profile)
            except DocumentError as e:
                results = [e if isinstance(r, Path) and _pdf_stale(r) else r for r in results]
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
            target.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(target, lambda fh: self._fill(job.doc, template, ctx, fh))
            _atomic_write(sidecar, lambda fh: fh.write(digest.encode()))
            logger.info("%s: wrote %s", job.ticket, target)
        return target

    def to_pdf(self, docx_path: Path) -> Path:
        """The PDF next to a .docx, converted unless it is already newer."""
        if not _pdf_stale(docx_path):
            return docx_path.with_suffix(".pdf")
        return convert_pdf([docx_path], profile=self.lo_profile)[0]

    def check(self) -> list[str]:
        """Render every template with sample data; return problems as text."""
        problems: list[str] = []
        names = set(TEMPLATES) | set(self._forward_to)
        if self.templates.is_dir():
            names |= {p.stem for p in self.templates.glob("*.docx") if _NAME_RE.match(p.stem)}
        for name in sorted(names):
            path = self.templates / f"{name}.docx"
            if not path.is_file():
                problems.append(f"template {name}: file {path} not found")
                continue
            ctx = self.prepare(
                DocumentJob("ADU/2026/11/0007", name, "", sample_context(self.settings))
            )
            try:
                unknown = sorted(self._undeclared(name, path) - set(ctx) - {"logo"})
                if unknown:
                    problems.append(f"template {name}: unknown tag {', '.join(unknown)}")
                    continue
                self._fill(name, path, ctx, io.BytesIO())
            except DocumentError as e:
                problems.append(str(e))
        return problems

    def prepare(self, job: DocumentJob) -> dict[str, Any]:
        """The template context: the engine's, cleaned, with defaults and office data."""
        src = clean(dict(job.context))
        ctx: dict[str, Any] = {
            "ticket": job.ticket,
            "received": None,
            "channel": "",
            "name": "",
            "contact": "",
            "subject": "",
            "text": "",
            "attachments": "",
            "category": "",
            "fields": {},
            "confidential": False,
            "sop_name": "",
            "sop_number": "",
            "step": None,
            "outcome": None,
            "nomor": "",
            "source_message_id": "",
            "reply": {},
        }
        ctx.update(src)
        ctx["doc"] = job.doc
        # every key/column the SOP has is present, so a template may name any of them
        ctx["f"] = {k: "" for k in self._f_keys} | {
            k: _text(v) for k, v in (src.get("f") or {}).items()
        }
        ctx["fields"] = {k: "" for k in self._columns} | {
            k: _text(v) for k, v in (src.get("fields") or {}).items()
        }
        for k in (
            "ticket",
            "channel",
            "name",
            "contact",
            "subject",
            "text",
            "attachments",
            "category",
            "nomor",
        ):
            ctx[k] = _text(ctx[k])
        ctx["date"] = ctx.get("date") or ctx.get("received") or ctx.get("now")
        if ctx["confidential"] and job.doc in TEAM_DOCUMENTS:
            # withheld here, not only in the template: a restyled template may show any field
            ctx["name"] = ctx["contact"] = REDACTED
            if isinstance(ctx.get("reply"), dict) and ctx["reply"].get("from"):
                ctx["reply"] = {**ctx["reply"], "from": REDACTED}
        step = ctx.get("step") if isinstance(ctx.get("step"), dict) else None
        ctx["diteruskan_kepada"] = (
            src.get("diteruskan_kepada")
            or self._forward_to.get(job.doc)
            or (step or {}).get("role")
            or "-"
        )
        ctx["alasan"] = _text(src.get("alasan")) or (
            f"Materi aduan bukan merupakan kewenangan {self.settings.office.name}."
        )
        office = self.settings.office.model_dump()
        ctx["office"] = office
        ctx["office_contact"] = " · ".join(
            f"{label}{office[k]}"
            for label, k in (("Telp. ", "phone"), ("Email: ", "email"), ("Laman: ", "website"))
            if office[k]
        )
        return ctx

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

    def _fill(self, name: str, template: Path, ctx: dict[str, Any], fh) -> None:
        """Render one template into a binary file object; errors name the template."""
        try:
            tpl = _Template(str(template))
            tpl.patched = self._patched
            logo = InlineImage(tpl, str(self.logo), width=Mm(20)) if self.logo else ""
            tpl.render({**ctx, "logo": logo}, jinja_env=self.env, autoescape=True)
            tpl.save(fh)
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

    def _undeclared(self, name: str, template: Path) -> set[str]:
        try:
            return DocxTemplate(str(template)).get_undeclared_template_variables(self.env)
        except TemplateSyntaxError as e:
            raise DocumentError(f"template {name}: broken tag ({e.message}){_near(e)}") from None
        except _BAD_DOCX as e:
            raise DocumentError(f"template {name}: not a usable .docx file ({e})") from None

    def _find_logo(self) -> Path | None:
        if not self.settings.office.logo:
            return None
        path = self.settings.path(self.settings.office.logo)
        try:
            DocxImage.from_file(str(path))
        except Exception as e:  # noqa: BLE001 - any unreadable image means: no logo
            logger.warning("office.logo %s unusable (%s); documents have no logo", path, e)
            return None
        return path

    def _sop_facts(self) -> tuple[dict[str, str], list[str], list[str]]:
        """From the SOP: document -> role label of the step it leads to
        (``Diteruskan kepada``), the ``f`` keys and the staff column names."""
        try:
            sop = self.settings.load_sop()
        except Exception as e:  # noqa: BLE001 - settings were checked at load; degrade
            logger.warning("SOP unreadable for documents (%s)", e)
            return {}, list(F_KEYS), []
        out: dict[str, str] = {}
        for step in sop.steps:
            for t in step.transitions:
                for d in t.documents:
                    if t.to != "close" and sop.has_step(t.to):
                        out.setdefault(d, sop.role_label(sop.step(t.to).role))
                    else:
                        out.setdefault(d, "")
        keys = list(dict.fromkeys([*F_KEYS, *sop.field_keys()]))
        return out, keys, [c.name for c in sop.staff_columns()]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _near(e: TemplateError) -> str:
    """The paragraph text around a Jinja error (docxtpl puts it on the exception)."""
    lines = [s.strip() for s in getattr(e, "docx_context", None) or [] if s.strip()]
    return f" near «{' | '.join(lines)[:160]}»" if lines else ""


def _pdf_stale(docx_path: Path) -> bool:
    pdf = docx_path.with_suffix(".pdf")
    try:
        return pdf.stat().st_mtime_ns < docx_path.stat().st_mtime_ns
    except FileNotFoundError:
        return True


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _atomic_write(target: Path, write) -> None:
    """Write through a temp file in the same folder, then rename over the target."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        crashpoint("mid_document")  # the temp file is complete, the target not yet there
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def require_templates(settings, sop) -> None:
    """ConfigError when a document the SOP outputs has no template: found at the
    start of a run, not on the day a complaint first reaches that step."""
    folder = settings.path(settings.templates)
    missing = [d for d in sop.documents() if not (folder / f"{d}.docx").is_file()]
    if missing:
        raise ConfigError(
            f"no template for document(s) {', '.join(missing)} of SOP {sop.id} in {folder}",
            file=settings.file or None,
            key="templates",
            fix=f"put {missing[0]}.docx in that folder (from the repo's templates/) "
            "or correct the SOP's documents",
        )


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


def sample_context(settings, now: datetime | None = None) -> dict[str, Any]:
    """A realistic engine context for checks, previews and benchmarks."""
    tz = settings.tz
    now = now or datetime(2026, 11, 24, 10, 30, tzinfo=tz)
    received = now - timedelta(hours=2, minutes=5)
    text = (
        "Selamat pagi. Saluran air di depan rumah kami di RT 03/RW 05 tersumbat sejak "
        "hujan deras hari Senin, sehingga air meluap ke jalan dan masuk ke rumah warga.\n"
        "Mohon segera ditindaklanjuti. Terima kasih."
    )
    return {
        "ticket": "ADU/2026/11/0007",
        "received": received,
        "channel": "Email",
        "name": "Siti Rahayu",
        "contact": "siti.rahayu@example.com",
        "subject": "Saluran air tersumbat di RT 03/RW 05",
        "text": text,
        "attachments": "foto-saluran.jpg",
        "category": "Infrastruktur",
        "fields": {"Kategori": "Infrastruktur", "Catatan": "Pengadu dapat dihubungi pagi hari."},
        "f": {
            "disposisi": "Tim segera meninjau lokasi dan berkoordinasi dengan kelurahan.",
            "rencana": "Peninjauan lokasi hari Rabu pukul 09.00; pembersihan saluran bersama warga.",
            "hasil": "Saluran telah dibersihkan pada 25 November 2026 dan air kembali mengalir.",
            "keputusan": "Aduan diterima dan diselesaikan dengan pembersihan saluran.",
            "laporan": "Kegiatan pembersihan selesai; dokumentasi terlampir.",
            "instansi_tujuan": "Dinas Pekerjaan Umum dan Penataan Ruang",
            "kewenangan": "Kewenangan Dinas",
        },
        "confidential": False,
        "sop_name": "SOP Pengaduan",
        "sop_number": "SOP/001/2024",
        "step": {
            "id": "disposisi",
            "number": 3,
            "label": "Mendisposisi",
            "role": "Kepala Dinas",
            "role_id": "kepala",
            "output": "Lembar disposisi",
            "requirements": "",
            "standard_minutes": 10,
            "allowance": "10 menit",
            "started": now,
            "deadline": now + timedelta(minutes=10),
        },
        "outcome": None,
        "now": now,
        "date": now,
        "nomor": "007/ADU/2026",
        "source_message_id": "<contoh@example.com>",
    }
