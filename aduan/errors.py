"""The exception hierarchy: one class per boundary, each knowing if it is permanent.

Third-party errors (imaplib, openpyxl, gspread, smtplib, docxtpl) are translated
into these at the module that talks to the outside system, never deeper. The CLI
turns any of them into one line on stderr and an exit code.
"""

from __future__ import annotations

__all__ = [
    "AduanError",
    "ConfigError",
    "DocumentError",
    "DriveError",
    "InboxError",
    "MailError",
    "RegisterError",
    "RunLocked",
    "TRANSIENT_HTTP",
    "permanent_http",
]

# HTTP answers worth retrying: rate limit, server errors, gateway pages. A status of
# 0 means no answer at all (connection refused, reset, timed out): also transient.
TRANSIENT_HTTP = frozenset({0, 408, 429, 500, 502, 503, 504})


def permanent_http(status: int) -> bool:
    """Whether an HTTP status means retrying cannot help (the one rule for Google)."""
    return status not in TRANSIENT_HTTP


class AduanError(Exception):
    """Base class. ``permanent`` tells the caller whether retrying can help."""

    permanent: bool = False

    def __init__(self, message: str, *, permanent: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if permanent is not None:
            self.permanent = permanent

    def __str__(self) -> str:
        return self.message


class ConfigError(AduanError):
    """Settings or an SOP file is wrong; the message names file, key and fix."""

    permanent = True

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        fix: str | None = None,
    ) -> None:
        parts = []
        if file:
            parts.append(str(file))
        if key:
            parts.append(key)
        where = ": ".join(parts)
        text = f"{where}: {message}" if where else message
        if fix:
            text = f"{text} — {fix}"
        super().__init__(text, permanent=True)
        self.file, self.key, self.fix = file, key, fix


class InboxError(AduanError):
    """The complaint inbox (IMAP or Maildir) could not be read or updated."""


class RegisterError(AduanError):
    """The register (xlsx file or Google Sheet) could not be read or written."""


class DriveError(AduanError):
    """A Google Drive request failed. ``status`` is the HTTP status (0: no answer);
    ``stop``: every further upload this run would fail the same way (quota, folder
    not shared, outage), so the run stops trying."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        stop: bool = False,
        permanent: bool | None = None,
    ) -> None:
        super().__init__(
            message, permanent=permanent_http(status) if permanent is None else permanent
        )
        self.status, self.stop = status, stop


class MailError(AduanError):
    """An email could not be sent; permanent for a refused recipient (5xx)."""


class DocumentError(AduanError):
    """A document template is broken or a document could not be written."""

    permanent = True


class RunLocked(AduanError):
    """Another run holds the lock; this one exits at once (cron will try again)."""
