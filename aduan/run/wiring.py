"""Opening each edge from the settings: the one place that knows which backend a
setting selects and hands it only its own section."""

from __future__ import annotations

import secrets
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aduan.config import GoogleRegister, Settings, resolve_secret
from aduan.core.agency import Agency
from aduan.core.engine import EngineConfig
from aduan.core.handoff import HandoffKeys
from aduan.core.layout import Layout
from aduan.core.replies import ReplyKeys
from aduan.core.sop import Sop
from aduan.core.worktime import WorkCalendar
from aduan.documents.render import Documents
from aduan.errors import ConfigError, RegisterError
from aduan.google import auth as gauth
from aduan.google.drive import API as DRIVE_API
from aduan.google.drive import Drive
from aduan.inbox.forms import Reader, read_file
from aduan.inbox.imap import ImapInbox
from aduan.inbox.maildir import Inbox, MaildirInbox
from aduan.mail.compose import ComposeCfg
from aduan.mail.send import FileOutbox, Mailer, SmtpMailer
from aduan.register.base import Register
from aduan.register.sheets import SheetsRegister
from aduan.register.sheets.client import DRIVE_METADATA_SCOPE
from aduan.register.xlsx import XlsxRegister

if TYPE_CHECKING:
    import gspread
    from google.auth.credentials import Credentials

__all__ = [
    "compose_cfg",
    "form_reader",
    "engine_config",
    "drive_for",
    "google_account",
    "open_documents",
    "open_drive",
    "open_inbox",
    "open_mailer",
    "open_register",
    "sheets_register",
]


def open_register(settings: Settings, layout: Layout) -> Register:
    """The register backend the settings ask for."""
    conf = settings.register_
    if conf.type == "xlsx":
        snapshot = settings.path(settings.paths.state) / "register-snapshot.pickle"
        return XlsxRegister(
            settings.path(conf.path),
            layout,
            snapshot_file=snapshot if conf.change_detection else None,
        )
    if conf.type == "google":
        snapshot = settings.path(settings.paths.state) / "register-snapshot.pickle"
        return sheets_register(
            settings, layout, snapshot_file=snapshot if conf.change_detection else None
        )
    raise ConfigError(
        f"register type {conf.type!r} belum didukung (not supported yet)",
        file=settings.file or None,
        key="register.type",
        fix="use type: xlsx for now",
    )


def sheets_register(
    settings: Settings,
    layout: Layout,
    *,
    client: gspread.Client | None = None,
    retries: int | None = None,
    backoff_s: float | None = None,
    snapshot_file: Path | None = None,
) -> SheetsRegister:
    """The Sheets register with its section, the Google credentials (made on first
    use) and the form tab it reads along. ``client``: a ready gspread client (tests);
    ``snapshot_file``: change detection (issue 19) keeps the last read there."""
    conf = settings.register_
    if not isinstance(conf, GoogleRegister):
        raise ConfigError(
            "register.type bukan google", file=settings.file or None, key="register.type"
        )
    account = google_account(settings)
    forms = settings.forms
    extra = []
    if forms.tab and not forms.file and forms.spreadsheet_id in ("", conf.spreadsheet_id):
        extra.append(forms.tab)  # an online form's responses in the register's spreadsheet
    seams: dict[str, Any] = {"client": client, "retries": retries, "backoff_s": backoff_s}
    seams["snapshot_file"] = snapshot_file
    # change detection asks Drive for the sheet's version (an OAuth token has Drive already)
    drive = [DRIVE_METADATA_SCOPE] if snapshot_file and not account.oauth else []
    return SheetsRegister(
        conf,
        layout,
        credentials=lambda: gauth.credentials(account, [gauth.SHEETS_SCOPE, *drive]),
        identity=lambda: gauth.account_name(account),
        extra_tabs=extra,
        # a write whose answer was lost: the next run decides from the marker (issue 18)
        pending_file=settings.path(settings.paths.state) / "sheets-unconfirmed-write.json",
        # only what the caller set: test_crash's stand-in constructor adds its own
        **{k: v for k, v in seams.items() if v is not None},
    )


def google_account(settings: Settings) -> gauth.Account:
    """The Google identity: the ``google`` section with its paths resolved; the
    service-account key defaults to the Sheets register's."""
    g, reg = settings.google, settings.register_
    sheets = reg if isinstance(reg, GoogleRegister) else None
    env, env_setting = g.key_env, "google.key_env"
    if not env and sheets and sheets.credentials_env:
        env, env_setting = sheets.credentials_env, "register.credentials_env"
    file, file_setting = g.key_file, "google.key_file"
    if not file and sheets and sheets.credentials_file:
        file, file_setting = sheets.credentials_file, "register.credentials_file"
    elif not file and sheets and not env:
        file_setting = "register.credentials_file"  # nothing set: name the register's key
    return gauth.Account(
        conf=g,
        token_file=settings.path(g.token_file),
        client_secrets_file=settings.path(g.client_secrets_file or "client_secret.json"),
        base=Path(settings.base),
        key_env=env,
        key_file=settings.path(file) if file else None,
        key_env_setting=env_setting,
        key_file_setting=file_setting,
        settings_file=settings.file,
    )


def open_drive(settings: Settings) -> Drive | None:
    """Drive for the documents, or None without ``google.drive_folder_id``."""
    if not settings.google.drive_folder_id:
        return None
    return drive_for(settings)


def drive_for(
    settings: Settings,
    *,
    api_base: str = DRIVE_API,
    credentials: Credentials | None = None,
    backoff_s: float = 1.0,
) -> Drive:
    """Drive with its section and resolved folders; ``api_base`` and ``credentials``
    are the tests' seams (the local fake Drive)."""
    return Drive(
        settings.google,
        google_account(settings),
        state_dir=settings.path(settings.paths.state),
        documents=settings.path(settings.paths.documents),
        attachments=settings.path(settings.paths.attachments),
        api_base=api_base,
        credentials=credentials,
        backoff_s=backoff_s,
    )


def open_inbox(settings: Settings) -> Inbox:
    """The inbox the settings describe (Maildir or IMAP); secrets from env or file."""
    cfg = settings.inbox
    if cfg.type == "maildir":
        return MaildirInbox(settings.path(cfg.path))
    password = token = ""
    if cfg.oauth2_token_file:
        token = resolve_secret(
            file=cfg.oauth2_token_file, what="inbox.oauth2_token_file", settings_file=settings.file
        )
    else:
        password = resolve_secret(
            cfg.password_env,
            cfg.password_file,
            what="inbox.password_env",
            settings_file=settings.file,
        )
    return ImapInbox(
        cfg,
        password=password,
        oauth2_token=token,
        state_dir=settings.path(settings.paths.state),
        # a message over the limit is quarantined unread; attachments have their own limit
        max_message_mb=max(settings.limits.message_mb * 2, 50),
    )


def open_mailer(settings: Settings) -> Mailer:
    """The mailer the settings ask for: file outbox or SMTP; the password from env or file."""
    m = settings.mail
    if m.type == "file":
        return FileOutbox(settings.path(m.outbox))
    password = ""
    if m.user and not m.oauth2_file:
        password = resolve_secret(
            m.password_env, m.password_file, what="mail.password_env", settings_file=settings.file
        )
    return SmtpMailer(
        m,
        password=password,
        from_address=parseaddr(settings.mail_identity.from_address)[1],
    )


def compose_cfg(settings: Settings, sop: Sop | None = None) -> ComposeCfg:
    """What composing emails needs: identity, office, SOP, the email templates folder."""
    return ComposeCfg(
        identity=settings.mail_identity,
        office=settings.office,
        sop=sop if sop is not None else settings.load_sop(),
        templates=settings.path(settings.templates) / "email",
        tz=settings.tz,
        tz_label=settings.tz_label,
        day_minutes=settings.calendar().day_minutes,
        sheet_url=register_link(settings),
        register_is_file=not settings.sheet_url and settings.register_.type == "xlsx",
        emergency_number=settings.urgent.emergency_number,
        office_id=settings.office.id,  # issue 19
        handoff_keys=handoff_keys(settings),
    )


def register_link(settings: Settings) -> str:
    """Where staff open the register, for the task emails: the configured
    ``sheet_url``, else the Google Sheet's address, else the xlsx file's path."""
    if settings.sheet_url:
        return settings.sheet_url
    reg = settings.register_
    if reg.type == "google":
        return f"https://docs.google.com/spreadsheets/d/{reg.spreadsheet_id}/edit"
    return str(settings.path(reg.path).resolve())


def reply_keys(settings: Settings) -> ReplyKeys | None:
    """The reply key(s) when decisions by reply are on; with no key configured, the
    one in the state folder, made on first use (``aduan init`` or the first run)."""
    if not settings.replies.enabled:
        return None
    return settings.replies.keys(settings.file, settings.path(settings.paths.state))


def handoff_keys(settings: Settings) -> HandoffKeys | None:
    """The keys shared with other offices (issue 19); None when none is configured."""
    keys = settings.handoff.keys(settings.file, settings.path("."))
    return keys or None


def form_reader(settings: Settings, reg: Register) -> Reader:
    """How the cycle reads the online form's responses tab: through the Google
    register (its credentials; the form's own spreadsheet when ``forms.spreadsheet_id``
    names one), or from a local .xlsx/.csv (default: the xlsx register itself)."""
    cfg, conf = settings.forms, settings.register_

    def refuse(message: str) -> Reader:
        def read() -> list[list[object]]:
            raise RegisterError(message, permanent=True)

        return read

    if cfg.spreadsheet_id or (conf.type == "google" and not cfg.file):
        if not isinstance(reg, SheetsRegister):
            return refuse(
                "forms.spreadsheet_id membutuhkan kredensial Google: register.type google"
            )
        sheets = reg
        return lambda: sheets.read_tab(cfg.tab, cfg.spreadsheet_id)
    if cfg.file:
        path = settings.path(cfg.file)
    elif conf.type == "xlsx":
        path = settings.path(conf.path)
    else:
        return refuse("forms.file atau forms.spreadsheet_id harus diisi")
    return lambda: read_file(path, cfg.tab)


def open_documents(settings: Settings, sop: Sop | None = None) -> Documents:
    """The document renderer: the office, its folders resolved, and the SOP's facts
    (``sop`` None: the settings' SOP)."""
    office = settings.office
    return Documents(
        settings.documents,
        office,
        templates=settings.path(settings.templates),
        out=settings.path(settings.paths.documents),
        state=settings.path(settings.paths.state),
        logo=settings.path(office.logo) if office.logo else None,
        tz=settings.tz,
        tz_label=settings.tz_label,
        sop=sop if sop is not None else settings.load_sop(),
        urgent=tuple(settings.urgent.categories),
    )


def engine_config(
    settings: Settings, sop: Sop, layout: Layout, calendar: WorkCalendar
) -> EngineConfig:
    """What the engine is told about the office: plain values from the settings."""
    return EngineConfig(
        sop=sop,
        layout=layout,
        calendar=calendar,
        tz=settings.tz,
        tz_label=settings.tz_label,
        ticket_format=settings.ticket_format,
        document_number_format=settings.document_number_format,
        agenda_number_format=settings.agenda_number_format,
        office_code=settings.office.id.upper(),
        escalation=[(r.at, list(r.to)) for r in settings.escalation],
        confidential_default=settings.confidential_default,
        ack_limit_per_day=settings.mail_identity.ack_limit_per_day,
        mail_domain=settings.mail_identity.from_address.rpartition("@")[2],
        role_addresses={r: tuple(a) for r, a in settings.roles.items()},
        reply_keys=reply_keys(settings),
        reply_address=settings.reply_address,
        urgent_categories=tuple(settings.urgent.categories),
        urgent_keywords=tuple(settings.urgent.keywords),
        service=settings.service.standard(),  # issue 20
        agencies=tuple(  # issue 16
            Agency(a.name, tuple(a.aliases), a.email, a.phone, a.office_id)
            for a in settings.agencies
        ),
        # issue 19: signed hand-offs with offices that run Aduan too
        office_id=settings.office.id,
        office_name=settings.office.display,
        office_address=settings.mail_identity.from_address,
        handoff_keys=handoff_keys(settings),
        max_original_bytes=int(settings.limits.message_mb * 1024 * 1024),
        # issue 17: adopted only by a register without an id yet (kept in its meta)
        register_id=secrets.token_hex(6),
        ack_limit_per_domain_per_hour=settings.mail_identity.ack_limit_per_domain_per_hour,
    )
