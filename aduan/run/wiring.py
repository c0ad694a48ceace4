"""Opening each edge from the settings: the one place that knows which backend a
setting selects and hands it only its own section."""

from __future__ import annotations

from email.utils import parseaddr

from aduan.config import Settings, resolve_secret
from aduan.core.layout import Layout
from aduan.core.sop import Sop
from aduan.documents.render import Documents
from aduan.errors import ConfigError
from aduan.inbox.imap import ImapInbox
from aduan.inbox.maildir import Inbox, MaildirInbox
from aduan.mail.send import FileOutbox, Mailer, SmtpMailer
from aduan.register.base import Register
from aduan.register.sheets import SheetsRegister
from aduan.register.xlsx import XlsxRegister

__all__ = ["open_documents", "open_inbox", "open_mailer", "open_register"]


def open_register(settings: Settings, layout: Layout) -> Register:
    """The register backend the settings ask for."""
    conf = settings.register_
    if conf.type == "xlsx":
        return XlsxRegister(settings.path(conf.path), layout)
    if conf.type == "google":
        return SheetsRegister(settings, layout)
    raise ConfigError(
        f"register type {conf.type!r} belum didukung (not supported yet)",
        file=settings.file or None,
        key="register.type",
        fix="use type: xlsx for now",
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
    )
