"""The complaint inbox: one small interface, a local Maildir as the embedded default.

A message is handed out by :meth:`Inbox.poll` until the cycle calls
:meth:`Inbox.mark_processed` (after its row is written to the register) or
:meth:`Inbox.quarantine` (it cannot be handled). A run killed in between sees
the message again next time; the cycle dedupes on Message-ID.

Maildir layout (Maildir++, so Dovecot or a mail client can show the folders)::

    <path>/{new,cur,tmp}                 the inbox
    <path>/.Diproses/cur/<key>:2,S       processed (moved with rename, bytes untouched)
    <path>/.Karantina/new/<key>          quarantined, unread so a person notices
    <path>/.Karantina/<key>.alasan.txt   why, in Indonesian, for that person
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from aduan.core.model import RawMessage
from aduan.errors import InboxError
from aduan.support.atomic import write_atomic

__all__ = ["Inbox", "MaildirInbox", "PROCESSED_FOLDER", "QUARANTINE_FOLDER"]

logger = logging.getLogger(__name__)

PROCESSED_FOLDER = "Diproses"
QUARANTINE_FOLDER = "Karantina"
DEFAULT_BATCH = 500


class Inbox(Protocol):
    """Where complaints arrive. Keys are source-specific and stable across runs."""

    def poll(self) -> list[RawMessage]:
        """New, not yet processed messages, oldest first (at most one batch)."""
        ...

    def mark_processed(self, key: str) -> None:
        """Never hand this message out again (call after its row is written)."""
        ...

    def quarantine(self, key: str, reason: str) -> None:
        """Set the message aside for a person, with the reason; never delete it."""
        ...

    def close(self) -> None:
        """Release the connection, if any (the IMAP one also saves its watermark)."""
        ...

    def check(self) -> str:
        """One line for ``aduan check`` (raises InboxError when unreachable)."""
        ...


class MaildirInbox:
    """A local Maildir (created when missing), read with plain file operations
    rather than :class:`mailbox.Maildir`, which neither creates missing parents
    nor moves a message between folders without rewriting it.

    Moves are ``os.rename`` within one filesystem: atomic, so a message is
    always in exactly one folder, whatever moment the run is killed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        batch: int = DEFAULT_BATCH,
        processed_folder: str = PROCESSED_FOLDER,
        quarantine_folder: str = QUARANTINE_FOLDER,
    ) -> None:
        self.path = Path(path)
        self.batch = batch
        self.processed = self.path / f".{processed_folder}"
        self.quarantined = self.path / f".{quarantine_folder}"
        try:
            _ensure_maildir(self.path)
            _ensure_maildir(self.processed, folder=True)
            _ensure_maildir(self.quarantined, folder=True)
        except OSError as e:
            raise InboxError(
                f"cannot open Maildir {self.path}: {e.strerror or e}", permanent=True
            ) from None
        self._paths: dict[str, Path] = {}

    # ------------------------------------------------------------ interface
    def poll(self) -> list[RawMessage]:
        found = self._scan()
        out: list[RawMessage] = []
        for key, path in found:
            if len(out) >= self.batch:
                logger.info(
                    "maildir: %d more messages wait for the next run", len(found) - len(out)
                )
                break
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue  # taken meanwhile (another reader, a person): not ours any more
            except OSError as e:
                logger.error("maildir: %s unreadable (%s): quarantined", key, e.strerror or e)
                try:
                    self.quarantine(key, f"berkas tidak dapat dibaca: {e.strerror or e}")
                except InboxError as qe:
                    logger.error("maildir: %s could not be quarantined either: %s", key, qe)
                continue
            self._paths[key] = path
            out.append(RawMessage(key, data, received=_delivered(path)))
        return out

    def mark_processed(self, key: str) -> None:
        path = self._locate(key)
        if path is None:
            if self._find_in(self.processed, key):
                return  # already moved: marking twice is harmless
            logger.warning("maildir: %s to mark processed is gone from the inbox", key)
            return
        info = _info(path.name)
        flags = "".join(sorted(set(info[3:] if info.startswith(":2,") else "") | {"S"}))
        self._move(path, self.processed / "cur" / f"{key}:2,{flags}", key)

    def quarantine(self, key: str, reason: str) -> None:
        _check_key(key)
        path = self._locate(key)
        if path is None:
            if self._find_in(self.quarantined, key):
                return
            raise InboxError(f"maildir: message {key} not found in {self.path}", permanent=True)
        note = self.quarantined / f"{key}.alasan.txt"
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        text = (
            "Pesan ini dikarantina oleh Aduan dan TIDAK dicatat sebagai aduan.\n"
            f"Waktu  : {now}\n"
            f"Berkas : {key}\n"
            f"Alasan : {reason}\n\n"
            "Isi pesan asli tidak diubah (folder new/ atau cur/ di sebelah berkas ini).\n"
            "Jika pesan ini sebenarnya aduan, catat secara manual di register, atau pindahkan\n"
            "berkasnya kembali ke folder new/ kotak masuk utama agar diproses ulang.\n"
        )
        try:
            write_atomic(note, text)
        except OSError as e:
            logger.error("maildir: cannot write %s: %s", note, e.strerror or e)
        self._move(path, self.quarantined / "new" / key, key)
        logger.warning("maildir: %s quarantined: %s", key, reason)

    def close(self) -> None:
        self._paths.clear()

    def check(self) -> str:
        """One line for ``aduan check``: where the inbox is and what waits in it."""
        return f"Maildir {self.path}: {len(self._scan())} pesan menunggu"

    # -------------------------------------------------------------- helpers
    def _scan(self) -> list[tuple[str, Path]]:
        items: list[tuple[int, str, Path]] = []
        for sub in ("new", "cur"):
            try:
                entries = list(os.scandir(self.path / sub))
            except OSError as e:
                raise InboxError(f"cannot list {self.path / sub}: {e.strerror or e}") from None
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                info = _info(entry.name)
                if info.startswith(":2,") and "T" in info[3:]:
                    continue  # flagged Trashed by a mail client: deleted, not new work
                try:
                    mtime = entry.stat(follow_symlinks=False).st_mtime_ns
                except OSError:
                    mtime = 0
                items.append((mtime, _key(entry.name), Path(entry.path)))
        items.sort(key=lambda t: (t[0], t[1]))
        return [(k, p) for _, k, p in items]

    def _locate(self, key: str) -> Path | None:
        _check_key(key)
        known = self._paths.get(key)
        if known is not None and known.exists():
            return known
        return self._find_in(self.path, key)

    @staticmethod
    def _find_in(root: Path, key: str) -> Path | None:
        for sub in ("new", "cur"):
            exact = root / sub / key
            if exact.exists():
                return exact
            try:
                for entry in os.scandir(root / sub):
                    if _key(entry.name) == key:
                        return Path(entry.path)
            except OSError:
                continue
        return None

    def _move(self, src: Path, dst: Path, key: str) -> None:
        try:
            os.rename(src, dst)
        except OSError as e:
            raise InboxError(
                f"maildir: cannot move {key} to {dst.parent}: {e.strerror or e}"
            ) from None
        self._paths.pop(key, None)


def _ensure_maildir(root: Path, *, folder: bool = False) -> None:
    """Create ``root/{new,cur,tmp}`` (and the Maildir++ ``maildirfolder`` marker)."""
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder:
        (root / "maildirfolder").touch(exist_ok=True)


def _key(name: str) -> str:
    """Maildir key of a file name: everything before the ':2,FLAGS' info part."""
    return name.split(":", 1)[0]


def _info(name: str) -> str:
    return name[len(_key(name)) :]


def _check_key(key: str) -> None:
    if not key or "/" in key or "\0" in key or key.startswith("."):
        raise InboxError(f"maildir: invalid message key {key!r}", permanent=True)


def _delivered(path: Path) -> datetime | None:
    """When the message was delivered, from its Maildir name: a delivering agent
    names the file ``<unix time>.<unique>.<host>`` (the Maildir convention), so the
    time survives moves between new/ and cur/ and any later touch of the file.
    None for a name without it (issue 21: decisions and *Diterima* count from it)."""
    m = _DELIVERY_RE.match(path.name)
    if not m:
        return None
    try:
        return datetime.fromtimestamp(int(m.group(1)), UTC)
    except (OverflowError, OSError, ValueError):
        return None


_DELIVERY_RE = re.compile(r"^(\d{9,11})\.")
