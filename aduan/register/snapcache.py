"""Change detection for steady cycles (issue 19): the last read kept in the state folder.

In a fleet most cycles are steady (nothing new), and reading a 100,000-row register
costs seconds. Each backend tells cheaply whether its register changed: the xlsx
file's stamp (mtime in ns, size, inode: :func:`stamp_of`), the Google Sheet's Drive
``version`` and ``modifiedTime`` (one ``files.get``). While the stamp is the one a
read saw, that read is still the register:

* the **snapshot** (what the read returned, and for Sheets what its write plans
  against) is loaded instead of reading the register: a cycle with new mail, or
  with something due, still decides from the whole register without reading it;
* the **agenda** (:mod:`aduan.core.engine.agenda`: the few rows time alone can still
  move, and the meta), kept after a cycle that did nothing, is all a steady cycle
  loads: its cost does not grow with the register.

A save by staff in Excel or LibreOffice, a copy or a restore, an edit in the Google
Sheet changes the stamp, and the next read is a full one again. So does Aduan's own
write to an xlsx file; the Sheets register keeps its snapshot across its own write
only when Drive shows that write and nothing else (:mod:`aduan.register.sheets.read`).

The files hold what the register holds (complainants' data): mode 0600, beside the
office's other state; they are only ever read back by the office that wrote them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path
from typing import Any

from aduan.core.engine.agenda import Agenda
from aduan.support.atomic import atomic_path

__all__ = ["SnapshotCache", "Stamp", "stamp_of"]

logger = logging.getLogger(__name__)

Stamp = tuple[Any, ...]  # xlsx: (st_mtime_ns, st_size, st_ino); Sheets: (version, modifiedTime)
_VERSION = 2


def stamp_of(path: Path) -> Stamp | None:
    """The file's stamp, None when it cannot be seen (the full read says why)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class SnapshotCache:
    """One register's last snapshot and agenda, each with the stamp it was read at.

    ``scope`` names the register (the Sheet's id): another register's files are
    never taken for this one's, nor a snapshot of another layout."""

    def __init__(self, path: Path, headers: list[str], scope: str = "") -> None:
        self.path = Path(path)
        self.agenda_path = self.path.with_name(f"{self.path.stem}-agenda{self.path.suffix}")
        # a changed layout (a column added to the SOP) must not reuse an old snapshot
        text = "\x1f".join([scope, *headers])
        self.key = hashlib.sha1(text.encode("utf-8")).hexdigest()

    # ------------------------------------------------------------ snapshot
    def get(self, stamp: Stamp) -> Any:
        """What was kept for exactly this stamp, or None."""
        return self._load(self.path, stamp)

    def put(self, stamp: Stamp, payload: Any) -> None:
        """Keep ``payload`` as read at ``stamp``; a failure only costs the next read."""
        self._dump(self.path, stamp, payload)

    # -------------------------------------------------------------- agenda
    def get_agenda(self, stamp: Stamp) -> Agenda | None:
        """The agenda kept for exactly this stamp, or None."""
        got = self._load(self.agenda_path, stamp)
        return got if isinstance(got, Agenda) else None

    def put_agenda(self, stamp: Stamp, agenda: Agenda) -> None:
        self._dump(self.agenda_path, stamp, agenda)

    def drop_agenda(self) -> None:
        """Forget the agenda: the next cycle decides from the whole register."""
        try:
            self.agenda_path.unlink(missing_ok=True)
        except OSError as e:
            logger.warning("%s: agenda not removed (%s)", self.agenda_path, e.strerror or e)

    # ---------------------------------------------------------------- files
    def _load(self, path: Path, stamp: Stamp) -> Any:
        try:
            with open(path, "rb") as f:
                version, key, seen, payload = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception as e:  # a torn or foreign file: read the register instead
            logger.warning("%s: snapshot not usable (%s); reading the register", path, e)
            return None
        if version != _VERSION or key != self.key or tuple(seen) != tuple(stamp):
            return None
        return payload

    def _dump(self, path: Path, stamp: Stamp, payload: Any) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # no fsync: a snapshot lost in a power cut only costs one full read
            with atomic_path(path, mode=0o600, fsync=False) as tmp, open(tmp, "wb") as f:
                pickle.dump((_VERSION, self.key, tuple(stamp), payload), f, protocol=5)
        except OSError as e:
            logger.warning("%s: snapshot not kept (%s)", path, e.strerror or e)
