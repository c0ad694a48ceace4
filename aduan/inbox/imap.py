"""The complaint inbox over IMAP (imapclient), incremental and safe to kill.

Where "processed" lives
    On the server: a processed message gets the keyword ``$AduanDiproses``
    (and moves to ``processed_folder`` when one is configured); a quarantined
    one gets ``$AduanKarantina`` and moves to ``quarantine_folder`` (created
    when missing) next to a short note saying why. The server is the truth:
    the search for work is ``UNKEYWORD $AduanDiproses UNKEYWORD $AduanKarantina``.

Where the UID watermark lives, and why a state file
    ``<paths.state>/imap-<user>-<host>-<folder>.json`` holds UIDVALIDITY and
    the highest UID below which every message is done. It only makes an idle
    poll cheap: with SELECT's UIDNEXT at or below the watermark there is
    nothing to search, so an idle poll is LOGIN + SELECT + LOGOUT whatever the
    mailbox size. A local file is written atomically in microseconds, needs no
    register round trip (the register is staff's sheet and may be Google, with
    a request budget), and losing it is harmless: the next poll falls back to
    the keyword search. The watermark never passes a message handed out but
    not yet marked, so a run killed between the register write and the flag
    re-reads that message, and the cycle's Message-ID dedupe registers
    nothing twice. A UIDVALIDITY change (mailbox rebuilt or migrated) resets
    the watermark and relies on the keywords and that same dedupe.

Failures
    One line naming host, port, user and the cause, never the password.
    Network errors are retried (3 attempts, exponential back-off, reconnect);
    a refused login or a missing folder is permanent and not retried.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from aduan.core.model import RawMessage
from aduan.errors import InboxError
from aduan.support.atomic import write_atomic
from aduan.support.retry import Policy, call

if TYPE_CHECKING:
    from aduan.config import ImapInbox as ImapConfig

__all__ = ["ImapInbox", "PROCESSED_FLAG", "QUARANTINE_FLAG"]

logger = logging.getLogger(__name__)

PROCESSED_FLAG = b"$AduanDiproses"
QUARANTINE_FLAG = b"$AduanKarantina"
FETCH_CHUNK = 50  # messages per FETCH: bounds memory and the cost of a dropped link
_T = TypeVar("_T")


class _LinkLost(InboxError):
    """A network-level failure (socket, TLS, timeout, BYE): worth a reconnect and another try."""


class ImapInbox:
    """An IMAP folder as an :class:`aduan.inbox.maildir.Inbox`. Keys are ``UIDVALIDITY:UID``."""

    def __init__(
        self,
        cfg: ImapConfig,
        *,
        password: str = "",
        oauth2_token: str = "",
        state_dir: str | os.PathLike[str],
        batch: int = 500,
        max_message_mb: float = 50,
        retries: int = 3,
        retry_wait: float = 0.5,
        client_factory: Callable[[], IMAPClient] | None = None,
    ) -> None:
        self.cfg = cfg
        self._password = password
        self._token = oauth2_token
        self.batch = batch
        self.max_message_bytes = int(max_message_mb * 1024 * 1024)
        self.retries = max(1, retries)
        self.policy = Policy(attempts=self.retries, base_s=retry_wait, max_s=10)
        self._factory = client_factory
        slug = re.sub(r"[^A-Za-z0-9@._-]+", "_", f"{cfg.user}-{cfg.host}-{cfg.folder}")
        self.state_path = Path(state_dir) / f"imap-{slug}.json"
        self._client: IMAPClient | None = None
        self._uidvalidity = 0
        self._uidnext = 0
        self._exists = 0
        self._keywords_ok = True
        self._separator: str | None = None
        self._ensured: set[str] = set()
        # watermark bookkeeping of this run: see the module docstring
        self._state = self._load_state()
        self._candidates: list[int] = []
        self._done: set[int] = set()
        self._searched_below = 0  # UIDNEXT of the SELECT before this run's search; 0: none

    # ------------------------------------------------------------ interface
    def poll(self) -> list[RawMessage]:
        """New messages, oldest first. An idle poll costs LOGIN, SELECT, LOGOUT."""
        return self._retrying("poll", self._poll)

    def mark_processed(self, key: str) -> None:
        uid = self._uid_of(key)
        if uid is None:
            return
        self._retrying(
            "mark processed", lambda: self._finish(uid, PROCESSED_FLAG, self.cfg.processed_folder)
        )

    def quarantine(self, key: str, reason: str) -> None:
        uid = self._uid_of(key)
        if uid is None:
            return
        self._retrying("quarantine", lambda: self._quarantine(uid, key, reason))
        logger.warning("imap: %s quarantined: %s", key, reason)

    def close(self) -> None:
        """Save the watermark and log out (errors on the way out are not news)."""
        self._save_state()
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except Exception as e:  # the link may already be gone; nothing to save now
                logger.debug("imap: logout failed: %s", e)

    def check(self) -> str:
        """One line for ``aduan check``: login, folder, message count, capabilities."""

        def run() -> str:
            c = self._connect()
            caps = sorted(x.decode() for x in c.capabilities())
            wanted = [x for x in ("MOVE", "UIDPLUS", "IDLE") if x in caps]
            return (
                f"IMAP {self._who()}: login OK, folder {self.cfg.folder!r} "
                f"{self._exists} pesan, kemampuan {', '.join(wanted) or '-'}"
            )

        try:
            return self._retrying("check", run)
        finally:
            self.close()

    # ------------------------------------------------------------- polling
    def _poll(self) -> list[RawMessage]:
        c = self._connect()
        st = self._state
        if st.get("uidvalidity") != self._uidvalidity:
            if st.get("uidvalidity"):
                logger.warning(
                    "imap: UIDVALIDITY of %s changed (%s -> %s): searching by keyword; "
                    "messages already registered are recognised by Message-ID",
                    self.cfg.folder,
                    st.get("uidvalidity"),
                    self._uidvalidity,
                )
            st.clear()
            st.update(uidvalidity=self._uidvalidity, last_uid=0)
        last = int(st.get("last_uid", 0))
        if self._uidnext and self._uidnext - 1 <= last:
            self._candidates, self._done = [], set()
            return []  # idle: nothing arrived since everything below the watermark was done
        criteria: list[Any] = [
            "UNKEYWORD",
            PROCESSED_FLAG,
            "UNKEYWORD",
            QUARANTINE_FLAG,
            "NOT",
            "DELETED",
        ]
        if last:
            criteria = ["UID", f"{last + 1}:*", *criteria]
        found = sorted(u for u in c.search(criteria) if u > last)
        self._candidates, self._done = found, set()
        # from the same session as the search: a reconnect later must not let
        # the watermark jump over mail that arrived after this search
        self._searched_below = self._uidnext or (max(found, default=last) + 1)
        if not found:
            self._advance()
            return []
        todo = found[: self.batch]
        if len(found) > len(todo):
            logger.info("imap: %d more messages wait for the next run", len(found) - len(todo))
        out: list[RawMessage] = []
        for i in range(0, len(todo), FETCH_CHUNK):
            chunk = todo[i : i + FETCH_CHUNK]
            sizes = c.fetch(chunk, ["RFC822.SIZE"])
            small = [
                u
                for u in chunk
                if int(sizes.get(u, {}).get(b"RFC822.SIZE", 0)) <= self.max_message_bytes
            ]
            for u in chunk:
                if u not in small and u in sizes:
                    size = int(sizes[u][b"RFC822.SIZE"]) / 1024 / 1024
                    self._quarantine(u, self._key(u), f"pesan terlalu besar ({size:.1f} MB)")
            # INTERNALDATE: when the server received it (a decision counts from then)
            data = c.fetch(small, ["BODY.PEEK[]", "INTERNALDATE"]) if small else {}
            for u in small:
                body = data.get(u, {}).get(b"BODY[]")
                if body is None:
                    continue  # expunged meanwhile by someone else
                got = data.get(u, {}).get(b"INTERNALDATE")
                received = _aware(got) if isinstance(got, datetime) else None
                out.append(RawMessage(self._key(u), bytes(body), received=received))
        return out

    def _finish(self, uid: int, flag: bytes, folder: str) -> None:
        validity = self._uidvalidity
        c = self._connect()
        if validity and self._uidvalidity != validity:
            # reconnected into a rebuilt mailbox: this UID may now be another
            # message, and flagging that one would hide a complaint
            logger.warning("imap: UIDVALIDITY changed mid-run; UID %s left alone", uid)
            return
        if self._keywords_ok:
            c.add_flags([uid], [flag], silent=True)
        if folder:
            self._move(c, uid, folder)
        self._done.add(uid)
        self._advance()

    def _quarantine(self, uid: int, key: str, reason: str) -> None:
        c = self._connect()
        folder = self.cfg.quarantine_folder
        if folder:
            self._ensure_folder(c, folder)
            c.append(
                self._server_name(c, folder),
                _note(key, reason, self.cfg.folder),
                flags=[QUARANTINE_FLAG],
            )
        self._finish(uid, QUARANTINE_FLAG, folder)

    def _move(self, c: IMAPClient, uid: int, folder: str) -> None:
        self._ensure_folder(c, folder)
        name = self._server_name(c, folder)
        if c.has_capability("MOVE"):
            c.move([uid], name)
            return
        c.copy([uid], name)
        c.add_flags([uid], [b"\\Deleted"], silent=True)
        if c.has_capability("UIDPLUS"):
            c.uid_expunge([uid])  # expunge only ours, never other \Deleted mail

    def _advance(self) -> None:
        """Move the watermark up to just below the first handed-out, unfinished UID."""
        if not self._searched_below:
            return  # marking without a search in this run: nothing is known about the rest
        pending = [u for u in self._candidates if u not in self._done]
        everything = max([self._searched_below - 1, *self._candidates])
        mark = pending[0] - 1 if pending else everything
        if mark > int(self._state.get("last_uid", 0)):
            self._state["last_uid"] = mark

    # ---------------------------------------------------------- connection
    def _create_client(self) -> IMAPClient:
        """The test seam: one place where the socket is opened."""
        if self._factory is not None:
            return self._factory()
        cfg = self.cfg
        ctx = ssl.create_default_context()
        quiet_protocol_log()
        client = IMAPClient(
            cfg.host,
            port=cfg.port,
            ssl=cfg.security == "ssl",
            ssl_context=ctx,
            timeout=cfg.timeout_s,
        )
        if cfg.security == "starttls":
            client.starttls(ctx)
        return client

    def _connect(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        client = self._create_client()
        try:
            if self._token:
                client.oauth2_login(self.cfg.user, self._token)
            else:
                client.login(self.cfg.user, self._password)
        except LoginError as e:
            _quiet_logout(client)
            raise InboxError(
                f"IMAP {self._who()}: login refused ({self._scrub(e)})", permanent=True
            ) from None
        try:
            info = client.select_folder(self.cfg.folder)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as e:
            _quiet_logout(client)
            raise InboxError(
                f"IMAP {self._who()}: cannot open folder {self.cfg.folder!r} ({self._scrub(e)})",
                permanent=True,
            ) from None
        self._uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        self._uidnext = int(info.get(b"UIDNEXT", 0))
        self._exists = int(info.get(b"EXISTS", 0))
        perm = info.get(b"PERMANENTFLAGS", ())
        self._keywords_ok = b"\\*" in perm or PROCESSED_FLAG in perm
        if not self._keywords_ok and not self.cfg.processed_folder:
            _quiet_logout(client)
            raise InboxError(
                f"IMAP {self._who()}: the server keeps no keyword flags on {self.cfg.folder!r}; "
                "set inbox.processed_folder so processed mail can be moved instead",
                permanent=True,
            )
        self._client = client
        return client

    def _retrying(self, what: str, fn: Callable[[], _T]) -> _T:
        """Run ``fn`` under the retry policy: a lost link is dropped, reconnected and
        tried again, a bounded number of times; anything else fails at once."""

        def attempt() -> _T:
            try:
                return fn()
            except InboxError:
                raise
            except (IMAPClientAbortError, OSError, EOFError) as e:  # socket, TLS, timeout, BYE
                raise _LinkLost(self._scrub(e) or type(e).__name__) from e
            except IMAPClientError as e:
                self._drop()  # the session's state is unknown after a failed command
                raise InboxError(f"IMAP {self._who()}: {what} failed ({self._scrub(e)})") from None

        try:
            # a command the server answered NO/BAD is not retried within the run (the
            # same command gets the same answer), though the next run may try again
            return call(
                f"imap {what}",
                attempt,
                self.policy,
                on_retry=lambda _e: self._drop(),
                retry_if=lambda e: isinstance(e, _LinkLost),
            )
        except _LinkLost as e:
            self._drop()
            raise InboxError(
                f"IMAP {self._who()}: {what} failed after {self.retries} attempts ({e})"
            ) from None

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.shutdown()
            except Exception as e:  # already broken: closing is best effort
                logger.debug("imap: shutdown failed: %s", e)

    # ------------------------------------------------------------- folders
    def _server_name(self, c: IMAPClient, folder: str) -> str:
        """``Aduan/Karantina`` written with the server's hierarchy separator."""
        if self._separator is None:
            listing = c.list_folders("", "")
            sep = listing[0][1] if listing else b"/"
            self._separator = (sep.decode() if isinstance(sep, bytes) else sep) or "/"
        return folder.replace("/", self._separator)

    def _ensure_folder(self, c: IMAPClient, folder: str) -> None:
        if folder in self._ensured:
            return
        name = self._server_name(c, folder)
        if not c.folder_exists(name):
            logger.info("imap: creating folder %s", name)
            try:
                c.create_folder(name)
            except IMAPClientError as e:
                if not c.folder_exists(name):  # lost a race with another client: fine
                    raise InboxError(
                        f"IMAP {self._who()}: cannot create folder {name!r} ({self._scrub(e)})",
                        permanent=True,
                    ) from None
            try:
                c.subscribe_folder(name)
            except IMAPClientError as e:  # unsubscribed folders still work
                logger.debug("imap: subscribe %s failed: %s", name, e)
        self._ensured.add(folder)

    # --------------------------------------------------------------- state
    def _load_state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            logger.warning("imap: ignoring unreadable state %s (%s)", self.state_path, e)
            return {}

    def _save_state(self) -> None:
        if not self._state.get("uidvalidity"):
            return
        data = {
            **self._state,
            "host": self.cfg.host,
            "user": self.cfg.user,
            "folder": self.cfg.folder,
            "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            # no fsync: a watermark lost in a power cut only costs one keyword search
            write_atomic(self.state_path, json.dumps(data, indent=1), fsync=False)
        except OSError as e:  # the next poll just searches by keyword
            logger.warning("imap: cannot save state %s: %s", self.state_path, e.strerror or e)

    # ------------------------------------------------------------- helpers
    def _key(self, uid: int) -> str:
        return f"{self._uidvalidity}:{uid}"

    def _uid_of(self, key: str) -> int | None:
        m = re.fullmatch(r"(\d+):(\d+)", key or "")
        if not m:
            raise InboxError(f"imap: invalid message key {key!r}", permanent=True)
        validity, uid = int(m.group(1)), int(m.group(2))
        if self._uidvalidity and validity != self._uidvalidity:
            logger.warning(
                "imap: %s belongs to an old UIDVALIDITY; Message-ID dedupe covers it", key
            )
            return None
        return uid

    def _who(self) -> str:
        return f"{self.cfg.user} at {self.cfg.host}:{self.cfg.port}"

    def _scrub(self, e: BaseException) -> str:
        text = str(e)
        if isinstance(e, socket.timeout):
            text = text or "timed out"
        for secret in (self._password, self._token):
            if secret:
                text = text.replace(secret, "***")
        return " ".join(text.split())[:300]


def _note(key: str, reason: str, folder: str) -> bytes:
    """A short message placed beside a quarantined one, for the person who looks."""
    m = EmailMessage()
    m["From"] = "Aduan <aduan@localhost>"
    m["Subject"] = f"[Aduan] Alasan karantina pesan {key}"
    m["Date"] = format_datetime(datetime.now(UTC))
    m["Message-ID"] = make_msgid(domain="aduan.invalid")
    m["Auto-Submitted"] = "auto-generated"
    m.set_content(
        f"Pesan {key} dari folder {folder} dikarantina dan TIDAK dicatat sebagai aduan.\n"
        f"Alasan: {reason}\n\n"
        "Pesan asli ada di folder ini, tidak diubah. Jika sebenarnya aduan, catat secara\n"
        f"manual di register, atau pindahkan kembali ke {folder} dan hapus tanda (keyword)\n"
        f"{QUARANTINE_FLAG.decode()} agar diproses ulang.\n"
    )
    return m.as_bytes()


def _quiet_logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception as e:  # already failing: the original error is the news
        logger.debug("imap: logout failed: %s", e)


def _aware(dt: datetime) -> datetime:
    """imapclient gives INTERNALDATE in the machine's local time without a zone."""
    return dt.astimezone() if dt.tzinfo is None else dt


def quiet_protocol_log() -> None:
    """Keep imapclient's protocol trace out of every log, whatever the verbosity (issue 17).

    imapclient logs each command and every server line (whole fetched messages, with
    complainants' names, addresses and words) at DEBUG to ``imapclient.imaplib``; a
    ``--verbose`` run would copy the inbox into the log. Its INFO and above stay."""
    for name in ("imapclient", "imapclient.imaplib"):
        log = logging.getLogger(name)
        if log.level == logging.NOTSET or log.level < logging.INFO:
            log.setLevel(logging.INFO)
