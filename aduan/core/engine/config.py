"""What the engine is told about the office, and what it decides: plain typed values."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import tzinfo

from aduan.core.agency import Agency
from aduan.core.handoff import HandoffKeys
from aduan.core.layout import Layout
from aduan.core.model import Attachment, DocumentJob, Notification, WriteSet
from aduan.core.replies import ReplyKeys
from aduan.core.service import ServiceStandard
from aduan.core.sop import Sop
from aduan.core.worktime import WorkCalendar

__all__ = [
    "ADMIN_ROLE",
    "AGENCY_ROLE",
    "ORIGIN_ROLE",
    "DOC_CODES",
    "Decision",
    "EngineConfig",
    "MAX_TEXT",
    "OUTCOME_LABELS",
    "PUBLIC_DOCS",
]

DOC_CODES = {
    "formulir_aduan": "FA",
    "lembar_disposisi": "LD",
    "rencana_tindak_lanjut": "RTL",
    "laporan_pelaksanaan": "LP",
    "hasil_keputusan": "HK",
    "berita_acara": "BA",
    "formulir_penyaluran": "FP",
    "formulir_penerimaan": "FPP",  # issue 22
}
OUTCOME_LABELS = {
    "terlayani_langsung": "Selesai (dijawab langsung)",
    "ditindaklanjuti": "Selesai (ditindaklanjuti)",
    "disalurkan": "Disalurkan (bukan kewenangan)",
    "tidak_dilengkapi": "Ditutup — tidak dilengkapi",  # issue 20: core.service.NOT_COMPLETED
}
#: the pseudo-role of whoever keeps the settings (``admin`` addresses, else the head):
#: told when a bounce names a staff address to fix (issue 17)
ADMIN_ROLE = "Pengelola Aduan"
#: documents that may go to the complainant; the others are internal to the office
PUBLIC_DOCS = ("berita_acara", "formulir_penyaluran")
#: issue 16: the pseudo-role of a forwarding email: the agency's own address
AGENCY_ROLE = "instansi"
#: issue 19: the origin office of a handed-off complaint (its status mails go there)
ORIGIN_ROLE = "kantor_asal"
MAX_TEXT = 30_000  # a Sheets cell holds 50,000 characters, an xlsx cell 32,767


@dataclass
class EngineConfig:
    """What the engine needs to know about the office (aduan.run.wiring.engine_config
    builds it from the settings)."""

    sop: Sop
    layout: Layout
    calendar: WorkCalendar
    tz: tzinfo
    tz_label: str = "WIB"
    ticket_format: str = "ADU/{year}/{month:02d}/{seq:04d}"
    document_number_format: str = "{seq:03d}/{doc}/{office}/{year}"
    #: the buku agenda number (Nomor agenda), per year like the document numbers
    agenda_number_format: str = "{seq:04d}/{year}"
    office_code: str = ""
    #: the ladder: (multiple of the step's allowance, who is told) per rung
    escalation: list[tuple[float, list[str]]] = field(
        default_factory=lambda: [(1, ["assignee"]), (2, ["assignee", "superior"]), (3, ["head"])]
    )
    confidential_default: bool = False
    ack_limit_per_day: int = 5
    mail_domain: str = "aduan.invalid"
    attachments_prefix: str = ""
    #: the original email is kept as email-asli.eml only up to this size (limits.message_mb)
    max_original_bytes: int = 25 * 1024 * 1024
    #: role -> its configured addresses (who may decide a step by email reply)
    role_addresses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the HMAC key(s) of reply tokens; None when decisions by reply are off
    reply_keys: ReplyKeys | None = None
    #: the inbox address whose plus-addresses (aduan+<token>@...) carry the tokens
    reply_address: str = ""
    # -- issue 21: urgent complaints (aduan.core.urgency): staff mail at once, any hour
    urgent_categories: tuple[str, ...] = ()
    urgent_keywords: tuple[str, ...] = ()
    # -- issue 20: the service standards (overall deadline, waiting, SKM)
    service: ServiceStandard = field(default_factory=ServiceStandard)
    # -- issue 17: the register's own id for a register that has none yet (made by the
    # run layer; adopted once, then read from the register's meta): Message-IDs per register
    register_id: str = ""
    #: acknowledgements per sender domain per hour for domains that send system mail
    ack_limit_per_domain_per_hour: int = 10
    # -- issue 16: the agencies complaints outside the office's authority go to
    agencies: tuple[Agency, ...] = ()
    # -- issue 19: hand-offs between offices that both run Aduan (aduan.core.handoff)
    #: this office's id (settings office.id), its name as other offices show it, and
    #: the address their status mails come back to
    office_id: str = ""
    office_name: str = ""
    office_address: str = ""
    #: the keys shared with other offices; None or empty: no signed hand-offs
    handoff_keys: HandoffKeys | None = None


@dataclass
class Decision:
    """Everything one cycle must do, in the order the cycle does it."""

    writes: WriteSet = field(default_factory=WriteSet)
    notifications: list[Notification] = field(default_factory=list)
    documents: list[DocumentJob] = field(default_factory=list)
    #: attachments to save: (folder relative to the attachments root, attachments)
    attachments: list[tuple[str, list[Attachment]]] = field(default_factory=list)
    #: inbox keys to mark processed once the register write succeeded
    consumed: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    #: things a person must look at (the run exits 1): e.g. an open complaint's row vanished
    problems: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
