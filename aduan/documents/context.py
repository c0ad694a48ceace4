"""What a document template sees: the cleaned context, the SOP's facts, the date filters.

Complainant and staff text is untrusted: every string is stripped of XML-illegal
characters here (autoescaping and the Jinja sandbox are the renderer's part).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from aduan.config import DocumentsCfg, Office, Official
from aduan.core import idfmt, naskah
from aduan.core.model import DOC_KEYS, DocumentJob, template_defaults
from aduan.core.privacy import PLACEHOLDER as REDACTED
from aduan.core.privacy import protect_context
from aduan.core.sop import Sop

__all__ = [
    "REDACTED",
    "TEAM_DOCUMENTS",
    "SopFacts",
    "build_context",
    "clean",
    "hari",
    "make_waktu",
    "sample_context",
    "tanggal",
]

#: Documents the team (or another agency) reads: redacted when the complaint is
#: confidential (Perpres 76/2013); the complainant's own forms keep the identity.
TEAM_DOCUMENTS = frozenset(
    {
        "lembar_disposisi",
        "rencana_tindak_lanjut",
        "hasil_keputusan",
        "laporan_pelaksanaan",
        "formulir_penyaluran",
    }
)
# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F);
# lxml refuses them, and \a and \f would become paragraph / page breaks in docxtpl.
_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Context keys shown as text whatever the engine put there (None -> "").
_TEXT_KEYS = (
    "ticket",
    "channel",
    "name",
    "contact",
    "subject",
    "text",
    "attachments",
    "category",
    "nomor",
)


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
    return idfmt.HARI[d.weekday()] if d is not None else ""


def make_waktu(tz_label: str) -> Callable[[Any], str]:
    """The ``waktu`` filter: ``Selasa, 10 Januari 2024 pukul 09.15 WIB``."""

    def waktu(value: Any) -> str:
        d = _as_datetime(value)
        if not isinstance(d, datetime):
            return tanggal(value)
        return idfmt.waktu(d, tz_label)

    return waktu


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# ------------------------------------------------------------ the SOP's part
@dataclass(frozen=True)
class SopFacts:
    """What documents take from the SOP: document -> role label of the step it
    leads to (``Diteruskan kepada``), the ``f`` keys and the staff column names."""

    forward_to: dict[str, str] = field(default_factory=dict)
    f_keys: tuple[str, ...] = DOC_KEYS
    columns: tuple[str, ...] = ()
    #: the positions a lembar disposisi lists under *Diteruskan kepada* (every role
    #: but the head, who gives the disposition), and the petugas' and team's labels
    positions: tuple[str, ...] = ()
    petugas: str = "Petugas"
    team: str = "Tim"

    @classmethod
    def of(cls, sop: Sop) -> SopFacts:
        out: dict[str, str] = {}
        for step in sop.steps:
            for t in step.transitions:
                for d in t.documents:
                    if t.to != "close" and sop.has_step(t.to):
                        out.setdefault(d, sop.role_label(sop.step(t.to).role))
                    else:
                        out.setdefault(d, "")
        keys = tuple(dict.fromkeys([*DOC_KEYS, *sop.field_keys()]))
        positions = tuple(sop.role_label(r) for r in sop.roles if r != sop.head_role)
        team = next((sop.role_label(r) for r in sop.roles if r.startswith("tim")), "Tim")
        return cls(
            out,
            keys,
            tuple(c.name for c in sop.staff_columns()),
            positions,
            sop.role_label(sop.first.actor),
            team,
        )


# ------------------------------------------------------------ the context
def build_context(
    job: DocumentJob,
    facts: SopFacts,
    office: Office,
    conf: DocumentsCfg | None = None,
    *,
    urgent: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The template context: the engine's, cleaned, with defaults and office data."""
    src = clean(dict(job.context))
    # every key a template may use (the one list, shared with the emails)
    ctx: dict[str, Any] = {**template_defaults(), "ticket": job.ticket}
    ctx.update(src)
    ctx["doc"] = job.doc
    # every key/column the SOP has is present, so a template may name any of them
    ctx["f"] = {k: "" for k in facts.f_keys} | {
        k: _text(v) for k, v in (src.get("f") or {}).items()
    }
    ctx["fields"] = {k: "" for k in facts.columns} | {
        k: _text(v) for k, v in (src.get("fields") or {}).items()
    }
    for k in _TEXT_KEYS:
        ctx[k] = _text(ctx[k])
    ctx["date"] = ctx.get("date") or ctx.get("received") or ctx.get("now")
    if ctx["confidential"] and job.doc in TEAM_DOCUMENTS:
        # redacted here, not only in the template: a restyled template may show any
        # field; the text is Isi untuk Tim or the automatic redaction (issue 16)
        ctx = protect_context(ctx)
    step = ctx.get("step") if isinstance(ctx.get("step"), dict) else None
    ctx["diteruskan_kepada"] = (
        src.get("diteruskan_kepada")
        or facts.forward_to.get(job.doc)
        or (step or {}).get("role")
        or "-"
    )
    ctx["alasan"] = _text(src.get("alasan")) or (
        f"Materi aduan bukan merupakan kewenangan {office.name}."
    )
    data = office.model_dump()
    ctx["office"] = data
    form_facts(ctx, facts, office, conf or DocumentsCfg(), urgent)
    ctx["office_contact"] = " · ".join(
        f"{label}{data[k]}"
        for label, k in (("Telp. ", "phone"), ("Email: ", "email"), ("Laman: ", "website"))
        if data[k]
    )
    return ctx


def _signer(o: Official, title: str) -> dict[str, str]:
    """An official as a document signs: the settings' values, the role's title when
    the office set none, and dots to write the name on when it set no name."""
    return {
        "name": o.name or "(" + "." * 30 + ")",
        "title": o.title or title,
        "rank": o.rank,
        "nip": o.nip,
        "nip_line": f"NIP. {o.nip}" if o.nip else "NIP. " + "." * 24,
    }


def form_facts(
    ctx: dict[str, Any],
    facts: SopFacts,
    office: Office,
    conf: DocumentsCfg,
    urgent: tuple[str, ...] = (),
) -> None:
    """What the Tata Naskah Dinas forms show beyond the complaint's data (issue 22):
    the signers, the lembar disposisi's *Sifat*, *Diteruskan kepada* and *Dengan
    hormat harap* boxes, and the meeting minutes' parts."""
    ctx["sign"] = {
        "head": _signer(office.head, "Kepala"),
        "petugas": _signer(office.petugas, facts.petugas),
        "team_leader": _signer(office.team_leader, f"Ketua {facts.team}"),
    }
    f = ctx["f"]
    chosen = naskah.sifat(
        confidential=bool(ctx["confidential"]),
        category=ctx["category"] or ctx["fields"].get("Kategori", ""),
        urgent=urgent,
    )
    ctx["sifat"] = ", ".join(chosen)
    ctx["sifat_list"] = naskah.checklist(naskah.SIFAT, chosen)
    positions = list(facts.positions) or [ctx["diteruskan_kepada"]]
    if ctx["diteruskan_kepada"] not in positions and ctx["diteruskan_kepada"] != "-":
        positions.append(ctx["diteruskan_kepada"])
    ctx["diteruskan_list"] = naskah.checklist(positions, [ctx["diteruskan_kepada"]])
    ctx["harap"] = naskah.harap(f.get("disposisi", ""))
    ctx["harap_list"] = naskah.checklist([h for h, _ in naskah.HARAP], [ctx["harap"]])
    evidence = (
        f"Bukti pengaduan ({ctx['attachments']})" if ctx["attachments"] else "Bukti pengaduan"
    )
    ctx["diterima_list"] = naskah.checklist(
        ["Kartu identitas (KTP/KK)", evidence, "Surat pengaduan tertulis"],
        [evidence] if ctx["attachments"] else [],
    )
    when = ctx.get("date")
    rapat = naskah.minutes(f.get("rencana", "") or f.get("keputusan", ""))
    ctx["rapat"] = {
        "tanggal": tanggal(when),
        "waktu": rapat["waktu"] or (f"pukul {when:%H.%M}" if isinstance(when, datetime) else "-"),
        "tempat": rapat["tempat"] or conf.meeting_place or f"Ruang rapat {office.display}",
        "peserta": rapat["peserta"] or f"{facts.team}; {facts.petugas}",
        "keputusan": rapat["keputusan"] or "-",
        "pelaksana": rapat["pelaksana"] or facts.team,
        "batas": rapat["batas"] or _text(ctx.get("next_due_text")) or "-",
    }


def sample_context(tz: tzinfo, now: datetime | None = None) -> dict[str, Any]:
    """A realistic engine context for checks, previews and benchmarks."""
    now = now or datetime(2026, 11, 24, 10, 30, tzinfo=tz)
    received = now - timedelta(hours=2, minutes=5)
    text = (
        "Selamat pagi. Saluran air di depan rumah kami di RT 03/RW 05 tersumbat sejak "
        "hujan deras hari Senin, sehingga air meluap ke jalan dan masuk ke rumah warga.\n"
        "Mohon segera ditindaklanjuti. Terima kasih."
    )
    return {
        **template_defaults(),
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
        "steps_ahead": [
            {
                "number": 1,
                "label": "Menerima dan mencatat aduan",
                "role": "Petugas",
                "allowance": "5 menit",
            },
            {"number": 2, "label": "Mendisposisi", "role": "Kepala Dinas", "allowance": "10 menit"},
            {
                "number": 3,
                "label": "Rapat tim dan tindak lanjut",
                "role": "Tim",
                "allowance": "30 menit",
            },
        ],
        "outcome": None,
        "now": now,
        "date": now,
        "nomor": "007/LD/BPBD/2026",
        "agenda": "0007/2026",
        "source_message_id": "<contoh@example.com>",
    }
