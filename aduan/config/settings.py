"""Settings: loaded once from YAML into typed objects, checked with messages that
name the file, the key and the fix. Secrets never live in the YAML: only the
name of an environment variable or a file that holds them."""

from __future__ import annotations

import logging
import os
import re
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aduan.config.sopfile import load_sop
from aduan.core.replies import ReplyKeys
from aduan.core.sop import Sop
from aduan.core.worktime import TZ_ALIASES, TZ_NAMES, WorkCalendar
from aduan.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG",
    "FORM_QUESTIONS",
    "DocumentsCfg",
    "FileMail",
    "FormsCfg",
    "GoogleCfg",
    "GoogleRegister",
    "ImapInbox",
    "Limits",
    "MailIdentity",
    "MaildirInbox",
    "Office",
    "Official",
    "Paths",
    "RepliesCfg",
    "Settings",
    "SmtpMail",
    "XlsxRegister",
    "load_settings",
    "resolve_secret",
]

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = "config/settings.yaml"

DAYS = ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]
_HOURS_RE = re.compile(r"^\s*(\d{1,2})[.:](\d{2})\s*-\s*(\d{1,2})[.:](\d{2})\s*$")
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
    head: Official = Official()

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


class GoogleRegister(_Strict):
    type: Literal["google"] = "google"
    spreadsheet_id: str
    credentials_file: str = ""  # the service account's JSON key (outside the repo)
    credentials_env: str = ""  # or an env var holding that path or the JSON itself
    timeout_s: float = 60
    retries: int = Field(default=5, ge=1, le=10)  # attempts on 429/5xx, backing off


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

    enabled: bool = False
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
        if self.enabled and not (self.key_env or self.key_file):
            raise ValueError("replies.enabled needs key_env or key_file (the HMAC key)")
        if self.previous_valid_until and not (self.previous_key_env or self.previous_key_file):
            raise ValueError("previous_valid_until needs previous_key_env or previous_key_file")
        if (self.previous_key_env or self.previous_key_file) and not self.previous_valid_until:
            raise ValueError("a previous key needs previous_valid_until (end of its grace period)")
        return self

    def keys(self, settings_file: str = "") -> ReplyKeys:
        """Read the key(s); ConfigError when missing or shorter than 16 bytes."""
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


class Settings(_Strict):
    """Everything an office configures. ``base`` is the folder relative paths
    are resolved against (the settings file's folder's parent for config/)."""

    office: Office
    sop: str
    timezone: str = "WIB"
    office_hours: dict[str, str] = {
        "senin": "07.30-16.00",
        "selasa": "07.30-16.00",
        "rabu": "07.30-16.00",
        "kamis": "07.30-16.00",
        "jumat": "07.30-16.30",
    }
    cuti_bersama: list[date] = []
    extra_working_days: list[date] = []
    ticket_format: str = "ADU/{year}/{month:02d}/{seq:04d}"
    document_number_format: str = "{seq:03d}/{doc}/{office}/{year}"
    categories: list[str] = [
        "Bencana",
        "Infrastruktur",
        "Pelayanan",
        "Bantuan Sosial",
        "Administrasi",
        "Lainnya",
    ]
    roles: dict[str, list[str]]
    escalation: list[EscalationRung] = [
        EscalationRung(at=1, to=["assignee"]),
        EscalationRung(at=2, to=["assignee", "superior"]),
        EscalationRung(at=3, to=["head"]),
    ]
    confidential_default: bool = False
    digest: bool = False  # a daily summary email per person (ringkasan) at opening time
    sheet_url: str = ""
    inbox: MaildirInbox | ImapInbox = Field(discriminator="type")
    # "register" would shadow BaseModel.register (ABCMeta), hence the alias
    register_: XlsxRegister | GoogleRegister = Field(discriminator="type", alias="register")
    mail: FileMail | SmtpMail = Field(discriminator="type")
    mail_identity: MailIdentity
    limits: Limits = Limits()
    documents: DocumentsCfg = DocumentsCfg()
    replies: RepliesCfg = RepliesCfg()
    forms: FormsCfg = FormsCfg()
    google: GoogleCfg = GoogleCfg()
    paths: Paths = Paths()
    templates: str = "templates"
    base: str = "."
    file: str = ""

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        name = TZ_ALIASES.get(v.upper(), v)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r}; use WIB, WITA, WIT or a name like Asia/Jakarta"
            ) from None
        return name

    @field_validator("office_hours")
    @classmethod
    def _hours(cls, v: dict[str, str]) -> dict[str, str]:
        for day, span in v.items():
            if day.lower() not in DAYS:
                raise ValueError(f"unknown day {day!r}; use {', '.join(DAYS)}")
            m = _HOURS_RE.match(str(span))
            if not m:
                raise ValueError(f"{day}: cannot read {span!r}; write like 07.30-16.00")
            h1, m1, h2, m2 = map(int, m.groups())
            if not (0 <= h1 < 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
                raise ValueError(f"{day}: {span!r} is not a valid opening span")
        return {k.lower(): s for k, s in v.items()}

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for role, addrs in v.items():
            for a in addrs:
                if not _EMAIL_RE.match(a):
                    raise ValueError(f"roles.{role}: {a!r} is not an email address")
        return v

    @field_validator("ticket_format")
    @classmethod
    def _ticket(cls, v: str) -> str:
        try:
            v.format(year=2026, month=1, seq=1, office="x")
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(
                f"bad placeholder ({e}); use {{year}}, {{month:02d}}, {{seq:04d}}"
            ) from None
        if "{seq" not in v:
            raise ValueError("must contain {seq} (the running number)")
        return v

    @model_validator(mode="after")
    def _ladder(self) -> Settings:
        ats = [r.at for r in self.escalation]
        if ats != sorted(ats):
            raise ValueError("escalation rungs must be in increasing order of 'at'")
        return self

    # ------------------------------------------------------------ helpers
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def tz_label(self) -> str:
        return TZ_NAMES.get(self.timezone, self.timezone)

    def opening_hours(self) -> dict[int, tuple[time, time]]:
        """Weekday (Monday=0) -> (open, close)."""
        out = {}
        for day, span in self.office_hours.items():
            h1, m1, h2, m2 = map(int, _HOURS_RE.match(span).groups())  # type: ignore[union-attr]
            close = time(23, 59, 59) if h2 == 24 else time(h2, m2)
            out[DAYS.index(day)] = (time(h1, m1), close)
        return out

    def path(self, p: str) -> Path:
        """Resolve a path from the settings against ``base``."""
        q = Path(os.path.expanduser(p))
        return q if q.is_absolute() else Path(self.base) / q

    def calendar(self) -> WorkCalendar:
        """The working calendar this office configured (time zone, hours, cuti bersama)."""
        both = set(self.cuti_bersama) & set(self.extra_working_days)
        if both:
            logger.warning(
                "dates in both cuti_bersama and extra_working_days count as working days: %s",
                ", ".join(sorted(d.isoformat() for d in both)),
            )
        return WorkCalendar(
            self.tz, self.opening_hours(), self.cuti_bersama, self.extra_working_days
        )

    def load_sop(self) -> Sop:
        return load_sop(self.path(self.sop))

    @property
    def reply_address(self) -> str:
        """The inbox address whose plus-addresses carry reply tokens."""
        return self.replies.address or self.mail_identity.from_address


def resolve_secret(env: str = "", file: str = "", *, what: str, settings_file: str = "") -> str:
    """Return a secret from an environment variable or a file, never from YAML."""
    if env:
        val = os.environ.get(env)
        if val:
            return val
        if not file:
            raise ConfigError(
                f"environment variable {env} is not set",
                file=settings_file,
                key=what,
                fix=f"export {env}=... before running aduan",
            )
    if file:
        try:
            return Path(os.path.expanduser(file)).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(
                f"cannot read secret file {file} ({e.strerror})",
                file=settings_file,
                key=what,
                fix="check the path and that the file is readable",
            ) from None
    raise ConfigError(
        "no secret configured",
        file=settings_file,
        key=what,
        fix="set *_env (an environment variable name) or *_file (a path)",
    )


def _key_of(loc: tuple[Any, ...]) -> str:
    # pydantic puts the discriminator tag into loc ('inbox', 'imap', 'host'): keep it readable
    return (
        ".".join(
            str(x)
            for x in loc
            if not (
                isinstance(x, str)
                and x in {"maildir", "imap", "xlsx", "google", "file", "smtp"}
                and len(loc) > 1
            )
        )
        or "(top)"
    )


def load_settings(path: str | Path | None = None) -> Settings:
    """Load and check a settings file (default: $ADUAN_CONFIG or config/settings.yaml)."""
    p = Path(path or os.environ.get("ADUAN_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "settings file not found",
            file=str(p),
            fix="copy config/settings.example.yaml to config/settings.yaml and edit it, "
            "or pass --config PATH",
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read settings file ({e})", file=str(p)) from None
    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise ConfigError(
            f"not valid YAML ({getattr(e, 'problem', e)})",
            file=str(p),
            key=where,
            fix="fix the indentation or quoting there",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            "settings must be a mapping of keys",
            file=str(p),
            fix="start from config/settings.example.yaml",
        )
    for secret_key in ("password", "secret", "token"):
        for section in ("inbox", "mail", "register"):
            sec = data.get(section)
            if isinstance(sec, dict) and secret_key in sec:
                raise ConfigError(
                    "secrets may not be written in the settings file",
                    file=str(p),
                    key=f"{section}.{secret_key}",
                    fix=f"use {section}.{secret_key}_env (variable name) or "
                    f"{section}.{secret_key}_file (path) instead",
                )
    if isinstance(data.get("replies"), dict) and "key" in data["replies"]:
        raise ConfigError(
            "secrets may not be written in the settings file",
            file=str(p),
            key="replies.key",
            fix="use replies.key_env (variable name) or replies.key_file (path) instead",
        )
    base = data.pop("base", None)
    if base is None:
        base = (
            p.resolve().parent.parent if p.resolve().parent.name == "config" else p.resolve().parent
        )
    try:
        settings = Settings.model_validate({**data, "base": str(base), "file": str(p)})
    except ValidationError as e:
        err = e.errors()[0]
        key = _key_of(tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        raise ConfigError(
            msg, file=str(p), key=key, fix="see config/settings.example.yaml"
        ) from None
    sop = settings.load_sop()
    missing = [r for r in sop.roles if not settings.roles.get(r)]
    if missing:
        raise ConfigError(
            f"no email address for role(s) {', '.join(missing)} of SOP {sop.id}",
            file=str(p),
            key="roles",
            fix=f"add e.g. roles: {{{missing[0]}: [nama@kantor.go.id]}}",
        )
    unknown = [r for r in settings.roles if r not in sop.roles]
    if unknown:
        raise ConfigError(
            f"role(s) {', '.join(unknown)} are not in SOP {sop.id}",
            file=str(p),
            key="roles",
            fix=f"use the SOP's roles: {', '.join(sop.roles)}",
        )
    for i, rung in enumerate(settings.escalation):
        for who in rung.to:
            if who not in ("assignee", "superior", "head") and who not in sop.roles:
                raise ConfigError(
                    f"unknown recipient {who!r}",
                    file=str(p),
                    key=f"escalation[{i}].to",
                    fix="use assignee, superior, head or a role of the SOP",
                )
    return settings
