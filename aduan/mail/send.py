"""Send composed emails: a file outbox (the embedded default) or SMTP via yagmail.

Both take an already-composed :class:`email.message.EmailMessage` (see
:mod:`aduan.mail.compose`) and send it unchanged.

Why SMTP bypasses ``yagmail.SMTP.send()``: yagmail 0.16 builds its own
``multipart/mixed`` message from ``contents`` (prettifying the HTML, adding its
own Date and Message-ID), and on a dropped connection it sleeps 3 + 6 s, retries
and then *swallows* the failure (``return False``, message parked in ``yag.unsent``).
That would lose our Message-ID, threading headers and structure, and hide errors.
So yagmail is used for what it is good at — connecting with SSL / STARTTLS / plain,
logging in with a password or Google OAuth2 — via ``yag.login()``, and our bytes go
out through its smtplib connection ``yag.smtp.send_message(msg)``. smtplib errors
are translated here into :class:`~aduan.errors.MailError`: 4xx and connection
problems are transient (kept and retried next run), 5xx for a recipient is
permanent and names the recipient.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aduan.errors import MailError
from aduan.support.atomic import write_atomic

if TYPE_CHECKING:
    from aduan.config import SmtpMail

__all__ = [
    "FileOutbox",
    "Mailer",
    "RecipientsRefused",
    "SmtpMailer",
]

logger = logging.getLogger(__name__)


class Mailer(Protocol):
    """Where composed emails go. One instance per run; ``close()`` at the end."""

    def send(self, msg: EmailMessage) -> None:
        """Send one message; raise MailError (permanent for a refused recipient)."""

    def close(self) -> None:
        """Release the connection, if any."""


class RecipientsRefused(MailError):
    """The server refused some recipients. ``refused`` maps address -> server reply;
    ``delivered`` lists the addresses that were accepted (empty when none was), so
    a caller retrying a transient refusal can send to the refused ones only."""

    def __init__(
        self, message: str, *, refused: dict[str, str], delivered: list[str], permanent: bool
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.refused = refused
        self.delivered = delivered


def _safe(text: str, limit: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:limit] or "x"


# ------------------------------------------------------------------ file outbox
class FileOutbox:
    """One RFC 5322 ``.eml`` file per message in a folder, written atomically.

    The name is ``<YYYYmmdd-HHMMSS>-<kind>-<ticket>-<hash>.eml``, the hash taken over
    the Message-ID and the recipients: sending the same Message-ID to the same people
    again overwrites the same file, while one notification composed separately for two
    roles (e.g. identity shown to one, hidden from the other) keeps both files.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, msg: EmailMessage) -> None:
        mid = str(msg.get("Message-ID") or "").strip()
        if not mid:
            raise MailError("message has no Message-ID", permanent=True)
        rcpts = sorted(a.lower() for _, a in getaddresses(msg.get_all("To", [])) if a)
        short = hashlib.sha1(f"{mid}|{','.join(rcpts)}".encode()).hexdigest()[:12]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            existing = sorted(self.folder.glob(f"*-{short}.eml"))
            target = existing[0] if existing else self.folder / self._name(msg, short)
            data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
            write_atomic(target, data)  # the temp name ends .tmp: the glob above skips it
        except OSError as e:
            raise MailError(f"cannot write to outbox {self.folder}: {e.strerror or e}") from None
        logger.info("outbox: %s -> %s", mid, target.name)

    @staticmethod
    def _name(msg: EmailMessage, short: str) -> str:
        try:
            when = parsedate_to_datetime(str(msg["Date"])).strftime("%Y%m%d-%H%M%S")
        except (TypeError, ValueError):
            when = "00000000-000000"
        kind = _safe(str(msg.get("X-Aduan-Kind") or "email"), 20)
        ticket = _safe(str(msg.get("X-Aduan-Ticket") or "tanpa-nomor"))
        return f"{when}-{kind}-{ticket}-{short}.eml"

    def close(self) -> None:
        pass


# ------------------------------------------------------------------ SMTP
class SmtpMailer:
    """SMTP via yagmail: one connection per run, opened on the first send, reused."""

    def __init__(self, conf: SmtpMail, *, password: str = "", from_address: str) -> None:
        self.host, self.port, self.security = conf.host, conf.port, conf.security
        self.ca_file = conf.ca_file  # an office relay with its own certificate authority
        self.user, self.from_address, self.timeout = conf.user, from_address, conf.timeout_s
        self._password = password  # never logged, never put into an error message
        self._oauth2_file = conf.oauth2_file
        self._yag: Any = None

    def _client(self) -> Any:
        """The yagmail client; the test seam for a different transport."""
        import yagmail

        # smtplib alone would not verify the server's certificate
        ctx = ssl.create_default_context(cafile=self.ca_file or None)
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if self.security == "ssl":
            kwargs["context"] = ctx
        return yagmail.SMTP(
            user=self.user or self.from_address,
            password=self._password or None,
            host=self.host,
            port=self.port,
            smtp_ssl=self.security == "ssl",
            smtp_starttls={"context": ctx} if self.security == "starttls" else False,
            smtp_skip_login=not self.user and not self._oauth2_file,
            oauth2_file=self._oauth2_file or None,
            soft_email_validation=False,
            **kwargs,
        )

    def connect(self) -> None:
        """Open and log in, unless a live connection exists (also used by ``aduan check``)."""
        if self._yag is not None and self._yag.smtp is not None and not self._yag.is_closed:
            # servers hang up on idle sessions (documents may take a while to render);
            # a NOOP finds that out before a message is half sent
            try:
                if self._yag.smtp.noop()[0] == 250:
                    return
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        where = f"{self.host}:{self.port}"
        if self.user and not self._password and not self._oauth2_file:
            # yagmail would fall back to the keyring or prompt on the terminal: hangs cron
            # a config problem, not the message's: transient, so mail stays queued
            raise MailError(f"SMTP user {self.user} has no password configured")
        if self._oauth2_file:
            _check_oauth2_file(self._oauth2_file)
        try:
            yag = self._client()
            yag.set_logging(logging.CRITICAL)  # yagmail's own logger prints to stderr
            yag.login()
        except smtplib.SMTPAuthenticationError as e:
            # a config problem, not the message's: keep it queued until the admin fixes it
            raise MailError(
                f"SMTP login to {where} as {self.user} failed ({e.smtp_code} "
                f"{_reply(e.smtp_error)}); check the password setting"
            ) from None
        except smtplib.SMTPResponseException as e:
            raise MailError(
                f"SMTP {where} refused the session: {e.smtp_code} {_reply(e.smtp_error)}"
            ) from None
        except (smtplib.SMTPException, OSError) as e:
            raise MailError(f"cannot connect to SMTP {where}: {_oserror(e)}") from None
        self._yag = yag
        logger.info("SMTP connected to %s (%s)", where, self.security)

    def send(self, msg: EmailMessage) -> None:
        self.connect()
        mid = str(msg.get("Message-ID") or "")
        rcpts = [
            a
            for _, a in getaddresses(
                [str(v) for k in ("To", "Cc", "Bcc") for v in msg.get_all(k, [])]
            )
            if a
        ]
        try:
            refused = self._yag.smtp.send_message(msg, from_addr=self.from_address)
        except smtplib.SMTPRecipientsRefused as e:
            self._drop_if_closed()
            bad = {a: f"{c} {_reply(m)}" for a, (c, m) in e.recipients.items()}
            permanent = all(c >= 500 for c, _ in e.recipients.values())
            raise RecipientsRefused(
                f"{mid}: recipient(s) refused: {_list(bad)}",
                refused=bad,
                delivered=[],
                permanent=permanent,
            ) from None
        except smtplib.SMTPSenderRefused as e:
            self._drop_if_closed()
            raise MailError(
                f"{mid}: sender {self.from_address} refused: {e.smtp_code} {_reply(e.smtp_error)}",
                permanent=e.smtp_code >= 500,
            ) from None
        except smtplib.SMTPResponseException as e:  # e.g. 451/554 after DATA
            self._drop_if_closed()
            raise MailError(
                f"{mid}: SMTP server answered {e.smtp_code} {_reply(e.smtp_error)}",
                permanent=e.smtp_code >= 500,
            ) from None
        except (smtplib.SMTPNotSupportedError, ValueError, UnicodeError) as e:
            # e.g. a non-ASCII address and a server without SMTPUTF8: resending cannot help
            raise MailError(f"{mid}: cannot be sent: {e}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as e:
            self._drop()
            raise MailError(f"{mid}: SMTP connection lost: {_oserror(e)}") from None
        if refused:
            bad = {a: f"{c} {_reply(m)}" for a, (c, m) in refused.items()}
            delivered = [a for a in rcpts if a not in bad]
            permanent = all(c >= 500 for c, _ in refused.values())
            raise RecipientsRefused(
                f"{mid}: delivered to {', '.join(delivered)}; refused: {_list(bad)}",
                refused=bad,
                delivered=delivered,
                permanent=permanent,
            )
        # how many, not who: logs carry no personal data (issue 17)
        logger.info("SMTP sent %s to %d recipient(s)", mid, len(rcpts))

    def _drop_if_closed(self) -> None:
        # smtplib closes the socket itself after a 421; reconnect on the next send
        if self._yag is not None and getattr(self._yag.smtp, "sock", None) is None:
            self._drop()

    def _drop(self) -> None:
        if self._yag is not None:
            # a dead socket may fail to close; there is nothing left to keep
            with contextlib.suppress(Exception):
                self._yag.smtp.close()
            self._yag.is_closed = True
        self._yag = None

    def close(self) -> None:
        if self._yag is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._yag.close()  # QUIT
        self._yag = None


def _check_oauth2_file(path: str) -> None:
    """yagmail would start Google's interactive authorisation (and wait on the
    terminal: hangs cron) when the token file is missing or is still the client
    secret downloaded from Google Cloud; say how to make it instead. Transient, as
    every configuration problem: the mail stays queued until the admin fixes it."""
    fix = (
        'create it once on a terminal: .venv/bin/python -c "import yagmail; '
        f"yagmail.SMTP('ALAMAT', oauth2_file='{path}')\" (see docs/email.md)"
    )
    try:
        data = json.loads(Path(os.path.expanduser(path)).read_text(encoding="utf-8"))
    except OSError as e:
        raise MailError(f"OAuth2 token file {path}: {e.strerror}; {fix}") from None
    except ValueError:
        raise MailError(f"OAuth2 token file {path} is not JSON; {fix}") from None
    if not isinstance(data, dict) or not data.get("google_refresh_token"):
        raise MailError(f"OAuth2 token file {path} has no google_refresh_token; {fix}")


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _list(bad: dict[str, str]) -> str:
    return "; ".join(f"{a} ({r})" for a, r in bad.items())


def _oserror(e: BaseException) -> str:
    return getattr(e, "strerror", None) or str(e) or type(e).__name__
