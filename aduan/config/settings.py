"""Settings: loaded once from YAML into typed objects, checked with messages that
name the file, the key and the fix. Secrets never live in the YAML: only the
name of an environment variable or a file that holds them."""

from __future__ import annotations

import logging
import os
import re
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from aduan.config.sections import (
    _EMAIL_RE,
    AgencyEntry,
    DocumentsCfg,
    EscalationRung,
    FileMail,
    FormsCfg,
    GoogleCfg,
    GoogleRegister,
    HandoffCfg,
    ImapInbox,
    Limits,
    MaildirInbox,
    MailIdentity,
    Office,
    Paths,
    RepliesCfg,
    ServiceCfg,
    SmtpMail,
    UrgentCfg,
    XlsxRegister,
    _Strict,
)
from aduan.config.sopfile import load_sop
from aduan.core.idfmt import HARI
from aduan.core.sop import Sop
from aduan.core.worktime import TZ_ALIASES, TZ_NAMES, WorkCalendar

__all__ = ["DAYS", "DEFAULT_CONFIG", "Settings"]

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = "config/settings.yaml"

DAYS = [d.lower() for d in HARI]  # the opening_hours keys: senin ... minggu
_HOURS_RE = re.compile(r"^\s*(\d{1,2})[.:](\d{2})\s*-\s*(\d{1,2})[.:](\d{2})\s*$")


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
    #: document numbers run per year per document kind (never per month: issue 22)
    document_number_format: str = "{seq:03d}/{doc}/{office}/{year}"
    #: the buku agenda number of a complaint (Nomor agenda), per year
    agenda_number_format: str = "{seq:04d}/{year}"
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
        EscalationRung(at=2, to=["superior"]),  # the assignee is reminded on every rung
        EscalationRung(at=3, to=["head"]),
    ]
    confidential_default: bool = False
    #: issue 16: the roles that see a confidential complainant's identity (role ids,
    #: "petugas"/"head" for the SOP's first and head roles); empty: the petugas and the head
    identity_roles: list[str] = []
    #: issue 16: the agencies complaints outside the office's authority are forwarded to
    agencies: list[AgencyEntry] = []
    #: the overdue summary (ringkasan): each working day at opening, one email per
    #: person listing their overdue items (issue 21: on by default)
    digest: bool = True
    #: staff mails per address per day; past it reminders and escalations are left
    #: to the next overdue summary instead of sent one by one
    staff_mail_cap_per_day: int = Field(default=12, ge=1)
    sheet_url: str = ""
    urgent: UrgentCfg = UrgentCfg()  # issue 21
    #: issue 20: service standards per kind, waiting for the complainant, SKM
    service: ServiceCfg = ServiceCfg()
    # -- issue 17: who fixes a stale staff address a bounce names (empty: the head role)
    admin: list[str] = []
    inbox: MaildirInbox | ImapInbox = Field(discriminator="type")
    # "register" would shadow BaseModel.register (ABCMeta), hence the alias
    register_: XlsxRegister | GoogleRegister = Field(discriminator="type", alias="register")
    mail: FileMail | SmtpMail = Field(discriminator="type")
    mail_identity: MailIdentity
    limits: Limits = Limits()
    documents: DocumentsCfg = DocumentsCfg()
    replies: RepliesCfg = RepliesCfg()
    handoff: HandoffCfg = HandoffCfg()  # issue 19
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

    @field_validator("admin")
    @classmethod
    def _admin(cls, v: list[str]) -> list[str]:
        for a in v:
            if not _EMAIL_RE.match(a):
                raise ValueError(f"admin: {a!r} is not an email address")
        return v

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

    @field_validator("document_number_format", "agenda_number_format")
    @classmethod
    def _doc_number(cls, v: str) -> str:
        try:
            v.format(seq=1, doc="LD", office="X", year=2026, month=1)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(
                f"bad placeholder ({e}); use {{seq:03d}}, {{doc}}, {{office}}, {{year}}, {{month}}"
            ) from None
        if "{seq" not in v or "{year" not in v:
            raise ValueError("must contain {seq} and {year}: numbers run per year")
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
