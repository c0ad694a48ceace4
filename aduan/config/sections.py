"""The settings' sections: one typed model per edge and concern (office, inbox,
register, mail, documents, forms, replies, Google). Each edge is opened with its own."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aduan.config.secrets import ensure_key_file, resolve_secret
from aduan.core import service as _core_service
from aduan.core.handoff import HandoffKeys
from aduan.core.replies import ReplyKeys
from aduan.errors import ConfigError

__all__ = [
    "AUTO_KEY_FILE",
    "DocumentsCfg",
    "EscalationRung",
    "FORM_QUESTIONS",
    "FileMail",
    "FormsCfg",
    "GoogleCfg",
    "GoogleRegister",
    "HandoffCfg",
    "ImapInbox",
    "Limits",
    "MailIdentity",
    "MaildirInbox",
    "Office",
    "Official",
    "Paths",
    "RepliesCfg",
    "ServiceCfg",
    "SmtpMail",
    "UrgentCfg",
    "XlsxRegister",
]

_EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Official(_Strict):
    """The signing official (*pejabat penandatangan*) on documents."""

    name: str = ""
    title: str = ""
    rank: str = ""
    nip: str = ""


class Office(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    government: str = ""  # e.g. PEMERINTAH KABUPATEN KARANGANYAR
    name: str
    short_name: str = ""
    address: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    logo: str = ""
    #: issue 16: where a complainant may escalate (SP4N-LAPOR!), named in every answer
    lapor_url: str = "https://www.lapor.go.id"
    head: Official = Official()
    # -- issue 22: who signs which document (office-standards.md, "Numbering and signatures")
    #: the officer who receives complaints (formulir aduan, formulir penerimaan, berita acara)
    petugas: Official = Official()
    #: the leader of the complaint team (rencana tindak lanjut, laporan pelaksanaan)
    team_leader: Official = Official()

    @property
    def display(self) -> str:
        return self.short_name or self.name


class MaildirInbox(_Strict):
    type: Literal["maildir"] = "maildir"
    path: str


class ImapInbox(_Strict):
    type: Literal["imap"] = "imap"
    host: str
    port: int = 993
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    user: str
    password_env: str = ""
    password_file: str = ""
    oauth2_token_file: str = ""
    folder: str = "INBOX"
    processed_folder: str = ""
    quarantine_folder: str = "Aduan/Karantina"
    timeout_s: float = 30


class XlsxRegister(_Strict):
    type: Literal["xlsx"] = "xlsx"
    path: str
    # -- issue 19: a steady cycle skips the read while the file is as Aduan last saw it
    change_detection: bool = True
    # -- issue 18: yearly rotation: January's first cycle archives last year's closed ones
    archive_in_january: bool = False


class GoogleRegister(_Strict):
    type: Literal["google"] = "google"
    spreadsheet_id: str
    credentials_file: str = ""  # the service account's JSON key (outside the repo)
    credentials_env: str = ""  # or an env var holding that path or the JSON itself
    timeout_s: float = 60
    retries: int = Field(default=5, ge=1, le=10)  # attempts on 429/5xx, backing off
    # -- issue 18: yearly rotation (`aduan archive`): the spreadsheet the archive tabs go
    # to ("" = a new one made by Aduan), and whether January's first cycle moves last year
    archive_spreadsheet_id: str = ""
    archive_in_january: bool = False
    # -- issue 19: one Drive files.get tells whether the sheet changed since the last read
    change_detection: bool = True


class FileMail(_Strict):
    type: Literal["file"] = "file"
    outbox: str


class SmtpMail(_Strict):
    type: Literal["smtp"] = "smtp"
    host: str
    port: int = 465
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    user: str = ""
    password_env: str = ""
    password_file: str = ""
    oauth2_file: str = ""  # Google Workspace XOAUTH2 token file instead of a password
    ca_file: str = ""  # a relay signed by the office's own CA
    timeout_s: float = 30


class MailIdentity(_Strict):
    from_address: str
    from_name: str = "Layanan Pengaduan"
    reply_to: str = ""
    ack_limit_per_day: int = 5
    # -- issue 17: a backstop against loops the classifier misses: acknowledgements per
    # sender domain per hour, for domains that send null-sender or daemon mail
    ack_limit_per_domain_per_hour: int = Field(default=10, ge=1)

    @field_validator("from_address", "reply_to")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and not _EMAIL_RE.match(v):
            raise ValueError(f"{v!r} is not an email address")
        return v


class Limits(_Strict):
    attachment_mb: float = 10
    message_mb: float = 25


class Paths(_Strict):
    documents: str = "var/dokumen"
    attachments: str = "var/lampiran"
    state: str = "var/state"
    log: str = ""


class DocumentsCfg(_Strict):
    pdf: bool = False  # also make a PDF of each document (needs LibreOffice)
    # -- issue 22: the forms' facts an office sets
    #: where the team meets (rencana tindak lanjut); empty: the office's own meeting room
    meeting_place: str = ""


#: form field -> the question texts (as in the form, case and spacing ignored)
#: that fill it; ``timestamp`` is the column Google Forms adds first
FORM_QUESTIONS: dict[str, list[str]] = {
    "timestamp": ["Timestamp", "Stempel waktu", "Cap waktu", "Tanda waktu"],
    "nama": ["Nama Lengkap", "Nama", "Nama Pengadu"],
    "email": ["Alamat Email", "Email", "Email Address", "Alamat email Anda"],
    "telepon": ["Nomor HP/WhatsApp", "Nomor HP", "Nomor Telepon", "No. HP/WA"],
    "nik": ["NIK", "Nomor Induk Kependudukan (NIK)"],
    "alamat": ["Alamat Pengadu", "Alamat Rumah", "Alamat"],
    "lokasi": ["Lokasi Kejadian", "Lokasi"],
    "kategori": ["Kategori Aduan", "Kategori"],
    "perihal": ["Perihal", "Judul Aduan", "Perihal Aduan"],
    "isi": ["Isi Aduan", "Uraian Aduan", "Isi Pengaduan"],
    "rahasia": ["Rahasiakan Identitas", "Rahasiakan identitas saya"],
    "bukti": ["Bukti Pendukung", "Unggah Bukti", "Foto/Bukti"],
    "lainnya": [],  # the office's extra questions: answers go into Isi Aduan
}


class FormsCfg(_Strict):
    """An online complaint form (Google Form) whose responses land in a tab."""

    tab: str = ""  # the responses tab, e.g. "Form Responses 1"; empty: no form
    file: str = ""  # xlsx holding the tab (default: the xlsx register itself)
    spreadsheet_id: str = ""  # Google Sheet holding it (default: the register's)
    questions: dict[str, list[str]] = {}  # merged over FORM_QUESTIONS
    spam_limit: int = Field(default=20, ge=2)  # same text from one contact in a minute
    max_answer: int = Field(default=5000, ge=100)  # characters per answer (isi: 4x)
    since: date | None = None  # responses before this date are never registered

    @field_validator("questions", mode="before")
    @classmethod
    def _questions(cls, v: Any) -> dict[str, list[str]]:
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise ValueError("write it as field: question text (or a list of texts)")
        out = {}
        for k, q in v.items():
            if k not in FORM_QUESTIONS:
                raise ValueError(f"unknown form field {k!r}; use {', '.join(FORM_QUESTIONS)}")
            texts = [q] if isinstance(q, str) else q
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise ValueError(f"{k}: a question text or a list of texts")
            out[k] = [t for t in texts if t.strip()]
        return out

    def question_map(self) -> dict[str, list[str]]:
        """Field -> accepted question texts: the office's own texts replace the defaults."""
        return {**FORM_QUESTIONS, **self.questions}


class RepliesCfg(_Strict):
    """Decisions by reply: roles complete their step by answering the task email.

    The HMAC key that makes the per-ticket, per-step tokens comes from an
    environment variable or a file. To rotate it, move the old one to
    ``previous_key_*`` with ``previous_valid_until`` (last day its tokens count).
    """

    #: on by default (issue 21): with no key_env/key_file the key is made on first use
    #: in the state folder (``reply.key``, 0600), never in the repo
    enabled: bool = True
    key_env: str = ""
    key_file: str = ""
    previous_key_env: str = ""
    previous_key_file: str = ""
    previous_valid_until: date | None = None
    address: str = ""  # inbox address for aduan+<token>@...; default mail_identity.from_address

    @field_validator("address")
    @classmethod
    def _addr(cls, v: str) -> str:
        if v and (not _EMAIL_RE.match(v) or "+" in v.partition("@")[0]):
            raise ValueError(f"{v!r} is not a plain email address (no +tag)")
        return v

    @model_validator(mode="after")
    def _keys(self) -> RepliesCfg:
        if self.previous_valid_until and not (self.previous_key_env or self.previous_key_file):
            raise ValueError("previous_valid_until needs previous_key_env or previous_key_file")
        if (self.previous_key_env or self.previous_key_file) and not self.previous_valid_until:
            raise ValueError("a previous key needs previous_valid_until (end of its grace period)")
        return self

    def keys(self, settings_file: str = "", state_dir: Path | None = None) -> ReplyKeys:
        """Read the key(s); ConfigError when missing or shorter than 16 bytes. With
        neither key_env nor key_file, the key file in ``state_dir`` (made if missing)."""
        if not (self.key_env or self.key_file) and state_dir is not None:
            cur = ensure_key_file(state_dir / AUTO_KEY_FILE)
        else:
            cur = resolve_secret(
                self.key_env, self.key_file, what="replies.key", settings_file=settings_file
            )
        prev = ""
        if self.previous_key_env or self.previous_key_file:
            prev = resolve_secret(
                self.previous_key_env,
                self.previous_key_file,
                what="replies.previous_key",
                settings_file=settings_file,
            )
        for what, k in (("replies.key", cur), ("replies.previous_key", prev)):
            if k and len(k.encode()) < 16:
                raise ConfigError(
                    "key too short (at least 16 characters)",
                    file=settings_file,
                    key=what,
                    fix="make one with: openssl rand -hex 32",
                )
        return ReplyKeys(cur.encode(), prev.encode(), self.previous_valid_until)


#: the reply key Aduan makes itself when none is configured, in the state folder
AUTO_KEY_FILE = "reply.key"


class GoogleCfg(_Strict):
    """The Google identity Aduan acts as, and where documents go on Drive.

    ``service_account``: a key file (or env var), as for the Sheets register;
    uploads work only into a Shared Drive (service accounts own no storage).
    ``oauth_user``: the office's own Google account (also plain @gmail.com),
    authorised once with ``aduan auth google``; the refresh token lives in
    ``token_file`` (0600, outside the repo). See docs/google-akun.md.
    """

    auth: Literal["service_account", "oauth_user"] = "service_account"
    key_file: str = ""  # service account JSON key; default: register.credentials_file
    key_env: str = ""  # or an env var holding that path or the JSON itself
    token_file: str = "~/.config/aduan/google-token.json"  # oauth_user, written by auth
    client_secrets_file: str = ""  # the OAuth client (Desktop app) JSON, for `aduan auth`
    drive_folder_id: str = ""  # empty: documents stay on this server only
    shared_drive: bool = False  # the folder is in a Shared Drive (supportsAllDrives)
    timeout_s: float = 60
    retries: int = Field(default=3, ge=1, le=10)  # attempts on 429/5xx within one run

    @field_validator("drive_folder_id")
    @classmethod
    def _folder(cls, v: str) -> str:
        v = v.strip()
        m = re.search(r"/folders/([A-Za-z0-9_-]+)", v)  # a pasted folder address
        v = m.group(1) if m else v
        if v and not re.fullmatch(r"[A-Za-z0-9_-]{5,200}", v):
            raise ValueError(
                f"{v!r} is not a Drive folder id (the part after /folders/ in its address)"
            )
        return v


class EscalationRung(_Strict):
    at: float = Field(gt=0)  # multiple of the allowed time
    to: list[str]  # 'assignee', 'superior', 'head' or a role id


# -- issue 21: urgent complaints outside office hours
class UrgentCfg(_Strict):
    """Complaints that cannot wait for office hours (BPBD: disasters). Their task and
    escalation mails go out at once, at any hour, also to ``on_call`` (e.g. the
    Pusdalops duty officer), and the acknowledgement gives ``emergency_number``."""

    categories: list[str] = []  # register Kategori values
    keywords: list[str] = []  # whole words in the subject or text: kebakaran, banjir, …
    on_call: list[str] = []  # addresses told of every urgent complaint's staff mail
    emergency_number: str = ""  # e.g. "(0271) 495000 / 112"

    @field_validator("on_call")
    @classmethod
    def _addrs(cls, v: list[str]) -> list[str]:
        for a in v:
            if not _EMAIL_RE.match(a):
                raise ValueError(f"{a!r} is not an email address")
        return v


# -- issue 20: service standards (aduan.core.service): one home for the overall
# deadline per kind, waiting for the complainant and the satisfaction survey (SKM)
class ServiceKindCfg(_Strict):
    """A kind of complaint (*Jenis Aduan*) and its standard, in working days."""

    name: str = Field(min_length=1)
    days: int = Field(gt=0)  # resolution
    first_response_days: int = Field(default=3, gt=0)


class WaitingCfg(_Strict):
    """Waiting for the complainant (*Menunggu Pengadu*); the texts open the mails."""

    reminder_days: int = Field(default=5, gt=0)
    close_days: int = Field(default=10, gt=0)
    request_text: str = _core_service.Waiting.request_text
    reminder_text: str = _core_service.Waiting.reminder_text
    closing_text: str = _core_service.Waiting.closing_text

    @model_validator(mode="after")
    def _order(self) -> WaitingCfg:
        if self.close_days <= self.reminder_days:
            raise ValueError("close_days must be after reminder_days (the reminder comes first)")
        return self


class SkmCfg(_Strict):
    """The satisfaction question (Permenpan RB 14/2017, 4-point scale) on closing."""

    enabled: bool = True
    question: str = _core_service.Skm.question
    notify_head_at: int = Field(default=2, ge=0, le=4)  # 0: never
    outcomes: list[str] = list(_core_service.Skm.outcomes)


class ServiceCfg(_Strict):
    """The office's service standards (*maklumat pelayanan*); defaults: SP4N-LAPOR!.

    ``default_days`` / ``first_response_days`` are the office default, in force while
    a complaint's *Jenis Aduan* is empty (the acknowledgement states it)."""

    kinds: list[ServiceKindCfg] = [
        ServiceKindCfg(name=k.name, days=k.days, first_response_days=k.first_days)
        for k in _core_service.DEFAULT_KINDS
    ]
    default_days: int = Field(default=5, gt=0)
    first_response_days: int = Field(default=3, gt=0)
    warn_days: int = Field(default=1, ge=0)  # 0: no warning before the deadline
    escalate_to: list[str] = ["assignee", "head"]
    waiting: WaitingCfg = WaitingCfg()
    skm: SkmCfg = SkmCfg()

    @field_validator("kinds")
    @classmethod
    def _unique(cls, v: list[ServiceKindCfg]) -> list[ServiceKindCfg]:
        names = [" ".join(k.name.split()).casefold() for k in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"kind listed twice: {', '.join(dup)}")
        return v

    def standard(self) -> _core_service.ServiceStandard:
        """The core's view of this section (aduan.core.service)."""
        return _core_service.ServiceStandard(
            kinds=tuple(
                _core_service.Kind(" ".join(k.name.split()), k.days, k.first_response_days)
                for k in self.kinds
            ),
            default=_core_service.Kind("", self.default_days, self.first_response_days),
            warn_days=self.warn_days,
            escalate_to=tuple(self.escalate_to),
            waiting=_core_service.Waiting(**self.waiting.model_dump()),
            skm=_core_service.Skm(
                enabled=self.skm.enabled,
                question=self.skm.question,
                notify_head_at=self.skm.notify_head_at,
                outcomes=tuple(self.skm.outcomes),
            ),
        )

    def kind_names(self) -> list[str]:
        """The *Jenis Aduan* choices of the register."""
        return [" ".join(k.name.split()) for k in self.kinds]


class AgencyEntry(_Strict):
    """issue 16: one agency of the address book (``agencies:``): where a complaint
    outside the office's authority is forwarded, found by name or alias."""

    name: str = Field(min_length=1)
    aliases: list[str] = []
    email: str = ""
    phone: str = ""
    #: issue 19: the agency runs Aduan too (its settings' office.id): the forwarding
    #: is a signed hand-off it registers itself, and its status comes back
    office_id: str = Field(default="", pattern=r"^([a-z0-9][a-z0-9-]*)?$")


class PeerKey(_Strict):
    """The key shared with one partner office (an environment variable or a file)."""

    key_env: str = ""
    key_file: str = ""


class HandoffCfg(_Strict):
    """issue 19: complaints handed between offices that both run Aduan. ``key_env`` /
    ``key_file``: the pemda's key, shared by every office of the pemda; ``peers``: a
    key of its own for a partner office (by its office id), used instead of the pemda's."""

    key_env: str = ""
    key_file: str = ""
    peers: dict[str, PeerKey] = {}

    def keys(self, settings_file: str = "", base: Path | None = None) -> HandoffKeys:
        """Read the keys; ConfigError when one is missing or shorter than 16 bytes."""

        def read(env: str, file: str, what: str) -> bytes:
            if not (env or file):
                return b""
            if file and base is not None and not Path(file).expanduser().is_absolute():
                file = str(base / file)
            k = resolve_secret(env, file, what=what, settings_file=settings_file)
            if len(k.encode()) < 16:
                raise ConfigError(
                    "key too short (at least 16 characters)",
                    file=settings_file,
                    key=what,
                    fix="make one with: openssl rand -hex 32 (the same key in both offices)",
                )
            return k.encode()

        peers = {
            office: read(p.key_env, p.key_file, f"handoff.peers.{office}")
            for office, p in self.peers.items()
        }
        return HandoffKeys(read(self.key_env, self.key_file, "handoff.key"), peers)
