"""Opening each edge from the settings: the one place that knows which backend a
setting selects and hands it only its own section."""

from __future__ import annotations

from email.utils import parseaddr

from aduan.config import Settings, resolve_secret
from aduan.core.layout import Layout
from aduan.errors import ConfigError
from aduan.inbox.imap import ImapInbox
from aduan.inbox.maildir import Inbox, MaildirInbox
from aduan.mail.send import FileOutbox, Mailer, SmtpMailer
from aduan.register.base import Register
from aduan.register.sheets import SheetsRegister
from aduan.register.xlsx import XlsxRegister

__all__ = ["open_inbox", "open_mailer", "open_register"]


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
    """The inbox the settings describe (Maildir or IMAP)."""
    cfg = settings.inbox
    if cfg.type == "maildir":
        return MaildirInbox(settings.path(cfg.path))
    return ImapInbox.from_settings(settings)


def open_mailer(settings: Settings) -> Mailer:
    """The mailer the settings ask for: file outbox or SMTP."""
    m = settings.mail
    if m.type == "file":
        return FileOutbox(settings.path(m.outbox))
    password = ""
    if m.user and not getattr(m, "oauth2_file", ""):
        password = resolve_secret(
            m.password_env, m.password_file, what="mail.password_env", settings_file=settings.file
        )
    return SmtpMailer(
        host=m.host,
        port=m.port,
        security=m.security,
        user=m.user,
        password=password,
        from_address=parseaddr(settings.mail_identity.from_address)[1],
        timeout=m.timeout_s,
        oauth2_file=getattr(m, "oauth2_file", ""),
        ca_file=getattr(m, "ca_file", ""),
    )
