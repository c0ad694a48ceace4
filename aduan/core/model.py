"""Plain data passed between the modules: what the inbox yields, what the register
holds, what the engine decides. No I/O here, so the engine can import it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "Attachment",
    "DocumentJob",
    "InboundMail",
    "Notification",
    "RawMessage",
    "Row",
    "RowUpdate",
    "Snapshot",
    "WriteSet",
    "row_fingerprint",
    "template_defaults",
    "DOC_KEYS",
]

#: The template keys of decision columns (an SOP column's ``key:``): documents and
#: emails use ``f.<key>``; the engine fills every one ("" where the SOP has none).
DOC_KEYS = (
    "disposisi",
    "rencana",
    "hasil",
    "keputusan",
    "laporan",
    "tanggapan",
    "instansi_tujuan",
    "kewenangan",
    "perlu_tindak_lanjut",
    "diteruskan",
)


def template_defaults() -> dict[str, Any]:
    """Every key an email or document template may use, at its empty value, so a
    context the engine leaves short still renders. A fresh dict each call."""
    return {
        "ticket": "",
        "received": None,
        "channel": "",
        "name": "",
        "contact": "",
        "subject": "",
        "text": "",
        "attachments": "",
        "category": "",
        "fields": {},
        "f": {},
        "confidential": False,
        "sop_name": "",
        "sop_number": "",
        "step": None,
        "steps_ahead": [],
        "outcome": None,
        "rung": 0,
        "late_minutes": 0,
        "reply": {"from": "", "subject": "", "text": "", "date": None},
        "now": None,
        "source_message_id": "",
        "doc": "",
        "nomor": "",
        "agenda": "",
        "date": None,
        "failed_kind": "",
        "decision": {
            "from": "",
            "subject": "",
            "text": "",
            "date": None,
            "command": "",
            "values": {},
        },
        "refusal": "",
        "reply_to": "",
        "reply_token": "",
        "reply_tag": "",
        "reply_commands": [],
        "person": "",
        "items": [],
        "late_count": 0,
        # -- issue 21: the ladder's wording, urgent complaints, the register's link
        "late_role": "",
        "informed": [],
        "urgent": False,
        "emergency_number": "",
        "register_link": "",
        "register_is_file": False,
        "own": [],
        "others": [],
        # -- issue 16: the text a protected role reads (Isi untuk Tim), phone relays
        "team_text": "",
        "relay": {},
        # issue 16: the answer to the complainant, what they will hear, a progress notice
        "answer": "",
        "promises": [],
        "progress_text": "",
        "agency": {"name": "", "email": "", "phone": ""},
        # -- issue 19: the office that handed the complaint over; a status from or to it
        "origin": {"id": "", "name": "", "address": "", "ticket": ""},
        "handoff_status": {"status": "", "tiket": "", "tiket_asal": "", "hasil": "", "jawaban": ""},
        # -- issue 20: the service standard (aduan.core.service.service_context), the
        # SKM question on closing, waiting for the complainant, a rating, the deadline rung
        "service": {
            "kind": "",
            "days": 0,
            "first_days": 0,
            "due": None,
            "first_due": None,
            "waiting": False,
            "missing": "",
        },
        "skm": {},  # {"question": ...} on the mails that close a complaint
        "waiting_text": "",
        "resumed": "",  # what the complainant was asked for, when their reply resumed
        "rating": {"value": 0, "label": "", "comment": ""},
        "service_rung": 0,
        # -- issue 17: a bounce that names staff addresses ([{"role", "address"}]), the
        # addresses not to tell, the register's own id (its part of every Message-ID)
        "failed_staff": [],
        "failed_addresses": [],
        "register_id": "",
    }


# ---------------------------------------------------------------- inbox side
@dataclass(frozen=True)
class RawMessage:
    """One message as the inbox holds it: a source-specific key and its bytes."""

    key: str
    data: bytes
    #: when the mail server received it (IMAP INTERNALDATE, Maildir delivery time)
    received: datetime | None = None


@dataclass(frozen=True)
class Attachment:
    """A MIME part kept from an email. ``filename`` is already sanitised."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class InboundMail:
    """An email parsed by :func:`aduan.inbox.parse.parse_message`.

    ``kind`` is ``complaint`` for mail a person wrote, or ``auto_reply``,
    ``bounce`` (failed), ``delay`` (still being retried), ``delivered`` (a success
    notice), ``feedback`` (an abuse report), ``list``, ``own`` (our own address:
    loop guard) for mail that must never become a complaint nor be answered
    (:mod:`aduan.core.mailkind`); a bounce or delay lists its recipients in
    ``problems`` as ``failed: ADDR`` / ``delayed: ADDR``; or ``unparseable`` (the
    cycle quarantines it); ``reason`` says why it was classified so.
    ``channel`` is how it came (Email, or Formulir Online for a web form
    response) and ``fields`` carries extra register values a source knows
    (e.g. a form's NIK or location), by register header.
    """

    source_key: str
    message_id: str
    from_addr: str
    from_name: str
    subject: str
    date: datetime | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    kind: str = "complaint"
    reason: str = ""
    skipped_parts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    raw: bytes = b""
    channel: str = "Email"
    fields: dict[str, str] = field(default_factory=dict)
    #: every Authentication-Results header the receiving servers added, one a line
    #: (a role's decision by reply is refused on a DKIM/SPF/DMARC fail)
    auth_results: str = ""
    #: the addresses in To, Cc, Delivered-To and X-Original-To, lower case (a
    #: role's reply carries its token in the plus-address it was sent to)
    recipients: list[str] = field(default_factory=list)
    #: when our mail server received it (RawMessage.received; a form's timestamp):
    #: a decision by reply and a complaint's *Diterima* count from it (issue 21)
    received: datetime | None = None
    #: issue 19: the X-Aduan-Penyaluran header and its signature, when present
    #: (aduan.core.handoff judges them; a header alone proves nothing)
    handoff: str = ""
    handoff_sig: str = ""


# ------------------------------------------------------------- register side
@dataclass
class Row:
    """One data row of the register as read: its 0-based position below the
    header row at read time, and its cells by header name (always strings)."""

    index: int
    values: dict[str, str]

    def get(self, header: str) -> str:
        return (self.values.get(header) or "").strip()


@dataclass
class Snapshot:
    """Everything one cycle reads from the register, in one read.

    ``extra`` holds the raw rows (header row first, cells as text) of other tabs
    the backend was asked to read in the same request, e.g. an online form's
    responses tab (:mod:`aduan.inbox.forms`); a backend that cannot leaves it empty."""

    headers: list[str]
    rows: list[Row]
    meta: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    extra: dict[str, list[list[str]]] = field(default_factory=dict)


def row_fingerprint(values: dict[str, str]) -> str:
    """A short stable hash of a row's non-empty cells (locates ticketless rows)."""
    items = sorted((k, v.strip()) for k, v in values.items() if v and v.strip())
    h = hashlib.sha256(repr(items).encode("utf-8")).hexdigest()
    return h[:16]


@dataclass
class RowUpdate:
    """System-column values for one row.

    A row with a ticket is found by its ticket number at write time, wherever
    staff moved it. A row staff typed in (no ticket yet) is found by its
    read-time ``index`` when its ``fingerprint`` still matches, else by
    searching the ticketless rows for the fingerprint; if it is gone or edited
    meanwhile the update is skipped and the next cycle sees the row again.
    """

    values: dict[str, str]
    ticket: str | None = None
    index: int | None = None
    fingerprint: str | None = None
    #: staff-column values Aduan writes on a person's behalf (a decision by email
    #: reply): written only into cells that are still empty, never over staff input
    staff: dict[str, str] = field(default_factory=dict)


@dataclass
class WriteSet:
    """All register changes of one cycle: applied in one write where possible."""

    updates: list[RowUpdate] = field(default_factory=list)
    appends: list[dict[str, str]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.updates or self.appends or self.history or self.meta)


# --------------------------------------------------------------- engine side
@dataclass
class Notification:
    """An email the engine wants sent.

    ``key`` is the idempotency key ``ticket|step|kind|n``: the same decision
    always yields the same key, hence the same Message-ID.
    """

    key: str
    kind: str
    ticket: str
    step_id: str | None
    to_roles: tuple[str, ...] = ()
    to_complainant: bool = False
    not_before: datetime | None = None
    attachments: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class DocumentJob:
    """A document to render: template name, target path (relative to the
    documents folder) and the data to fill it with."""

    ticket: str
    doc: str
    path: str
    context: dict[str, Any] = field(default_factory=dict)
