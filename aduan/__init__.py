"""Aduan: runs an Indonesian government office's public-complaint SOP on an email
inbox, a shared register (Google Sheet or .xlsx) and Word documents."""

from aduan.errors import (
    AduanError,
    ConfigError,
    DocumentError,
    InboxError,
    MailError,
    RegisterError,
)

__all__ = [
    "AduanError",
    "ConfigError",
    "DocumentError",
    "InboxError",
    "MailError",
    "RegisterError",
]
__version__ = "0.1.0"
